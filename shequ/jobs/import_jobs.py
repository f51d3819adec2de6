"""Import jobs as people see and handle them: the jobs of their jurisdiction, one job, a
failed one run again, what happened in one sentence, and the rows with problems to correct
and import again. The engine that runs a job is ``imports``."""

import io
from dataclasses import replace
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.db.models.functions import Length
from django.utils.translation import gettext as _

from shequ.core.tabular import PROBLEM_HEADER, Column, Table
from shequ.jobs.imports import importer_for
from shequ.jobs.models import ImportJob
from shequ.org.roles import Action, can
from shequ.org.scoping import get_in_scope_or_404, scoped


def import_jobs_visible(user) -> QuerySet[ImportJob]:
    """Jobs started in the user's jurisdiction, newest first, without the file itself."""
    return scoped(ImportJob.objects.select_related("actor").defer("content"), user)


def import_job_get(user, uid) -> ImportJob:
    """One job in the user's jurisdiction; the file is read only when asked for, its size
    (``kept_bytes``) at once."""
    jobs = (
        ImportJob.objects.select_related("actor")
        .defer("content")
        .annotate(kept_bytes=Length("content"))
    )
    return get_in_scope_or_404(jobs, user, uid=uid)


def import_job_may_run_again(job: ImportJob) -> bool:
    """A failed job whose file is still kept (an interrupted one) may run again."""
    kept = getattr(job, "kept_bytes", None)
    if kept is None:
        kept = ImportJob.objects.filter(pk=job.pk).exclude(content=b"").exists()
    return job.status == ImportJob.Status.FAILED and bool(kept)


def import_job_run_again(*, actor, job: ImportJob) -> ImportJob:
    """Queue a failed job again with its file and options, for its own actor (the caller
    enqueues it). Its counts and report start afresh."""
    if actor is not None and (job.actor_id != actor.pk or not can(actor, Action.IMPORT_REGISTRY)):
        raise PermissionDenied(_("只有提交这个导入的人可以重新运行它。"))
    if not import_job_may_run_again(job):
        raise ValidationError(
            _("这个导入不能重新运行：它没有失败，或原文件已不保存。请重新上传文件。")
        )
    fresh = {
        "status": ImportJob.Status.QUEUED,
        "phase": ImportJob.Phase.WAITING,
        "message": "",
        "processed_rows": 0,
        "created_count": 0,
        "updated_count": 0,
        "unchanged_count": 0,
        "error_rows": 0,
        "applied": False,
        "report": {},
        "started_at": None,
        "finished_at": None,
        "heartbeat_at": None,
    }
    # Conditional: two clicks queue it once.
    if not ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.FAILED).update(**fresh):
        raise ValidationError(_("这个导入已经在重新运行。"))
    for name, value in fresh.items():
        setattr(job, name, value)
    return job


def job_outcome(job: ImportJob) -> str:
    """One sentence for people: what happened to the file."""
    if job.status == ImportJob.Status.QUEUED:
        return _(
            "排队等待处理。如长时间没有开始，请联系管理员确认任务进程（shequ db_worker）在运行。"
        )
    if job.status == ImportJob.Status.RUNNING:
        if job.phase == ImportJob.Phase.WRITING:
            return _("校验完成，正在写入……")
        return _("正在校验：%(done)d / %(total)d 行。") % {
            "done": job.processed_rows,
            "total": job.total_rows,
        }
    if job.status == ImportJob.Status.FAILED:
        return _("导入失败：%(message)s") % {"message": job.message}
    if job.dry_run:
        if job.error_rows:
            return _("试运行完成：%(n)d 行有问题，未写入任何数据。") % {"n": job.error_rows}
        return _("试运行完成：全部 %(n)d 行都可以导入，未写入任何数据。") % {"n": job.total_rows}
    if job.error_rows and not job.applied:
        if job.take_good:
            return _("%(n)d 行有问题，其余行没有需要写入的内容。") % {"n": job.error_rows}
        return _("%(n)d 行有问题，按“全部通过才写入”的要求，未写入任何数据。") % {
            "n": job.error_rows
        }
    if job.error_rows:
        return _("已写入无误的 %(good)d 行；%(n)d 行有问题，未导入。") % {
            "good": job.valid_rows,
            "n": job.error_rows,
        }
    if not job.applied:
        return _("全部 %(n)d 行与现有记录一致，无需写入。") % {"n": job.total_rows}
    return _("导入完成：全部 %(n)d 行已通过。") % {"n": job.total_rows}


# --- The rows with problems, for the user to correct and import again ------------------


def _as_typed(value: Any) -> str:
    return "" if value is None else str(value)


def problem_rows_write(job: ImportJob, out: IO[bytes], fmt: str = "xlsx") -> int:
    """Write the file's rows that have problems, as they were typed, with a 问题 column.

    The engine ignores the 问题 column on import, so the corrected sheet imports as it is.
    Without the original file (a command-line job) the problem list alone is written.
    """
    table = importer_for(job.kind).table
    problems: dict[int, list[str]] = {}
    for row, column, message in job.report.get("errors", []):
        problems.setdefault(row, []).append(f"{column}：{message}" if column else message)
    raw_table = Table(
        kind=table.kind,
        title=table.title,
        columns=[replace(c, render=_as_typed, informative=False) for c in table.columns],
    )
    content = bytes(job.content or b"")
    rows: list[dict[str, Any]] = []
    if content:
        for number, cells in table.read(io.BytesIO(content), job.filename):
            if number in problems:
                rows.append(
                    {**cells, PROBLEM_HEADER: f"第{number}行：" + "；".join(problems[number])}
                )
    else:
        raw_table = Table(
            kind=table.kind,
            title=table.title,
            columns=[Column("行号", "row", render=_as_typed), Column("列", "column")],
        )
        rows = [
            {"row": row, "column": column, PROBLEM_HEADER: message}
            for row, column, message in job.report.get("errors", [])
        ]
    if fmt == "csv":
        return raw_table.write_csv(rows, out, extra_headers=[PROBLEM_HEADER])
    return raw_table.write_xlsx(rows, out, extra_headers=[PROBLEM_HEADER])
