"""Keeping the jobs honest: heartbeats, jobs whose worker died, files kept past their time.

- A running job stamps ``heartbeat_at`` with each progress save and, from a thread of its
  own, every ``JOB_HEARTBEAT_SECONDS`` (``jobs/heartbeat.py``).
- ``jobs_fail_stale`` marks failed the running jobs whose heartbeat stopped for more than
  ``JOB_STALE_SECONDS``: their worker was killed. An import writes in one transaction, so
  nothing of it was written; its file stays, and the user may run it again.
- ``jobs_cleanup`` deletes export jobs (with their files) after ``EXPORT_JOB_KEEP_DAYS`` and
  import files ``IMPORT_FILE_KEEP_DAYS`` after their job ended.

``shequ db_worker`` runs both when it starts and every ``JOB_HOUSEKEEPING_SECONDS``
(``start_housekeeping``); ``shequ jobs_cleanup`` runs them once, e.g. from cron.
"""

import datetime
import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.jobs.exports import export_jobs_purge
from shequ.jobs.models import ExportJob, ImportJob

logger = logging.getLogger(__name__)


def interrupted_message() -> str:
    return _("处理中断，未写入任何数据，可重新运行")


# --- Stale jobs and old files -------------------------------------------------------------


def _stale(now: datetime.datetime) -> Q:
    cutoff = now - datetime.timedelta(seconds=settings.JOB_STALE_SECONDS)
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    return Q(status="running") & silent


def jobs_fail_stale(now: datetime.datetime | None = None) -> int:
    """Mark failed the running jobs whose heartbeat stopped; returns how many.

    One conditional UPDATE per table: a job that beats or ends meanwhile is left alone.
    The import's file is kept, so that the job can be run again.
    """
    now = now or timezone.now()
    message = interrupted_message()
    failed = 0
    for model, fields in (
        (ImportJob, {"phase": ImportJob.Phase.DONE, "applied": False}),
        (ExportJob, {}),
    ):
        stale = model.objects.filter(_stale(now))
        uids = list(stale.values_list("uid", flat=True))
        if not uids:
            continue
        count = stale.filter(uid__in=uids).update(
            status="failed", message=message, finished_at=now, **fields
        )
        if count:
            logger.warning("%s interrupted (worker gone): %s", model.__name__, uids)
        failed += count
    return failed


@dataclass(frozen=True)
class Cleanup:
    export_jobs: int  # export jobs deleted, their files with them
    import_files: int  # import jobs whose file was deleted (the job and its report stay)


def jobs_cleanup(now: datetime.datetime | None = None) -> Cleanup:
    """Delete the export jobs and import files kept past their time."""
    now = now or timezone.now()
    exports = export_jobs_purge(now)
    import_cutoff = now - datetime.timedelta(days=settings.IMPORT_FILE_KEEP_DAYS)
    imports = (
        ImportJob.objects.filter(
            status__in=[ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED],
            finished_at__lt=import_cutoff,
        )
        .exclude(content=b"")
        .update(content=b"")
    )
    return Cleanup(export_jobs=exports, import_files=imports)


def housekeep() -> tuple[int, Cleanup]:
    """One round: stale jobs failed, old files deleted."""
    return jobs_fail_stale(), jobs_cleanup()


def start_housekeeping() -> threading.Thread:
    """Run ``housekeep`` now and every ``JOB_HOUSEKEEPING_SECONDS`` on a thread of the
    worker process (it dies with the process)."""
    thread = threading.Thread(target=_housekeep_forever, name="jobs-housekeeping", daemon=True)
    thread.start()
    return thread


def _housekeep_forever() -> None:
    stop = threading.Event()  # never set: the thread ends with the process
    while True:
        try:
            stale, cleanup = housekeep()
            if stale or cleanup.export_jobs or cleanup.import_files:
                logger.info(
                    "housekeeping: %d interrupted jobs failed, %d export jobs and %d import "
                    "files deleted",
                    stale,
                    cleanup.export_jobs,
                    cleanup.import_files,
                )
        except DatabaseError:  # a database that is busy or away: the next round
            logger.warning("jobs housekeeping failed", exc_info=True)
        finally:
            connection.close()
        stop.wait(max(settings.JOB_HOUSEKEEPING_SECONDS, 1))
