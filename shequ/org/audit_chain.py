"""The two audit logs as hash chains: append, verify, prune, and the append-only triggers.

Each row of the change log (``AuditEvent``) and of the sensitive-read log (``SensitiveAccess``)
stores ``chain_hash`` = HMAC-SHA256(key, previous row's ``chain_hash`` + the row's content);
the chain runs in id order. Changing, inserting or removing a row breaks the chain at that
row, and ``verify`` names it. The key comes from the environment (``AUDIT_CHAIN_KEY``, by
default derived from ``SECRET_KEY``) and never lives in the database, so someone who can write
the tables cannot recompute the chain after an edit, as they could with a bare SHA-256.

Writers lock the one ``AuditChain`` row first (an UPDATE … RETURNING, which also reads the
chain's head), insert, and store the new head, all in the caller's transaction. Pruning
deletes a prefix of the chain and keeps the hash of the last deleted row as the anchor that
verification starts from.
"""

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field, Model
from django.utils import timezone

from shequ.core.bulk import insert_rows
from shequ.org.models import AuditChain, AuditEvent, SensitiveAccess

# Cybersecurity Law art. 21: network logs are kept for no less than six months.
RETENTION_MIN_DAYS = 184


@dataclass(frozen=True)
class Chain:
    model: type[Model]
    prefix: str  # the ``AuditChain`` columns of this chain: <prefix>_head, _anchor_id, …
    fields: tuple[str, ...]  # the content that is hashed, in this order

    @property
    def attnames(self) -> list[str]:
        # The hashed fields are the model's own columns, never a reverse relation.
        return [
            cast("Field[Any, Any]", self.model._meta.get_field(name)).attname
            for name in self.fields
        ]


CHAINS: dict[str, Chain] = {
    "events": Chain(
        AuditEvent,
        "events",
        (
            "at",
            "actor",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "unit_code",
            "reason",
            "changes",
            "ip",
        ),
    ),
    "reads": Chain(
        SensitiveAccess,
        "reads",
        (
            "at",
            "actor",
            "target_type",
            "target_id",
            "target_label",
            "unit_code",
            "fields",
            "purpose",
            "channel",
            "ip",
        ),
    ),
}


def chain_of(model: type[Model]) -> Chain:
    return next(chain for chain in CHAINS.values() if chain.model is model)


def _key() -> bytes:
    configured = getattr(settings, "AUDIT_CHAIN_KEY", "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"shequ.audit-chain", hashlib.sha256).digest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, (dict, list, tuple)):
        # As the JSON column gives it back: tuples as lists, keys as text.
        return json.loads(json.dumps(value))
    return value


def _ip(value: str | None) -> str | None:
    return str(ipaddress.ip_address(value)) if value else None


def row_hash(key: bytes, previous: str, values: Sequence[Any]) -> str:
    """The chain hash of one row: its content (``Chain.fields`` order) after ``previous``."""
    *rest, ip = values
    content = json.dumps(
        [_canonical(v) for v in rest] + [_ip(ip)],
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return hmac.new(key, f"{previous}\n{content}".encode(), hashlib.sha256).hexdigest()


# --- Appending ----------------------------------------------------------------------------


def _table() -> str:
    return connection.ops.quote_name(AuditChain._meta.db_table)


def _lock_head(chain: Chain) -> str:
    """Lock the chain row until the transaction ends and read this chain's head."""
    column = f"{chain.prefix}_head"
    update = f"UPDATE {_table()} SET {column} = {column} WHERE id = 1 RETURNING {column}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(update)
        row = cursor.fetchone()
        if row is None:  # a fresh database: the first writer creates the row
            cursor.execute(
                f"INSERT INTO {_table()} (id, events_head, events_anchor_id, events_anchor_hash,"  # noqa: S608
                " reads_head, reads_anchor_id, reads_anchor_hash)"
                " VALUES (1, '', 0, '', '', 0, '') ON CONFLICT DO NOTHING"
            )
            cursor.execute(update)
            row = cursor.fetchone()
    return row[0]


def _store_head(chain: Chain, head: str) -> None:
    AuditChain.objects.filter(pk=1).update(**{f"{chain.prefix}_head": head})


def append(model: type[Model], objs: Sequence[Model]) -> list[Model]:
    """Insert audit rows (unsaved instances) at the end of their chain: three queries
    whatever their number up to 500, in the caller's transaction if there is one."""
    objs = list(objs)
    if not objs:
        return objs
    chain = chain_of(model)
    attnames = chain.attnames
    key = _key()
    with transaction.atomic(savepoint=False):
        head = _lock_head(chain)
        for obj in objs:
            # An audit model's column (chain_of refused any other model).
            head = obj.chain_hash = row_hash(key, head, [getattr(obj, a) for a in attnames])  # type: ignore[attr-defined]
        model._default_manager.bulk_create(objs, batch_size=500)
        _store_head(chain, head)
    return objs


def append_rows(model: type[Model], fields: list[str], rows: list[tuple]) -> None:
    """Insert audit rows given as value tuples (``fields`` by name, every hashed field among
    them) with the fast bulk writer, at the end of their chain."""
    if not rows:
        return
    chain = chain_of(model)
    positions = [fields.index(name) for name in chain.fields]
    key = _key()
    with transaction.atomic(savepoint=False):
        head = _lock_head(chain)
        chained = []
        for row in rows:
            head = row_hash(key, head, [row[i] for i in positions])
            chained.append((*row, head))
        insert_rows(model, [*fields, "chain_hash"], chained)
        _store_head(chain, head)


# --- Verifying ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    chain: Chain
    rows: int
    broken_at: int | None  # id of the first row whose hash does not match; 0: the head
    message: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _heads() -> AuditChain:
    return AuditChain.objects.filter(pk=1).first() or AuditChain(pk=1)


def _walk(chain: Chain, anchor_id: int, previous: str) -> Iterator[tuple[int, str, str]]:
    """``(id, stored hash, expected hash)`` of each row after the anchor, in chain order."""
    key = _key()
    rows = (
        chain.model._default_manager.filter(id__gt=anchor_id)
        .order_by("id")
        .values_list("id", "chain_hash", *chain.attnames)
        .iterator(chunk_size=5000)
    )
    for pk, stored, *values in rows:
        expected = row_hash(key, previous, values)
        yield pk, stored, expected
        previous = stored


def verify(chain: Chain, *, through_id: int | None = None) -> Verdict:
    """Walk one chain from its anchor; name the first row that does not match."""
    heads = _heads()
    anchor_id = getattr(heads, f"{chain.prefix}_anchor_id")
    previous = getattr(heads, f"{chain.prefix}_anchor_hash")
    name = str(chain.model._meta.verbose_name)
    if anchor_id and not _anchor_recorded(chain, anchor_id, previous):
        return Verdict(
            chain, 0, 0, f"{name}: the chain starts at #{anchor_id}, which no prune recorded"
        )
    count = 0
    for pk, stored, expected in _walk(chain, anchor_id, previous):
        if through_id is not None and pk > through_id:
            return Verdict(chain, count, None, f"OK, {count} rows")
        if stored != expected:
            return Verdict(
                chain,
                count,
                pk,
                f"{name} #{pk}: changed, inserted out of turn, or a row before it was removed",
            )
        count += 1
        previous = stored
    if through_id is None and getattr(heads, f"{chain.prefix}_head") != previous:
        return Verdict(
            chain,
            count,
            0,
            f"{name}: the newest rows after #{pk if count else anchor_id} were removed"
            " (the chain's head names a later row)",
        )
    return Verdict(chain, count, None, f"OK, {count} rows")


# --- Pruning ------------------------------------------------------------------------------

PRUNE_ACTION = "audit.prune"


def _anchor_event(chain: Chain, anchor_id: int, anchor_hash: str) -> int | None:
    """The id of the change-log row in which a prune set this chain's anchor (someone who
    deleted the oldest rows and moved the anchor by hand has no such row)."""
    return (
        AuditEvent.objects.filter(
            action=PRUNE_ACTION,
            target_id=chain.model._meta.db_table,
            changes__through_id=anchor_id,
            changes__anchor_hash=anchor_hash,
        )
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )


def _anchor_recorded(chain: Chain, anchor_id: int, anchor_hash: str) -> bool:
    return _anchor_event(chain, anchor_id, anchor_hash) is not None


def _anchor_events(heads: AuditChain) -> list[int]:
    """The change-log rows recording the anchors in force: pruning never deletes them."""
    ids = []
    for chain in CHAINS.values():
        anchor_id = getattr(heads, f"{chain.prefix}_anchor_id")
        if anchor_id:
            found = _anchor_event(chain, anchor_id, getattr(heads, f"{chain.prefix}_anchor_hash"))
            if found is not None:
                ids.append(found)
    return ids


def retention_days() -> int:
    days = int(getattr(settings, "AUDIT_RETENTION_DAYS", RETENTION_MIN_DAYS))
    if days < RETENTION_MIN_DAYS:
        raise ValueError(f"AUDIT_RETENTION_DAYS must be at least {RETENTION_MIN_DAYS}")
    return days


def _database_now() -> datetime:
    """The clock the PostgreSQL trigger checks the cutoff against (its transaction's)."""
    if connection.vendor != "postgresql":
        return timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class Pruned:
    chain: Chain
    rows: int
    through_id: int


def prune(chain: Chain, *, now: datetime | None = None) -> Pruned:
    """Delete the rows older than the retention, as a prefix of the chain, through the one
    path the append-only trigger lets through; the last deleted row becomes the anchor, and
    the change log records it (``audit.prune``) in the same transaction. Refuses when the
    part to delete does not verify (the evidence would go with it)."""
    days = retention_days()
    model = chain.model
    with transaction.atomic():
        _lock_head(chain)
        cutoff = (now or _database_now()) - timedelta(days=days)
        heads = _heads()
        anchor_id = getattr(heads, f"{chain.prefix}_anchor_id")
        later = model._default_manager.filter(id__gt=anchor_id)
        boundary = later.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True)
        first_kept = boundary.first()
        if model is AuditEvent:
            first_kept = min(filter(None, [first_kept, *_anchor_events(heads)]), default=None)
        doomed = later.filter(id__lt=first_kept) if first_kept else later
        last = doomed.order_by("-id").values_list("id", "chain_hash").first()
        if last is None:
            return Pruned(chain, 0, anchor_id)
        through_id, anchor_hash = last
        verdict = verify(chain, through_id=through_id)
        if not verdict.ok:
            raise ValueError(verdict.message)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('shequ.audit_prune_before', %s, true)",
                    [cutoff.isoformat()],
                )
        deleted, _ = model._default_manager.filter(id__gt=anchor_id, id__lte=through_id).delete()
        AuditChain.objects.filter(pk=1).update(
            **{
                f"{chain.prefix}_anchor_id": through_id,
                f"{chain.prefix}_anchor_hash": anchor_hash,
            }
        )
        table = model._meta.db_table
        append(
            AuditEvent,
            [
                AuditEvent(
                    action=PRUNE_ACTION,
                    target_type="org.auditchain",
                    target_id=table,
                    target_label=table,
                    unit_code="",
                    changes={
                        "rows": deleted,
                        "through_id": through_id,
                        "anchor_hash": anchor_hash,
                        "days": days,
                    },
                )
            ],
        )
    return Pruned(chain, deleted, through_id)


# --- Append-only triggers -----------------------------------------------------------------

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION shequ_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before_text text := coalesce(current_setting('shequ.audit_prune_before', true), '');
BEGIN
    IF TG_OP = 'DELETE' AND before_text <> ''
       AND before_text::timestamptz <= now() - interval '{RETENTION_MIN_DAYS} days'
       AND OLD.at < before_text::timestamptz THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'shequ: % is append-only, % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def _tables() -> list[str]:
    return [chain.model._meta.db_table for chain in CHAINS.values()]


def install_triggers(conn) -> None:
    """Refuse UPDATE and DELETE of audit rows. PostgreSQL lets the prune command's deletes of
    rows past the legal minimum through; SQLite refuses UPDATE only, since its test and
    demo resets empty tables with DELETE (a removed row still breaks the chain)."""
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
            for table in _tables():
                cursor.execute(f'DROP TRIGGER IF EXISTS shequ_append_only ON "{table}"')
                cursor.execute(
                    f'CREATE TRIGGER shequ_append_only BEFORE UPDATE OR DELETE ON "{table}"'
                    " FOR EACH ROW EXECUTE FUNCTION shequ_audit_append_only()"
                )
        elif conn.vendor == "sqlite":
            for table in _tables():
                cursor.execute(
                    f'CREATE TRIGGER IF NOT EXISTS "shequ_append_only_{table}"'
                    f' BEFORE UPDATE ON "{table}"'
                    f" BEGIN SELECT RAISE(ABORT, '{table} is append-only, UPDATE refused'); END"
                )


def remove_triggers(conn) -> None:
    with conn.cursor() as cursor:
        for table in _tables():
            if conn.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER IF EXISTS shequ_append_only ON "{table}"')
            elif conn.vendor == "sqlite":
                cursor.execute(f'DROP TRIGGER IF EXISTS "shequ_append_only_{table}"')
        if conn.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS shequ_audit_append_only()")
