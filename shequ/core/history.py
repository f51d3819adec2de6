"""The history every audited model keeps: django-simple-history, with only the indexes read.

simple-history indexes each history table's ``history_user`` and ``history_date`` for
queries across records ("everything user X changed", "everything changed on day D"). Shequ
never asks those: a record's history is read by the record's id (the timeline, the API's
``history/``), and who did what across records is the audit log (``org.AuditEvent``). Each
index costs every history row, and an import writes one per person, home and child
(docs/benchmarks.md has the cost).
``SIMPLE_HISTORY_DATE_INDEX = False`` in the settings drops the date's; this class drops
the user's. Users are deactivated, never deleted, so no delete has to find their rows.
"""

from django.db import models
from simple_history.models import HistoricalRecords


class History(HistoricalRecords):
    """``HistoricalRecords`` whose ``history_user`` column carries no index."""

    def _get_history_user_fields(self) -> dict:
        fields = super()._get_history_user_fields()
        user = fields.get("history_user")
        if isinstance(user, models.ForeignKey):
            user.db_index = False  # type: ignore[attr-defined]  # a Field attribute stubs lack
        return fields
