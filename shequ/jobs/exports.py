"""Export jobs: an export too large for a request, built by the task worker.

An app declares an ``Exporter`` per kind in its ``exporters`` module (how to select the
user's rows from the list filters, and how to write them) and registers it as "exporters"
(core/hooks.py). The export page asks ``export_needs_job``; below
``settings.EXPORT_JOB_MIN_ROWS`` rows it writes the file at once, above it:

1. ``export_job_create`` records the kind, format and the filters as the query string —
   never a queryset — and the page or the API enqueues the job;
2. ``export_job_run`` (the task) selects the rows again with the actor's jurisdiction and
   role as they are now, writes the file with the progress committed after each batch, and
   keeps the file in the job (several app servers share the database, not a disk);
3. ``export_job_download`` hands the file to the actor only, and logs each download.

Jobs are deleted ``settings.EXPORT_JOB_KEEP_DAYS`` days after they were asked for
(``export_jobs_purge``), by the worker's housekeeping (jobs/housekeeping.py) and the next
job that runs.
"""

import datetime
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.hooks import app_hooks
from shequ.jobs.heartbeat import heartbeat
from shequ.jobs.models import ExportJob
from shequ.org.audit import audit_change
from shequ.org.models import User
from shequ.org.roles import can

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Exporter:
    kind: str
    title: Any  # what the rows are, for people: 人员, 户, 楼栋 (lazy translation)
    action: str  # the role action a user needs to export this kind
    # The user's rows that the list filters in ``data`` select, inside the user's jurisdiction;
    # raises ValidationError (one message per problem) for filters that cannot be applied.
    select: Callable[[Any, QueryDict], QuerySet]
    # Write the file: (queryset, out, *, actor, fmt, progress, ip) -> rows written. It decides
    # from the actor's role what is masked, and logs the sensitive reads; actor None is the
    # system itself (nothing masked, nothing logged).
    write: Callable[..., int]


# Who selects the rows when the system itself exports (the ``export`` command): every unit.
# The writers take ``actor=None`` then: identity numbers in full, nobody's read to log.
SYSTEM_READER = SimpleNamespace(
    is_authenticated=True, is_active=True, is_superuser=True, unit_id=None, role=None, pk=None
)


def exporters() -> dict[str, Exporter]:
    """Every installed app's exporter by kind."""
    return {exporter.kind: exporter for exporter in app_hooks("exporters")}


def exporter_for(kind: str) -> Exporter:
    try:
        return exporters()[kind]
    except KeyError:
        raise ValidationError(
            {"kind": [_("未知的导出类型“%(kind)s”。") % {"kind": kind}]}
        ) from None


def export_needs_job(queryset: QuerySet) -> bool:
    """More rows than a request should write? Counts at most one row past the threshold."""
    limit = settings.EXPORT_JOB_MIN_ROWS
    return queryset.order_by()[: limit + 1].count() > limit


def export_file_name(kind: str, fmt: str, when: datetime.datetime | None = None) -> str:
    stamp = timezone.localtime(when or timezone.now()).strftime("%Y%m%d-%H%M")
    return f"{kind}-{stamp}.{'csv' if fmt == 'csv' else 'xlsx'}"


# --- Jobs: create, read, run, download, purge ------------------------------------------


def export_job_create(
    *, actor: User, kind: str, fmt: str, filters: QueryDict | str, ip: str | None = None
) -> ExportJob:
    """Record an export to build in the background (the caller enqueues it).

    The filters are checked now, so a malformed one is an error for the user at once, not a
    failed job later.
    """
    exporter = exporter_for(kind)
    if not can(actor, exporter.action):
        raise PermissionDenied(_("您的角色不能导出数据。"))
    if fmt not in ExportJob.Format.values:
        raise ValidationError({"format": [_("格式应为 xlsx 或 csv。")]})
    data = filters if isinstance(filters, QueryDict) else QueryDict(filters)
    exporter.select(actor, data)  # raises ValidationError for filters that cannot apply
    return ExportJob.objects.create(
        actor=actor,
        unit_code=actor.unit_id or "",
        kind=kind,
        format=fmt,
        filters=data.urlencode(),
        ip=ip,
    )


def export_jobs_of(user) -> QuerySet[ExportJob]:
    """The user's own export jobs, newest first, without the files."""
    return ExportJob.objects.filter(actor=user).defer("content")


def export_job_get(user, uid, *, with_content: bool = False) -> ExportJob:
    """One of the user's export jobs; anyone else's answers 404, as a missing one."""
    jobs = ExportJob.objects.all() if with_content else ExportJob.objects.defer("content")
    try:
        return jobs.get(actor=user, uid=uid)
    except (ExportJob.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def _save(job: ExportJob, *fields: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(**{name: getattr(job, name) for name in fields})


def export_job_run(job: ExportJob) -> ExportJob:
    """Build a queued job's file with the actor's jurisdiction and role as they are now.

    Runs outside any transaction, so the progress saved after each batch of rows is seen by
    the status page at once.
    """
    job.status = ExportJob.Status.RUNNING
    job.started_at = job.heartbeat_at = timezone.now()
    _save(job, "status", "started_at", "heartbeat_at")
    export_jobs_purge()
    with heartbeat(job):
        return _run(job)


def _run(job: ExportJob) -> ExportJob:
    try:
        exporter = exporter_for(job.kind)
        actor = job.actor
        if not actor.is_active or not can(actor, exporter.action):
            raise PermissionDenied(_("您的角色已不能导出数据。"))
        queryset = exporter.select(actor, QueryDict(job.filters))
        job.total_rows = queryset.count()
        _save(job, "total_rows")

        def progress(done: int) -> None:
            job.processed_rows = done
            job.heartbeat_at = timezone.now()
            _save(job, "processed_rows", "heartbeat_at")

        out = io.BytesIO()
        count = exporter.write(
            queryset, out, actor=actor, fmt=job.format, progress=progress, ip=job.ip
        )
    except (ValidationError, PermissionDenied) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        return _fail(job, " ".join(messages))
    except Exception:
        logger.exception("export job %s failed", job.uid)
        return _fail(job, _("导出时出错。请稍后再试；仍不行时请联系管理员。"))
    job.content = out.getvalue()
    job.size = len(job.content)
    job.row_count = job.processed_rows = count
    job.finished_at = timezone.now()
    job.filename = export_file_name(job.kind, job.format, job.finished_at)
    job.status = ExportJob.Status.SUCCEEDED
    _save(
        job,
        "content",
        "size",
        "row_count",
        "processed_rows",
        "total_rows",
        "filename",
        "finished_at",
        "status",
    )
    return job


def _fail(job: ExportJob, message: str) -> ExportJob:
    job.status = ExportJob.Status.FAILED
    job.message = message
    job.finished_at = timezone.now()
    _save(job, "status", "message", "finished_at")
    return job


def export_job_download(*, actor: User, job: ExportJob) -> bytes:
    """The file of a finished job, for its actor; each download is in the change log."""
    if job.actor_id != actor.pk:
        raise Http404
    if job.status != ExportJob.Status.SUCCEEDED:
        raise ValidationError(_("导出尚未完成。"))
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk).update(downloads=F("downloads") + 1)
        audit_change(
            actor=actor,
            action="export.download",
            target=job,
            unit_code=job.unit_code,
            label=_("下载导出文件 %(file)s（%(n)d 条）")
            % {"file": job.filename, "n": job.row_count},
            changes={"kind": job.kind, "format": job.format, "rows": job.row_count},
        )
    return bytes(job.content)


def export_jobs_purge(now: datetime.datetime | None = None) -> int:
    """Delete the jobs (and files) asked for more than EXPORT_JOB_KEEP_DAYS days ago."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.EXPORT_JOB_KEEP_DAYS)
    deleted, _by_model = ExportJob.objects.filter(created_at__lt=cutoff).delete()
    return deleted
