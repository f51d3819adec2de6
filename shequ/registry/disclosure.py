"""What of a person's identity a role is shown besides the masked identity number.

The masked number (``mask_id_number``) keeps its first three and last two characters. A
role that may reveal numbers sees the whole birth date; any other role sees the birth year
and the age reached this year, never the month and day, so that nothing shown beside the
mask rebuilds the number (pages, API, exports, history, the change log)."""

import datetime

from shequ.core.identifiers import birth_year_age
from shequ.org.roles import Action, can
from shequ.registry.rules import age_on


def shows_birth_date(user) -> bool:
    """Whether the user is shown whole birth dates: those who may reveal identity numbers."""
    return can(user, Action.REVEAL_ID_NUMBER)


def age_shown(birth_date: datetime.date | None, today: datetime.date, *, full: bool) -> int | None:
    """The exact age for a role shown birth dates, else the age reached this year."""
    if birth_date is None:
        return None
    return age_on(birth_date, today) if full else birth_year_age(birth_date, today)


def birth_date_text(value: datetime.date | None, *, full: bool) -> str:
    """2026-12-06 for a role shown birth dates, else the year alone (2026)."""
    if value is None:
        return ""
    return value.isoformat() if full else str(value.year)
