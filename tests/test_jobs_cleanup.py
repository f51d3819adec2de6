"""Stored import and export files are deleted on a schedule (``shequ jobs_cleanup``, also
run by the task worker), not only when the next export runs."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from shequ.jobs.exports import export_job_create
from shequ.jobs.imports import import_job_create
from shequ.jobs.models import ExportJob, ImportJob


@pytest.fixture
def aged(people):
    """An export job and an import job (with its file), each as old as asked."""

    def make(days: int, status: str = "succeeded") -> tuple[ExportJob, ImportJob]:
        then = timezone.now() - datetime.timedelta(days=days)
        export = export_job_create(actor=people.street, kind="persons", fmt="csv", filters="")
        ExportJob.objects.filter(pk=export.pk).update(
            status="succeeded", content=b"id,name\n", created_at=then, finished_at=then
        )
        job = import_job_create(
            actor=people.street, kind="persons", filename="a.csv", content=b"a,b\n1,2\n"
        )
        ImportJob.objects.filter(pk=job.pk).update(status=status, created_at=then, finished_at=then)
        return export, job

    return make


def cleanup() -> str:
    out = io.StringIO()
    call_command("jobs_cleanup", stdout=out)
    return out.getvalue()


def test_old_export_jobs_and_import_files_are_deleted(aged, settings):
    settings.EXPORT_JOB_KEEP_DAYS = settings.IMPORT_FILE_KEEP_DAYS = 7
    _old_export, old_import = aged(8)
    _failed_export, failed_import = aged(8, status="failed")
    new_export, new_import = aged(6)

    output = cleanup()

    assert "删除的导出任务：2；删除的导入文件：2" in output
    assert list(ExportJob.objects.values_list("uid", flat=True)) == [new_export.uid]
    # The import jobs stay, with their reports; only the old files go.
    kept = dict(ImportJob.objects.values_list("uid", "content"))
    assert bytes(kept[old_import.uid]) == bytes(kept[failed_import.uid]) == b""
    assert bytes(kept[new_import.uid]) == b"a,b\n1,2\n"


def test_the_keep_settings_decide(aged, settings):
    settings.EXPORT_JOB_KEEP_DAYS = 30
    settings.IMPORT_FILE_KEEP_DAYS = 1
    export, job = aged(2)

    cleanup()

    assert ExportJob.objects.filter(pk=export.pk).exists()
    job.refresh_from_db()
    assert bytes(job.content) == b""


def test_a_queued_or_running_import_keeps_its_file(aged, settings):
    settings.IMPORT_FILE_KEEP_DAYS = 1
    _export, job = aged(3, status="queued")

    cleanup()

    job.refresh_from_db()
    assert bytes(job.content) == b"a,b\n1,2\n"
