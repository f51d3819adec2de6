"""Working days from China's official calendar (国务院办公厅 holiday notices, as the
``chinesecalendar`` package carries them) with the staff's own table on top: a day in
``CalendarDay`` overrides the package, and fills the years the package does not know yet.
For a year neither knows, Monday to Friday count (and ``year_known`` says so, so the pages
can warn that the year's holidays are missing)."""

import datetime
from functools import lru_cache

import chinese_calendar

from shequ.duework.models import CalendarDay


@lru_cache(maxsize=64)
def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _official(day: datetime.date) -> bool:
    if _package_knows(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def year_known(year: int) -> bool:
    """Whether the holidays of ``year`` are known: to the package or in the staff's table."""
    return _package_knows(year) or CalendarDay.objects.filter(date__year=year).exists()


def _overrides(start: datetime.date, end: datetime.date) -> dict[datetime.date, bool]:
    rows = CalendarDay.objects.filter(date__gte=start, date__lte=end)
    return dict(rows.values_list("date", "is_working"))


def is_working_day(day: datetime.date) -> bool:
    override = _overrides(day, day).get(day)
    return _official(day) if override is None else override


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The day by which "within ``n`` working days of ``start``" ends: the ``n``-th working
    day after ``start`` (``start`` itself for 0). One query for the staff's days in the span."""
    if n < 0:
        raise ValueError("n must not be negative")
    # A long holiday is at most 9 days: twice the span plus three weeks covers any n.
    end = start + datetime.timedelta(days=2 * n + 21)
    overrides = _overrides(start, end)
    day, left = start, n
    while left > 0:
        day += datetime.timedelta(days=1)
        if day > end:  # very long closures in the staff's table: read the next stretch
            end = day + datetime.timedelta(days=60)
            overrides.update(_overrides(day, end))
        working = overrides.get(day)
        if _official(day) if working is None else working:
            left -= 1
    return day
