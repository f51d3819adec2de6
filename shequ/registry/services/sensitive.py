"""Sensitive reads: the unmasked identity number and health facts, each read logged."""

from collections.abc import Sequence
from typing import cast

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shequ.core.identifiers import mask_id_number
from shequ.org.audit import (
    SensitiveTarget,
    audit_sensitive_read,
)
from shequ.org.models import SensitiveAccess, User
from shequ.org.roles import Action
from shequ.registry.models import (
    Person,
    Pregnancy,
)
from shequ.registry.services._common import _require, _require_scope, person_label


def person_reveal_id_number(
    *, actor: User, person: Person, purpose: str, channel: str = "web"
) -> str:
    """The unmasked identity number, for a role that may see it; the read is logged."""
    _require(actor, Action.REVEAL_ID_NUMBER)
    _require_scope(actor, person.unit_id)
    if purpose not in SensitiveAccess.Purpose.values:
        raise ValidationError({"purpose": [_("请选择查看目的。")]})
    audit_sensitive_read(
        actor=actor,
        targets=[
            SensitiveTarget(
                "registry.person", str(person.uid), person_label(person), person.unit_id
            )
        ],
        fields=["id_number"],
        purpose=purpose,
        channel=channel,
    )
    return person.id_number or ""  # a newborn's is not issued yet


def log_health_read(
    *,
    actor: User,
    persons: Sequence[Person],
    channel: str,
    purpose: str,
    recorded_only: bool = True,
) -> None:
    """Log that these people's health facts (contraception) were shown to the actor;
    ``recorded_only``: only those with a method recorded now (a history shows past ones)."""
    shown = [p for p in persons if p.contraception or not recorded_only]
    _log_read(actor, shown, "contraception", channel=channel, purpose=purpose)


def pregnancies_read(
    *,
    actor: User,
    persons: Sequence[Person],
    channel: str,
    purpose: str = SensitiveAccess.Purpose.SERVICE,
) -> dict[int, list[Pregnancy]]:
    """The pregnancies (孕情, a health fact) of these persons, for a holder of the health
    right only; each person whose pregnancies are shown is logged. The one way to read them:
    pages and API come here, so no read goes unlogged."""
    _require(actor, Action.VIEW_HEALTH)
    for person in persons:
        _require_scope(actor, person.unit_id)
    found: dict[int, list[Pregnancy]] = {}
    rows = Pregnancy.objects.filter(person__in=[p.pk for p in persons]).order_by(
        "person_id", "-recorded_on", "-id"
    )
    for row in rows:
        found.setdefault(row.person_id, []).append(row)
    _log_read(
        actor, [p for p in persons if p.pk in found], "pregnancy", channel=channel, purpose=purpose
    )
    return found


def pregnancy_rows_read(
    *, actor: User, rows: Sequence[Pregnancy], channel: str, purpose: str
) -> None:
    """Log a page of pregnancy rows read (the API's list): one entry per person shown."""
    _require(actor, Action.VIEW_HEALTH)
    persons = {row.person_id: row.person for row in rows}
    _log_read(actor, list(persons.values()), "pregnancy", channel=channel, purpose=purpose)


def log_id_number_check(*, actor: User, number: str, channel: str = "web") -> None:
    """Log that the actor asked whether an identity number is registered in the city: the
    answer says whether someone holds it, even outside the actor's jurisdiction, so the
    question is logged under the holder's unit (or the actor's, for a free number)."""
    holder = Person.objects.filter(id_number=number).values("uid", "name", "unit_id").first()
    masked = mask_id_number(number)
    target = (
        SensitiveTarget(
            "registry.person",
            str(holder["uid"]),
            f"{holder['name']}（{masked}）",
            cast(str, holder["unit_id"]),  # the unit's code (to_field), typed as an int key
        )
        if holder
        else SensitiveTarget("registry.id_number", "", masked, getattr(actor, "unit_id", "") or "")
    )
    audit_sensitive_read(
        actor=actor,
        targets=[target],
        fields=["id_number_registration"],
        purpose=SensitiveAccess.Purpose.SERVICE,
        channel=channel,
    )


def _log_read(
    actor: User, persons: Sequence[Person], field: str, *, channel: str, purpose: str
) -> None:
    if persons:
        audit_sensitive_read(
            actor=actor,
            targets=[
                SensitiveTarget("registry.person", str(p.uid), person_label(p), p.unit_id)
                for p in persons
            ],
            fields=[field],
            purpose=purpose,
            channel=channel,
        )
