"""The task worker's jobs: running an import or export job in the background.

The page and the API enqueue the job here; ``shequ db_worker`` (started by ``make serve``)
runs it. The job row itself carries progress and the report, so any app server can show
them; the task only says "run job X".
"""

from django_tasks import task

from shequ.jobs.exports import export_job_run
from shequ.jobs.imports import import_job_run
from shequ.jobs.models import ExportJob, ImportJob


@task()
def run_import_job(job_uid: str) -> str:
    """Run one queued import job to its end; returns its final status."""
    job = ImportJob.objects.select_related("actor").filter(uid=job_uid).first()
    if job is None or job.status != ImportJob.Status.QUEUED:
        # Gone, or already run (a task retried after the worker restarted): nothing to do.
        return job.status if job else "missing"
    return import_job_run(job).status


def enqueue_import_job(job: ImportJob) -> None:
    run_import_job.enqueue(str(job.uid))


@task()
def run_export_job(job_uid: str) -> str:
    """Build one queued export job's file; returns its final status."""
    job = ExportJob.objects.select_related("actor").filter(uid=job_uid).first()
    if job is None or job.status != ExportJob.Status.QUEUED:
        return job.status if job else "missing"
    return export_job_run(job).status


def enqueue_export_job(job: ExportJob) -> None:
    run_export_job.enqueue(str(job.uid))
