"""Deadlines in working days: China's official calendar with its adjusted working days, and
the staff's table for years the package does not know yet."""

import datetime

import pytest

from shequ.duework import calendar, services

pytestmark = pytest.mark.django_db
D = datetime.date


def test_a_deadline_skips_the_national_day_holiday_and_counts_the_adjusted_saturday():
    # 2026: 1–7 October are holidays; Sunday 20 September and Saturday 10 October are
    # working days (调休上班).
    assert calendar.is_working_day(D(2026, 10, 1)) is False
    assert calendar.is_working_day(D(2026, 10, 10)) is True  # a Saturday, worked
    assert calendar.is_working_day(D(2026, 10, 11)) is False  # the Sunday after it
    # From Wednesday 30 September: 8 and 9 October (Thu, Fri), then Saturday the 10th.
    assert calendar.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert calendar.add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert calendar.add_working_days(D(2026, 9, 30), 4) == D(2026, 10, 12)
    # The adjusted Sunday before it counts too.
    assert calendar.add_working_days(D(2026, 9, 19), 1) == D(2026, 9, 20)


def test_zero_days_is_the_day_itself():
    assert calendar.add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)
    with pytest.raises(ValueError):
        calendar.add_working_days(D(2026, 10, 3), -1)


def test_the_staff_table_fills_a_year_the_package_does_not_know(people):
    new_year = D(2027, 1, 1)  # a Friday, a holiday: not in chinesecalendar 1.11
    assert calendar.year_known(2027) is False
    assert calendar.add_working_days(D(2026, 12, 31), 1) == new_year  # Mon–Fri fallback
    services.calendar_day_set(actor=people.city, date=new_year, is_working=False, note="元旦")
    assert calendar.year_known(2027) is True
    assert calendar.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    # An adjusted working Saturday set by the staff counts.
    services.calendar_day_set(actor=people.city, date=D(2027, 1, 2), is_working=True, note="调休")
    assert calendar.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 2)


def test_the_table_overrides_the_package(people):
    services.calendar_day_set(actor=None, date=D(2026, 10, 12), is_working=False, note="停工")
    assert calendar.add_working_days(D(2026, 9, 30), 4) == D(2026, 10, 13)


def test_only_rule_keepers_edit_the_calendar(people, web, api):
    response = api.as_(people.worker_a).post(
        "/api/v1/calendar-days/",
        {"date": "2027-02-10", "is_working": False, "note": "春节"},
        format="json",
    )
    assert response.status_code == 403
    response = api.as_(people.city).post(
        "/api/v1/calendar-days/",
        {"date": "2027-02-10", "is_working": False, "note": "春节"},
        format="json",
    )
    assert response.status_code == 201, response.content
    page = web.as_(people.worker_a).get("/tasks/calendar/")
    assert page.status_code == 200 and "2027-02-10" in page.content.decode()
    assert web.as_(people.worker_a).post("/tasks/calendar/", {}).status_code == 403
