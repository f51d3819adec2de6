"""The registry's background work: re-typing the registry after its typing settings changed.

The settings page and the API queue the job; ``shequ db_worker`` runs it (tests: at once)."""

from django_tasks import task

from shequ.registry.models import RetypeJob


@task()
def run_retype_job(job_uid: str) -> str:
    """Run one queued re-typing job to its end; returns its final status."""
    from shequ.registry.services.typing import retype_run

    job = RetypeJob.objects.select_related("actor").filter(uid=job_uid).first()
    if job is None or job.status != RetypeJob.Status.QUEUED:
        return job.status if job else "missing"
    return retype_run(job).status


def enqueue_retype_job(job: RetypeJob) -> None:
    run_retype_job.enqueue(str(job.uid))
