"""The fast insert path for bulk work (imports, the demo): COPY on PostgreSQL, executemany
elsewhere, with a simple-history row per record written in the same way.

Django's ``bulk_create`` builds an instance and a parameter list per row and cannot copy;
these functions take unsaved instances (or plain tuples), allocate their primary keys up
front so history rows, children and flows can point at them, and stream them to the
database. Call them inside a transaction.

``bulk_insert`` and ``insert_rows`` also come in two halves — ``prepare_records`` /
``prepare_insert_rows`` (keys taken, rows formatted for COPY) and ``write_records`` /
``write_rows`` — so that an import can ready its rows on the thread that validates and
leave the thread that writes only the sending.
"""

import contextlib
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from operator import attrgetter, itemgetter
from typing import Any

import psycopg
import uuid_utils
from django.db import connection, connections
from django.db.models.base import ModelState
from django.utils import timezone
from psycopg.copy import Copy, FileWriter


def new_uuid7() -> str:
    """A new time-ordered random UUID (version 7, RFC 9562) for a record written in bulk, as
    its 32 hexadecimal digits (both databases take digits as they are; Django reads a UUID).

    Not ``uuid4``: random keys each dirty a different page of the unique index; keys that
    grow with time go to its right edge, like the primary keys, and stay unguessable.
    Records made one by one keep ``uuid4`` (both kinds mix freely in one column).
    """
    return uuid_utils.uuid7().hex


def instance_factory(model) -> Callable[..., Any]:
    """A fast constructor of unsaved instances for bulk inserts: ``make(**attnames)``, or
    ``make(attnames_dict, **more)``.

    Django's ``Model.__init__`` costs more per row than validating it; this sets the field
    defaults (callable ones called per instance; a ``uuid4`` default becomes ``new_uuid7``,
    whose value is the key's hexadecimal digits, not a ``UUID``) and the given values
    straight into the instance. Give foreign keys by attname (``unit_id``).
    """
    static: dict[str, Any] = {}
    dynamic: list[tuple[str, Callable[[], Any]]] = []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            static[f.attname] = None
        elif f.has_default() and callable(f.default):
            dynamic.append((f.attname, new_uuid7 if f.default is uuid.uuid4 else f.default))
        else:
            static[f.attname] = f.get_default()

    def make(values: dict[str, Any] | None = None, /, **more: Any):
        obj = model.__new__(model)
        attrs = static.copy()  # a copy and one assignment: cheaper than filling __dict__
        attrs["_state"] = ModelState()
        for name, default in dynamic:
            attrs[name] = default()
        if values:  # a dict made for the purpose: not copied again as keywords
            attrs.update(values)
        attrs.update(more)
        obj.__dict__ = attrs
        return obj

    return make


# Types whose Python values SQLite needs converted (PostgreSQL's driver adapts them itself).
_PREPARED_TYPES = {"UUIDField", "DateTimeField", "DateField", "TimeField", "DecimalField"}


@contextlib.contextmanager
def server_cursor() -> Iterator[psycopg.Cursor]:
    """The driver's own cursor on this thread's connection (PostgreSQL): parameters bound on
    the server, results read in binary, where Django's cursor binds on the client. Its
    errors are raised as Django's (``IntegrityError`` …), like those of Django's cursor."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor


def _allocate_ids(model, count: int) -> list[int]:
    """Primary keys for ``count`` new rows, taken before the insert so that the history rows,
    children and flows can point at them without reading the rows back."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sequence = _sequence(table, model._meta.pk.column)
            # One array, read in binary: a row per id made the driver build a tuple each.
            with server_cursor() as raw:
                raw.execute(
                    "SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)",
                    [sequence, count],
                    binary=True,
                )
                return raw.fetchone()[0]  # type: ignore[index]  # an aggregate: one row
        # SQLite: the write transaction holds the database lock, so nobody else takes these.
        # AUTOINCREMENT never reuses the id of a deleted row: start above sqlite_sequence.
        quote = connection.ops.quote_name
        # Names come from the model's metadata, never from input.
        highest_sql = f"SELECT COALESCE(MAX({quote(model._meta.pk.column)}), 0) FROM {quote(table)}"  # noqa: S608
        cursor.execute(highest_sql)
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        return list(range(start, start + count))


class KeyPool:
    """Primary keys for one job's new records, taken from the sequences ahead of need.

    A chunk's records asked the sequence for their keys each time: three round trips per
    chunk (homes, persons, children), each waiting for a server busy with the import's own
    writing, on the validating thread.
    Given ``read_ahead`` (a function running a call on the import's reading thread,
    ``ImportContext.read_ahead``), the pool asks there for the next keys of a table as soon
    as what it holds would not serve another request of the last one's size: four times
    that size, at most ``block``. Only a table's first request waits. Keys a job does not
    use are left out (a gap in the ids, as a refused import leaves). Without
    ``read_ahead`` each request takes exactly its keys, as before. PostgreSQL only:
    elsewhere keys are taken when writing.
    """

    def __init__(self, block: int, read_ahead: Callable[..., Any] | None = None):
        self.block = max(block, 1)
        self.read_ahead = read_ahead
        self.free: dict[Any, list[int]] = {}
        self.coming: dict[Any, Any] = {}  # model -> Future of its next keys

    def take(self, model, count: int) -> list[int]:
        free = self.free.setdefault(model, [])
        if len(free) < count and model in self.coming:
            free.extend(self.coming.pop(model).result())
        if len(free) < count:
            free.extend(_allocate_ids(model, count - len(free)))
        keys = free[:count]
        del free[:count]
        if self.read_ahead is not None and len(free) < count and model not in self.coming:
            more = min(self.block, 4 * count)
            self.coming[model] = self.read_ahead(_allocate_ids, model, more)
        return keys


_sequences: dict[tuple[str, str, str], str] = {}


def _sequence(table: str, column: str) -> str:
    """The sequence behind a table's key, looked up once per database: asked inside
    ``nextval()`` it was looked up again for every id (a quarter of a millisecond per
    thousand, the catalog searched each time)."""
    key = (connection.settings_dict["NAME"], table, column)
    if key not in _sequences:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            _sequences[key] = cursor.fetchone()[0]
    return _sequences[key]


def _converter(field) -> Callable[[Any], Any] | None:
    """How a value of this field is written through the DB-API (not PostgreSQL's COPY).

    Django's ``get_db_prep_save`` per cell costs more than the insert itself; dates, UUIDs
    and the few distinct timestamps of an import have cheap equivalents.
    """
    kind = field.get_internal_type()
    if kind not in _PREPARED_TYPES:
        return None
    wrapper = connections[connection.alias]  # the wrapper itself, not the per-call proxy
    if kind == "UUIDField" and not wrapper.features.has_native_uuid_field:
        return lambda v: v.hex if isinstance(v, uuid.UUID) else v  # or new_uuid7's digits
    if kind == "DateField" and wrapper.vendor == "sqlite":
        return lambda v: v.isoformat() if v is not None else None
    seen: dict[Any, Any] = {}

    def prepared(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = field.get_db_prep_save(value, wrapper)
            return result
        except TypeError:  # unhashable
            return field.get_db_prep_save(value, wrapper)

    return prepared


@dataclass
class Rows:
    """Rows ready to be inserted into ``table``: on PostgreSQL already formatted for COPY
    (``payload``), elsewhere the value tuples. See ``prepare_rows``."""

    table: str
    columns: list
    rows: list[tuple] | None = None
    payload: bytes | None = None


def prepare_rows(table: str, columns: list, rows, suffix: tuple = ()) -> Rows:
    """Format value tuples for COPY now, on the calling thread's connection (PostgreSQL);
    ``suffix`` ends every row (the same values for all: the last columns).

    An import validates on one thread and writes on another; what the writing thread does
    in Python waits for the interpreter lock held by the validation, while the server waits
    for the writing thread. Formatting the rows beside the validation leaves the writer
    nothing but sending bytes and waiting for the server.
    """
    if connection.vendor != "postgresql":
        return Rows(table, columns, rows=[row + suffix for row in rows] if suffix else list(rows))
    buffer = io.BytesIO()
    with server_cursor() as cursor, Copy(cursor, writer=FileWriter(buffer)) as copy:
        write = copy.write_row
        if suffix:
            for row in rows:
                write(row + suffix)
        else:
            for row in rows:
                write(row)
    return Rows(table, columns, payload=buffer.getvalue())


def write_rows(prepared: Rows) -> None:
    """Insert rows made by ``prepare_rows`` (on any thread of the same database)."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c.column) for c in prepared.columns)
    table = quote(prepared.table)
    with connection.cursor() as cursor:
        if prepared.payload is not None:
            if prepared.payload:
                # Django's own exceptions (IntegrityError …) from the driver's COPY too.
                with (
                    connection.wrap_database_errors,
                    cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
                ):
                    copy.write(prepared.payload)
            return
        rows = prepared.rows or []
        prep = [_converter(c) for c in prepared.columns]
        if any(prep):
            rows = [tuple(p(v) if p else v for p, v in zip(prep, row, strict=True)) for row in rows]
        placeholders = ", ".join(["%s"] * len(prepared.columns))
        insert = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608
        for start in range(0, len(rows), 10_000):
            cursor.executemany(insert, rows[start : start + 10_000])


def _insert_rows(table: str, columns: list, rows: list[tuple]) -> None:
    write_rows(prepare_rows(table, columns, rows))


@dataclass
class Records:
    """New instances of ``model`` ready to be inserted: keys allocated and rows formatted
    (PostgreSQL), or kept for ``write_records`` to do both (SQLite, whose keys are taken
    inside the write transaction). See ``prepare_records``."""

    model: Any
    objs: list
    now: Any
    rows: Rows | None = None


def prepare_records(model, objs: list, *, now=None, keys: KeyPool | None = None) -> Records:
    """The first half of ``bulk_insert``, for a thread other than the one that writes: on
    PostgreSQL the primary keys are taken now (from ``keys`` if given, else from the
    sequence; they are set on the instances) and the rows formatted; nothing is written."""
    now = now or timezone.now()
    prepared = Records(model, objs, now)
    if objs and connection.vendor == "postgresql":
        _assign_keys(model, objs, now, keys)
        prepared.rows = _record_rows(model, objs, now)
    return prepared


def write_records(
    prepared: Records, *, actor=None, reasons: list[str] | None = None, history_type: str = "+"
) -> None:
    """The second half of ``bulk_insert``: write the records and their history rows."""
    model, objs = prepared.model, prepared.objs
    if not objs:
        return
    if prepared.rows is None:
        _assign_keys(model, objs, prepared.now)
    write_rows(prepared.rows or _record_rows(model, objs))
    if _history_model(model) is not None:
        history_insert(
            model, objs, actor=actor, reasons=reasons, now=prepared.now, history_type=history_type
        )


def _record_rows(model, objs: list, now=None) -> Rows:
    """The instances' rows, read from each one's ``__dict__``: a foreign key's attname is a
    data descriptor, whose ``__get__`` ran in Python for every read (six a person).

    Given ``now`` (PostgreSQL: what ``_assign_keys`` stamped on every instance), the
    stamped columns go last, as one text made once: the driver formatted the same aware
    timestamp again for every row, at the cost of several text columns."""
    columns = list(model._meta.concrete_fields)
    stamped = [c for c in columns if _is_stamped(c)] if now is not None else []
    if stamped:
        columns = [c for c in columns if c not in stamped] + stamped
    _fill_derived(columns, objs)
    unstamped = columns[: len(columns) - len(stamped)]
    getter = itemgetter(*(c.attname for c in unstamped))
    stamps = (now.isoformat(),) * len(stamped) if stamped else ()
    rows = _encrypting(unstamped, map(getter, map(vars, objs)))
    return prepare_rows(model._meta.db_table, columns, rows, stamps)


def _fill_derived(columns: list, objs: list) -> None:
    """Compute the clear columns derived from another (core.fields.DerivedField: the blind
    index and the area code of an identity number) on each instance, as ``pre_save``
    would: the history rows and the callers read them from the instances."""
    for field in columns:
        derive = getattr(field, "derive", None)
        if derive is None:
            continue
        name, source = field.attname, field.source
        for obj in objs:
            attrs = obj.__dict__
            attrs[name] = derive(attrs[source])


def _encrypting(columns: list, rows):
    """The rows with the values of encrypted columns (core.fields) encrypted; the rows as
    they are when there are none."""
    encrypt = [(i, c.db_value) for i, c in enumerate(columns) if getattr(c, "encrypted", False)]
    if not encrypt:
        return rows

    def encrypted(row: tuple) -> tuple:
        values = list(row)
        for i, db_value in encrypt:
            values[i] = db_value(values[i])
        return tuple(values)

    return map(encrypted, rows)


def _is_stamped(field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _assign_keys(model, objs: list, now, keys: KeyPool | None = None) -> None:
    opts = model._meta
    stamped = [f.attname for f in opts.concrete_fields if _is_stamped(f)]
    # Straight into each instance's attributes: the ``pk`` property and the connection
    # proxy (a thread-local lookup) cost more than the rest of the loop, once per row.
    pk_name, alias = opts.pk.attname, connection.alias
    taken = keys.take(model, len(objs)) if keys is not None else _allocate_ids(model, len(objs))
    for obj, pk in zip(objs, taken, strict=True):
        attrs = obj.__dict__
        attrs[pk_name] = pk
        for name in stamped:
            attrs[name] = now
        state = obj._state
        state.adding = False
        state.db = alias


def bulk_insert(
    model,
    objs: list,
    *,
    actor=None,
    reasons: list[str] | None = None,
    now=None,
    history_type: str = "+",
) -> None:
    """Insert unsaved model instances fast, with one simple-history row each (when the model
    keeps history), the reason of each row and the actor. Sets the instances' primary keys.

    Call it inside a transaction. Fields with ``auto_now``/``auto_now_add`` get ``now``.
    """
    if objs:
        write_records(
            prepare_records(model, objs, now=now),
            actor=actor,
            reasons=reasons,
            history_type=history_type,
        )


_history_models: dict[Any, Any] = {}


def _history_model(model) -> Any:
    """The simple-history model of ``model`` (None: it keeps no history), looked up once:
    the ``history`` descriptor builds a new manager class at every read (0.16 ms, ~150 times
    in an import of 50,000 rows, on the writing thread the database waits for)."""
    try:
        return _history_models[model]
    except KeyError:
        found = model.history.model if hasattr(model, "history") else None
        _history_models[model] = found
        return found


def history_insert(
    model, objs: list, *, actor=None, reasons: list[str] | None = None, now=None, history_type="~"
) -> None:
    """One simple-history row per saved instance ("+" created, "~" changed), in bulk.

    On PostgreSQL the rows are copied from the records as the table now holds them (one
    ``INSERT … SELECT``): the history row is what was stored, and the values are not
    formatted and sent a second time. That moves work from Python to the database, which
    an import's writing does beside the validation of later rows.
    """
    history = _history_model(model)
    stamp = {"history_date", "history_change_reason", "history_type", "history_user"}
    tracked = [
        f for f in history._meta.concrete_fields if f.name not in stamp and f.name != "history_id"
    ]
    by_name = {f.name: f for f in history._meta.concrete_fields}
    columns = [*tracked, *(by_name[name] for name in sorted(stamp))]
    # sorted(stamp): history_change_reason, history_date, history_type, history_user
    fixed = (now or timezone.now(), history_type, getattr(actor, "pk", None))
    reasons = [reason[:100] for reason in reasons] if reasons else [""] * len(objs)
    if connection.vendor == "postgresql" and objs:
        _history_from_table(model, history, tracked, columns, objs, reasons, fixed)
        return
    values = attrgetter(*(f.attname for f in tracked))
    rows = [
        (*row, reason, *fixed)
        for row, reason in zip(_encrypting(tracked, map(values, objs)), reasons, strict=True)
    ]
    _insert_rows(history._meta.db_table, columns, rows)


def prepare_insert_rows(model, fields: list[str], rows) -> Rows:
    """``insert_rows`` in two halves: this one formats, ``write_rows`` inserts."""
    return prepare_rows(model._meta.db_table, [model._meta.get_field(f) for f in fields], rows)


def insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """Insert plain value tuples (``fields`` by name) into a model's table, fast: for rows
    nobody needs as instances afterwards, like the flows of an import. The ids are the
    database's own."""
    if rows:
        _insert_rows(model._meta.db_table, [model._meta.get_field(f) for f in fields], rows)


def array_literal(values: list) -> str:
    """A PostgreSQL array literal of integers or texts, sent as one text parameter.

    The driver dumps a Python list element by element in Python (a fifth of a second for the
    ids and reasons of 50,000 history rows, on the writer thread that the validation then
    waits for); this is one join, and the server's array parser does the rest.
    """
    if not values:
        return "{}"
    if all(isinstance(value, int) for value in values):
        return "{" + ",".join(map(str, values)) + "}"
    quoted = (str(v).replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return '{"' + '","'.join(quoted) + '"}'


def key_runs(keys: list[int]) -> tuple[list[int], list[int], list[int]]:
    """The keys as runs of consecutive integers, in their order: (first key, last key, index
    of the first key in ``keys``) of each run. Keys taken together from a sequence (an import's
    batch) are one run or a few."""
    if keys and keys == list(range(keys[0], keys[0] + len(keys))):  # one run: compared in C
        return [keys[0]], [keys[-1]], [0]
    firsts: list[int] = []
    lasts: list[int] = []
    starts: list[int] = []
    previous = None
    for index, key in enumerate(keys):
        if previous is None or key != previous + 1:
            firsts.append(key)
            lasts.append(key)
            starts.append(index)
        else:
            lasts[-1] = key
        previous = key
    return firsts, lasts, starts


def _history_from_table(model, history, tracked, columns, objs, reasons, fixed) -> None:
    quote = connection.ops.quote_name
    pk_field = model._meta.pk
    if pk_field.get_internal_type() not in ("AutoField", "BigAutoField", "IntegerField"):
        _history_by_join(model, history, tracked, columns, objs, reasons, fixed)
        return
    # The history model mirrors the model's columns under the same names.
    source = ", ".join(f"s.{quote(f.column)}" for f in tracked)
    names = ", ".join(quote(c.column) for c in columns)
    pk = quote(pk_field.column)
    # history_date, history_type, history_user: typed, or a NULL user would be taken as text.
    stamps = ", ".join(
        f"%({name})b::{c.db_type(connection)}"
        for name, c in zip(("date", "type", "user"), columns[-3:], strict=True)
    )
    # The records are read by ranges of their keys (an index range scan each), never joined
    # to the list of keys: PostgreSQL joined a list of 3,000 keys by hashing the whole table
    # (its statistics, if any, predate the import), so that each batch read every row the
    # import had written before it (docs/benchmarks.md). The reasons come as one byte string
    # and the offsets of each (an array of fixed-size elements, read in constant time; an
    # element of a text array is found by walking the ones before it).
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT {source}, convert_from(substring(%(reasons)b FROM (%(offsets)s::int[])[s.n_] + 1"
        f" FOR (%(offsets)s::int[])[s.n_ + 1] - (%(offsets)s::int[])[s.n_]), 'UTF8'), {stamps} "
        f"FROM (SELECT t.*, r.start + (t.{pk} - r.first)::int + 1 AS n_"
        f" FROM unnest(%(firsts)s::bigint[], %(lasts)s::bigint[], %(starts)s::int[])"
        f" AS r(first, last, start)"
        f" JOIN {quote(model._meta.db_table)} t ON t.{pk} BETWEEN r.first AND r.last) s"
    )
    pk_name = pk_field.attname
    # The key by its attribute name: ``obj.pk``, a property, looked the name up again for
    # every row (95 ms for 100,000 rows against 28).
    firsts, lasts, starts = key_runs(list(map(attrgetter(pk_name), objs)))
    encoded = [reason.encode() for reason in reasons]
    offsets = list(accumulate(map(len, encoded), initial=0))  # reason i: bytes i+1 … i+2
    with server_cursor() as cursor:
        # Bound on the server (the stamps and the reasons in binary, each array as one
        # literal): Django's cursor binds on the client, which quoted the arrays value by
        # value (a tenth of the writer's Python time in an import).
        cursor.execute(
            sql,
            {
                "reasons": b"".join(encoded),
                "offsets": array_literal(offsets),
                "firsts": array_literal(firsts),
                "lasts": array_literal(lasts),
                "starts": array_literal(starts),
                "date": fixed[0],
                "type": fixed[1],
                "user": fixed[2],
            },
        )
        _check_history(model, cursor.rowcount, objs)


def _check_history(model, rowcount: int, objs: list) -> None:
    if rowcount != len(objs):  # never a record written without its history
        raise RuntimeError(
            f"history of {model._meta.label}: {rowcount} rows for {len(objs)} records"
        )


def _history_by_join(model, history, tracked, columns, objs, reasons, fixed) -> None:
    """The history rows of records whose key is not an integer (a code): by the list of
    keys, joined to the table."""
    quote = connection.ops.quote_name
    source = ", ".join(f"t.{quote(f.column)}" for f in tracked)
    names = ", ".join(quote(c.column) for c in columns)
    pk_name = model._meta.pk.attname
    pk = quote(model._meta.pk.column)
    pk_type = model._meta.pk.rel_db_type(connection)  # varchar(n) for a code
    stamps = ", ".join(f"%b::{c.db_type(connection)}" for c in columns[-3:])
    # Names come from the models' metadata, never from input; the values are parameters.
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT {source}, r.reason, {stamps} "
        f"FROM unnest(%s::{pk_type}[], %s::text[]) WITH ORDINALITY AS r(id, reason, n) "
        f"JOIN {quote(model._meta.db_table)} t ON t.{pk} = r.id ORDER BY r.n"
    )
    with server_cursor() as cursor:
        cursor.execute(
            sql,
            [*fixed, array_literal(list(map(attrgetter(pk_name), objs))), array_literal(reasons)],
        )
        _check_history(model, cursor.rowcount, objs)
