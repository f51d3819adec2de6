"""Planner statistics kept current by the bulk jobs that outdate them.

A query plan is chosen from each table's statistics (row counts, value spreads). After an
import that added a large share of a table they describe the table before it, and the
first lists run slow plans until something analyses the table (autovacuum, when it is on,
comes later). So a job notes the tables it wrote and how many rows (``WrittenTables``),
and after its commit analyses those changed by more than ``ANALYZE_SHARE`` since they were
last analysed (this job's rows, or on PostgreSQL all since, as autovacuum counts them).

What an ANALYZE costs is a sample of each table read and every column's spread computed
(at 1,000,000 persons ~2 s for the person table, as much for its history): a job skips
the history tables (django-simple-history's), which are read by a record's id alone, a plan
no spread changes. An import of 50,000 rows spent a fifth of its time analysing before.
"""

import contextlib
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

from django.apps import apps
from django.db import connection

# A table is analysed once more than this share of its rows (as the last statistics counted
# them) changed since its last ANALYZE, and at least ANALYZE_MIN_ROWS rows: autovacuum's
# default share (autovacuum_analyze_scale_factor).
ANALYZE_SHARE = 0.10
ANALYZE_MIN_ROWS = 100

_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)


class WrittenTables:
    """The rows a job's write transaction changed, by table.

    PostgreSQL counts them itself for the open transaction (``pg_stat_xact_user_tables``,
    COPY included): ``note_transaction`` reads them just before the commit, on the writing
    connection. SQLite does not: ``watching`` counts each statement's rows on this
    connection while the write runs.
    """

    def __init__(self) -> None:
        self.changed: dict[str, int] = {}

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        if connection.vendor == "postgresql":
            yield
            return
        with connection.execute_wrapper(self._count):
            yield

    def _count(self, execute, sql: str, params: Any, many: bool, context: dict) -> Any:
        result = execute(sql, params, many, context)
        match = _WRITE.match(sql)
        if match:
            rows = max(context["cursor"].rowcount, 0)
            self.changed[match[1]] = self.changed.get(match[1], 0) + rows
        return result

    def note_transaction(self) -> None:
        """Inside the write transaction, before it commits (PostgreSQL)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
                " WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
            )
            for table, rows in cursor.fetchall():
                self.changed[table] = self.changed.get(table, 0) + rows


def refresh_statistics(
    changed: dict[str, int], *, alongside: Callable[..., Future] | None = None
) -> list[str]:
    """Analyse the tables a committed job changed by more than ``ANALYZE_SHARE``; returns
    their names. Runs outside any transaction (SQLite: ANALYZE writes sqlite_stat1).
    ``alongside``: see ``analyse``."""
    history = _history_tables()
    candidates = {t: n for t, n in changed.items() if t not in history}
    if connection.vendor == "postgresql" and candidates:
        # Rows changed since the last ANALYZE, by earlier jobs too; this job's own may not be
        # in the server's counters yet (they are sent a moment after a commit).
        for table, since in _changed_since_analyze(list(candidates)).items():
            candidates[table] = max(candidates[table], since)
    candidates = {t: n for t, n in candidates.items() if n >= ANALYZE_MIN_ROWS}
    if not candidates:
        return []
    counted = _counted_rows(list(candidates))
    tables = [
        table
        for table, rows in sorted(candidates.items())
        if (count := counted.get(table)) is None or rows > ANALYZE_SHARE * count
    ]
    analyse(tables, alongside=alongside)
    return tables


def analyse(tables: list[str], *, alongside: Callable[..., Future] | None = None) -> None:
    """Refresh these tables' statistics (and on PostgreSQL their visibility map), named one by
    one: a bare ``ANALYZE`` would also take the server's shared catalogues, whose locks other
    databases' sessions wait for until this transaction ends.

    ``alongside`` (PostgreSQL): a function that runs a call on another thread, hence another
    connection, and returns its Future (an import's reading thread). The largest table is
    refreshed here and the others there meanwhile: after an import of 50,000 persons the
    person table took 0.4-0.5 s and the five others 0.2 s more, one after the other, while
    the user waited and one core of the two was idle."""
    if (
        alongside is not None
        and len(tables) > 1
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    ):
        largest = _largest(tables)
        others = alongside(analyse, [t for t in tables if t != largest])
        try:
            analyse([largest])
        finally:
            others.result()  # and its error, if any
        return
    quote = connection.ops.quote_name
    statement = refresh_statement()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{statement} {quote(table)}")


def refresh_statement() -> str:
    """``VACUUM (ANALYZE)`` on PostgreSQL outside a transaction, else ``ANALYZE``.

    Besides the statistics, a vacuum marks the freshly written pages all-visible. Without that
    (autovacuum may be off or late) the covering indexes the lists are built on cannot answer
    index-only and every match costs a heap read: a city's two-letter pinyin search at
    1,000,000 persons took 168 ms after an import, 25 ms after the vacuum (docs/benchmarks.md).
    """
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return "VACUUM (ANALYZE)"
    return "ANALYZE"


def _largest(tables: list[str]) -> str:
    """PostgreSQL: the table that, with its indexes, takes the most space."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s)"
            " AND pg_table_is_visible(oid) ORDER BY pg_total_relation_size(oid) DESC LIMIT 1",
            [tables],
        )
        found = cursor.fetchone()
    return found[0] if found else tables[0]


def _history_tables() -> set[str]:
    """Tables of django-simple-history's models (they carry ``instance_type``)."""
    return {model._meta.db_table for model in apps.get_models() if hasattr(model, "instance_type")}


def _changed_since_analyze(tables: list[str]) -> dict[str, int]:
    """PostgreSQL: the rows of each table changed since its last ANALYZE, as counted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_mod_since_analyze FROM pg_stat_user_tables"
            " WHERE relname = ANY(%s) AND schemaname = current_schema()",
            [tables],
        )
        return {table: int(rows) for table, rows in cursor.fetchall()}


def _counted_rows(tables: list[str]) -> dict[str, int | None]:
    """Each table's row count as its statistics last counted it; None: never counted."""
    counted: dict[str, int | None] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname, reltuples FROM pg_class"
                " WHERE relkind = 'r' AND relname = ANY(%s) AND pg_table_is_visible(oid)",
                [tables],
            )
            for table, tuples in cursor.fetchall():
                counted[table] = int(tuples) if tuples >= 0 else None
            return counted
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return counted
        placeholders = ", ".join(["%s"] * len(tables))
        cursor.execute(
            f"SELECT tbl, stat FROM sqlite_stat1 WHERE tbl IN ({placeholders})",  # noqa: S608
            tables,
        )
        for table, stat in cursor.fetchall():
            counted[table] = max(counted.get(table) or 0, int(str(stat).split()[0]))
        return counted
