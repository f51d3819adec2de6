"""The import engine: one job lifecycle for every kind of file Shequ takes in.

An app declares an ``Importer`` per kind in its ``importers`` module (a ``Table`` of columns
plus bulk validation and a write step) and registers it as "importers" (core/hooks.py). The
engine does the rest the same way for every kind:

1. ``import_job_create`` keeps the uploaded file in an ``ImportJob`` (a page or the API then
   hands it to the task worker; the command runs it at once);
2. ``import_job_run`` reads the file by the table's headers (unknown or missing required
   headers stop it before any row), validates the rows chunk by chunk and commits the
   progress after a chunk (at most every ``PROGRESS_SECONDS``), outside any write
   transaction, so the status page moves;
3. then, unless it is a dry run, writes in ONE transaction: everything, or — when the user
   chose "take the good rows" — the rows without problems; rows with problems mean nothing
   is written otherwise. One audit event records the job and its counts. On PostgreSQL
   that transaction runs on a second connection and takes the rows in batches as soon as
   they are validated (``pipeline.Writer``), committed only when the whole file allows it;
4. the report lists every problem as (row number as in the sheet, column header, message),
   capped at ``MAX_REPORTED_ERRORS`` with the count of the rest.
"""

import contextlib
import io
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from itertools import islice
from time import monotonic
from typing import IO, Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.hooks import app_hooks
from shequ.core.tabular import Table, estimate_rows
from shequ.jobs import pipeline
from shequ.jobs.heartbeat import heartbeat
from shequ.jobs.models import ImportJob
from shequ.jobs.statistics import WrittenTables, refresh_statistics
from shequ.jobs.uploads import check_workbook, read_upload, rows_limit_error
from shequ.org.audit import audit_change
from shequ.org.models import User
from shequ.org.roles import Action, can
from shequ.org.scoping import jurisdiction_prefixes

logger = logging.getLogger(__name__)

# Rows validated (and looked up in bulk) at a time: small enough that the progress moves
# smoothly, large enough that the lookups per chunk stay few.
CHUNK_ROWS = 1000
# The progress is committed after a chunk, at most this often (one UPDATE of the job row,
# its own commit): often enough for the status page, never a cost the import feels.
PROGRESS_SECONDS = 0.5
MAX_REPORTED_ERRORS = 2000
FILE_EXTENSIONS = (".xlsx", ".csv")


@dataclass(frozen=True)
class RowError:
    row: int  # the row number the user sees in the sheet (the header is row 1)
    column: str  # the column header, or "" for a problem of the whole row
    message: str


@dataclass(frozen=True)
class ImportScope:
    """The unit codes an import may touch: the actor's jurisdiction, or for the system the
    subtree of ``--unit`` (``prefixes`` None: the whole deployment)."""

    prefixes: tuple[str, ...] | None

    def contains(self, code: str) -> bool:
        if self.prefixes is None:
            return True
        return any(code.startswith(prefix) for prefix in self.prefixes)


@dataclass
class ImportContext:
    job: ImportJob
    actor: User | None  # None: the system (the command line)
    scope: ImportScope
    today: Any
    now: Any
    _reason: list[str] | None = None
    # Runs a read on another connection and returns its Future (see Importer.lookahead);
    # None when the engine does not read ahead.
    read_ahead: Callable[..., Future] | None = None

    @property
    def update(self) -> bool:
        return self.job.update

    def reason(self, row: int) -> str:
        """The history reason of a record written from one row of the file."""
        if self._reason is None:  # translated, and split around the row number, once
            marked = _("导入：%(file)s 第%(row)d行").replace("%(row)d", "\0")
            self._reason = (marked % {"file": self.job.filename}).split("\0")
        return str(row).join(self._reason)


class Importer(ABC):
    """One kind of file. Subclasses validate rows in bulk and write what they accepted."""

    kind: ClassVar[str]
    title: ClassVar[str]  # what one row is, for people: 楼栋, 户, 人员
    table: ClassVar[Table]

    def __init__(self, ctx: ImportContext):
        self.ctx = ctx

    @abstractmethod
    def validate(self, rows: list[tuple[int, dict[str, str]]]) -> list[RowError]:
        """Check one chunk of rows (state may carry over chunks, e.g. duplicates); plan the
        writes of the rows without problems; return the problems found."""

    @abstractmethod
    def counts(self) -> tuple[int, int, int]:
        """(to create, to update, unchanged) among the accepted rows so far."""

    @abstractmethod
    def take_plans(self) -> Any:
        """The writes planned since the last call (and forget them)."""

    def validate_end(self) -> list[RowError]:
        """Called once after the last chunk was validated, before the last plans are taken:
        plan what only the whole file decides (a row waiting for a later one that never
        came) and return its problems. By default nothing."""
        return []

    def lookahead(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        """Start the database reads ``validate`` will need for these rows (the next chunk)
        with ``ctx.read_ahead``, so that they run on another connection while the current
        chunk is validated. Called only when the engine reads ahead; by default nothing."""
        return None

    def prepare(self, plans: Any) -> Any:
        """Ready planned writes on the validating thread, before they go to ``write``
        (primary keys taken, rows formatted): on PostgreSQL ``write`` runs on a writer
        thread, whose Python waits for the interpreter lock the validation holds, while the
        server waits for it. Returns what ``write`` gets; by default the plans as they are."""
        return plans

    @abstractmethod
    def write(self, plans: Any) -> None:
        """Write planned rows, inside the job's one transaction. May be called several
        times with successive plans, on another thread than ``validate`` (PostgreSQL writes
        ahead): use only the plans and the context, and make later plans able to refer to
        what earlier ones created (a new home's id is set when it is written)."""


def importers() -> dict[str, type[Importer]]:
    """Every installed app's importer by kind."""
    return {importer.kind: importer for importer in app_hooks("importers")}


def importer_for(kind: str) -> type[Importer]:
    try:
        return importers()[kind]
    except KeyError:
        raise ValidationError(
            {"kind": [_("未知的导入类型“%(kind)s”。") % {"kind": kind}]}
        ) from None


# --- Jobs: create, read, run -----------------------------------------------------------


def import_job_create(
    *,
    actor: User | None,
    kind: str,
    filename: str,
    content: bytes | IO[bytes],
    dry_run: bool = False,
    update: bool = False,
    take_good: bool = False,
    unit_code: str | None = None,
    keep_content: bool = True,
) -> ImportJob:
    """Record an uploaded file as a queued import job (it is run by ``import_job_run``).

    ``content`` is the file's bytes or the upload itself, read only up to
    ``IMPORT_MAX_BYTES`` and never parsed here: the job opens it, after its limits are
    checked (jobs/uploads.py). ``actor`` None is the system (the command line): ``unit_code``
    then limits the import to that unit's subtree. ``keep_content`` False leaves the file out
    of the database when the caller runs the job at once from a file of its own.
    """
    if actor is not None and not can(actor, Action.IMPORT_REGISTRY):
        raise PermissionDenied(_("您的角色不能导入数据。"))
    importer_for(kind)
    name = (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if not name.lower().endswith(FILE_EXTENSIONS):
        raise ValidationError({"file": [_("请上传 .xlsx 或 .csv 文件。")]})
    content = read_upload(content)
    if keep_content and not content:
        raise ValidationError({"file": [_("文件是空的。")]})
    if actor is not None:
        unit_code = actor.unit_id or ""
    return ImportJob.objects.create(
        kind=kind,
        filename=name[:200],
        content=content if keep_content else b"",
        actor=actor if getattr(actor, "pk", None) else None,
        unit_code=unit_code or "",
        dry_run=dry_run,
        update=update,
        take_good=take_good,
        # A CSV's lines are counted at once; a workbook's rows by the job, which opens it.
        total_rows=estimate_rows(content, name) if keep_content and _is_csv(name) else 0,
    )


def _is_csv(filename: str) -> bool:
    return filename.lower().endswith(".csv")


def _scope_for(job: ImportJob) -> ImportScope:
    if job.actor_id is not None:
        return ImportScope(jurisdiction_prefixes(job.actor))
    if job.unit_code:
        from shequ.org.models import OrgUnit

        return ImportScope((OrgUnit.prefix_for(job.unit_code),))
    return ImportScope(None)


def _chunks(rows: Iterator[tuple[int, dict[str, str]]], size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _save(job: ImportJob, *fields: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(**{name: getattr(job, name) for name in fields})


def _save_progress(job: ImportJob, *fields: str) -> None:
    """Commit how far the import has come (``fields``, by default the rows counted), without
    waiting for the disk (PostgreSQL).

    A commit waits until the WAL up to it is on disk, on PostgreSQL including what the
    import's writer wrote meanwhile. A counter lost to a crash costs nothing (the import is
    lost with it), so this commit does not wait (``synchronous_commit = off``, here only).
    """
    fields = (*(fields or ("processed_rows", "total_rows")), "heartbeat_at")
    job.heartbeat_at = timezone.now()
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        _save(job, *fields)
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        _save(job, *fields)


def ranges(numbers: Iterable[int]) -> str:
    """2, 3, 4, 7 → "2-4, 7": which rows, compactly."""
    parts: list[str] = []
    start: int | None = None
    end = 0
    for n in sorted(numbers):
        if start is None:
            start = end = n
        elif n == end + 1:
            end = n
        else:
            parts.append(f"{start}-{end}" if end != start else str(start))
            start = end = n
    if start is not None:
        parts.append(f"{start}-{end}" if end != start else str(start))
    return ", ".join(parts)


def import_job_run(job: ImportJob, *, source: IO[bytes] | None = None) -> ImportJob:
    """Run a job to its end: validate with progress, then write (or not), then report.

    Never raises for a bad file or bad rows: those end in the job's status and report.
    """
    now = timezone.now()
    job.status, job.phase, job.started_at = ImportJob.Status.RUNNING, ImportJob.Phase.READING, now
    job.message, job.heartbeat_at = "", now
    _save(job, "status", "phase", "started_at", "message", "heartbeat_at")
    try:
        with heartbeat(job), pipeline.fewer_collections():
            _run(job, source, now)
    except ValidationError as exc:  # the file as a whole: unreadable, wrong headers …
        _fail(job, " ".join(exc.messages))
    except PermissionDenied as exc:
        _fail(job, str(exc))
    except IntegrityError:
        # The rows were checked against what was committed when they were validated;
        # another import or a worker committed the same person or home since (the same
        # file submitted twice, two files naming one new home). Everything rolled back.
        logger.warning("import job %s collided with a concurrent write", job.uid)
        _fail(
            job,
            _(
                "写入时发现相同的人员或门牌刚刚由另一个导入或操作登记（例如同一文件提交了两次），"
                "本次没有写入任何数据。请稍后重新导入：已登记的行将被列为重复。"
            ),
            keep_file=True,
        )
    except Exception as exc:
        logger.exception("import job %s failed", job.uid)
        _fail(
            job,
            _("导入时发生内部错误（%(error)s），没有写入任何数据。")
            % {"error": type(exc).__name__},
        )
    return job


def _fail(job: ImportJob, message: str, *, keep_file: bool = False) -> None:
    job.status, job.phase, job.message = ImportJob.Status.FAILED, ImportJob.Phase.DONE, message
    job.applied = False
    job.finished_at = timezone.now()
    fields = ["status", "phase", "message", "applied", "finished_at"]
    if not keep_file:  # nothing to correct row by row: the people's data need not stay
        job.content = b""
        fields.append("content")
    _save(job, *fields)


def _run(job: ImportJob, source: IO[bytes] | None, now) -> None:
    if job.actor_id is not None and not can(job.actor, Action.IMPORT_REGISTRY):
        raise PermissionDenied(_("您的角色不能导入数据。"))
    ctx = ImportContext(
        job=job,
        actor=job.actor,
        scope=_scope_for(job),
        today=timezone.localdate(now),
        now=now,
    )
    importer = importer_for(job.kind)(ctx)
    if source is None:
        content = bytes(job.content)
        source = io.BytesIO(content)
        if not _is_csv(job.filename):
            check_workbook(source)
        job.total_rows = estimate_rows(content, job.filename)
    elif not _is_csv(job.filename) and source.seekable():
        check_workbook(source)
    if job.total_rows > settings.IMPORT_MAX_ROWS:
        raise rows_limit_error()
    job.phase = ImportJob.Phase.VALIDATING
    _save(job, "phase", "total_rows")

    writer = pipeline.Writer(importer) if pipeline.write_ahead_possible(job) else None
    # Where the writing goes ahead, so do the reads (the same conditions: PostgreSQL, no
    # caller's transaction whose rows another connection would not see).
    reader = pipeline.ReadAhead() if writer is not None else None
    ctx.read_ahead = reader.submit if reader is not None else None
    handovers = pipeline.quick_handovers() if writer is not None else contextlib.nullcontext()
    try:
        with handovers:
            _validate_and_write(job, importer, source, writer)
    finally:
        if reader is not None:
            reader.close()


def _validate_and_write(job, importer, source, writer) -> None:
    try:
        bad_rows, seen_rows = _validate(job, importer, source, writer)
        job.total_rows = len(seen_rows)
        job.created_count, job.updated_count, job.unchanged_count = importer.counts()
        job.error_rows = len(bad_rows)
        write = (
            not job.dry_run
            and (not bad_rows or job.take_good)
            and bool(job.created_count or job.updated_count)
        )
        if not write:
            if writer is not None:
                writer.close()  # rolls back what it wrote ahead
            _finish(job)
            return
        job.phase = ImportJob.Phase.WRITING
        # Progress too, and on the import's path: the last rows go to the writer after it.
        _save_progress(job, "phase", "processed_rows", "total_rows")

        written = WrittenTables()

        def complete() -> None:
            written.note_transaction()  # PostgreSQL: before the commit, on the writing connection
            job.applied = True
            job.report["taken"] = ranges(n for n in seen_rows if n not in bad_rows)
            _audit(job, importer)
            _finish(job)

        if writer is not None:
            writer.put(importer.prepare(importer.take_plans()))
            writer.finish(complete)
            _refresh_after_commit(job, written, alongside=importer.ctx.read_ahead)
            return
        with written.watching(), transaction.atomic():
            importer.write(importer.prepare(importer.take_plans()))
            complete()
        _refresh_after_commit(job, written)
    finally:
        if writer is not None:
            writer.close()


def _validate(job, importer, source, writer=None) -> tuple[set[int], list[int]]:
    """Validate chunk by chunk, committing the progress after a chunk at most every
    ``PROGRESS_SECONDS`` (outside any write transaction, so the status page moves), and
    handing the plans to ``writer`` after the first chunk (so that it starts soon), then every
    ``pipeline.WRITE_AHEAD_ROWS``, while they may still be applied; returns (rows with
    problems, all row numbers)."""
    errors: list[RowError] = []
    error_count = 0
    bad_rows: set[int] = set()
    seen_rows: list[int] = []
    saved_at = None
    handed = 0
    chunks = _chunks(importer.table.read(source, job.filename), CHUNK_ROWS)
    following = next(chunks, None)
    while (chunk := following) is not None:
        following = next(chunks, None)
        if following is not None and importer.ctx.read_ahead is not None:
            importer.lookahead(following)
        found = importer.validate(chunk)
        error_count += len(found)
        errors.extend(found[: max(MAX_REPORTED_ERRORS - len(errors), 0)])
        bad_rows.update(e.row for e in found)
        seen_rows.extend(number for number, _cells in chunk)
        if len(seen_rows) > settings.IMPORT_MAX_ROWS:
            raise rows_limit_error()
        if writer is not None:
            if bad_rows and not job.take_good:
                writer.close()  # nothing will be applied: stop and roll back
            elif len(seen_rows) - handed >= pipeline.WRITE_AHEAD_ROWS or not handed:
                writer.put(importer.prepare(importer.take_plans()))
                handed = len(seen_rows)
        job.processed_rows = len(seen_rows)
        job.total_rows = max(job.total_rows, job.processed_rows)
        now = monotonic()
        if saved_at is None or now - saved_at >= PROGRESS_SECONDS:
            _save_progress(job)
            saved_at = now
    if not seen_rows:
        raise ValidationError(_("文件中没有数据行。"))
    found = importer.validate_end()
    error_count += len(found)
    errors.extend(found[: max(MAX_REPORTED_ERRORS - len(errors), 0)])
    bad_rows.update(e.row for e in found)
    if found and writer is not None and not job.take_good:
        writer.close()  # nothing will be applied: stop and roll back
    job.report = {
        "errors": [[e.row, e.column, e.message] for e in errors],
        "more": error_count - len(errors),
        "rejected": ranges(bad_rows),
    }
    return bad_rows, seen_rows


def _refresh_after_commit(
    job: ImportJob, written: WrittenTables, alongside: Callable[..., Future] | None = None
) -> None:
    """Analyse the tables the committed import changed much: the first list after a large
    import is then planned as well as the hundredth. In a caller's transaction, after it.
    ``alongside``: the reading thread's ``submit``, which takes half of them (PostgreSQL)."""

    def refresh() -> None:
        try:
            refresh_statistics(written.changed, alongside=alongside)
        except DatabaseError:  # the import is committed: slower lists are no reason to fail it
            logger.warning("import job %s: ANALYZE failed", job.uid, exc_info=True)

    transaction.on_commit(refresh)


def _audit(job: ImportJob, importer: Importer) -> None:
    audit_change(
        actor=job.actor,
        action=f"import.{job.kind}",
        target=job,
        unit_code=job.unit_code,
        label=f"{importer.title} {job.filename}",
        reason=_("导入：%(file)s") % {"file": job.filename},
        changes={
            "file": job.filename,
            "rows": job.total_rows,
            "created": job.created_count,
            "updated": job.updated_count,
            "unchanged": job.unchanged_count,
            "rejected": job.error_rows,
        },
    )


def _finish(job: ImportJob) -> None:
    job.status, job.phase, job.finished_at = (
        ImportJob.Status.SUCCEEDED,
        ImportJob.Phase.DONE,
        timezone.now(),
    )
    if not job.error_rows:
        # The file is kept only while its problem rows may be downloaded for correction;
        # otherwise the people's data it holds need not stay in a second place (PIPL art. 19).
        job.content = b""
    job.save(
        update_fields=[
            "content",
            "status",
            "phase",
            "finished_at",
            "total_rows",
            "processed_rows",
            "created_count",
            "updated_count",
            "unchanged_count",
            "error_rows",
            "applied",
            "report",
        ]
    )
