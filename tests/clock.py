"""A clock the test moves forward: ``clock.advance(minutes=31)`` makes every
``django.utils.timezone.now()`` after it (sessions, tokens, one-time codes) see the later time."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return _real_now() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


_real_now = timezone.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock.now)
    return clock
