"""A job whose worker died: marked failed by the housekeeping, nothing written, run again.

The first test kills a real ``shequ db_worker`` (SIGKILL) in the middle of an import, on
the suite's database engine (SQLite: a copy of the test database in a file, which the
worker processes open; PostgreSQL: the test database itself, committed to).
"""

import datetime
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from shequ.core.identifiers import id_number_for_test
from shequ.jobs.imports import import_job_create
from shequ.jobs.models import ImportJob
from shequ.registry.models import Person
from tests.factories import PERSON_IMPORT_HEADERS, make_building, make_household, tabular_file

ROOT = Path(__file__).resolve().parents[1]
INTERRUPTED = "处理中断，未写入任何数据，可重新运行"
HEADERS = PERSON_IMPORT_HEADERS
GRID_A1 = "34060302000101"


def persons_file(count: int) -> bytes:
    start = datetime.date(1990, 1, 1)
    rows = [
        [
            id_number_for_test(
                "340603", start + datetime.timedelta(days=i // 500), (i % 500) // 2, "MF"[i % 2]
            ),
            "张三",
            "340603000000",
            GRID_A1,
            "1号楼",
            "101",
            "未婚",
        ]
        for i in range(count)
    ]
    return tabular_file(HEADERS, rows)


# --- A real worker, killed ------------------------------------------------------------------


class WorkerDatabase:
    """The test's database as the worker processes reach it, and plain SQL to look into it."""

    def __init__(self, tmp_path: Path):
        if connection.vendor == "sqlite":
            self.path = tmp_path / "worker.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(self.path)
            connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{self.path}"
        else:
            s = connection.settings_dict
            login = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
            address = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
            self.url = f"postgres://{login}@{address}/{s['NAME']}"

    def one(self, sql: str) -> tuple:
        if connection.vendor == "sqlite":
            with sqlite3.connect(self.path, timeout=30) as db:
                return db.execute(sql).fetchone()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()

    def job(self) -> tuple:
        return self.one("SELECT status, processed_rows, message, heartbeat_at FROM core_importjob")

    def persons(self) -> int:
        return self.one("SELECT count(*) FROM registry_person")[0]


def environment(database: WorkerDatabase) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shequ.settings",
        "DATABASE_URL": database.url,
        "DEBUG": "1",
        "PYTHONPATH": str(ROOT),
        # A short threshold, so that the test need not wait two minutes.
        "JOB_HEARTBEAT_SECONDS": "1",
        "JOB_STALE_SECONDS": "4",
        "JOB_HOUSEKEEPING_SECONDS": "1",
    }


def shequ_python(database: WorkerDatabase, code: str, *args: str) -> str:
    """Run Python with Django set up against the worker's database (the user's side)."""
    script = "import django\ndjango.setup()\n" + code
    done = subprocess.run(  # noqa: S603 — the test's own interpreter and script
        [sys.executable, "-c", script, *args],
        env=environment(database),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


def start_worker(database: WorkerDatabase, log: Path) -> subprocess.Popen:
    command = ["db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"]
    return subprocess.Popen(  # noqa: S603 — the test's own interpreter
        [sys.executable, "-m", "django", *command],
        env=environment(database),
        cwd=ROOT,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, what: str, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


ENQUEUE = """
import sys
from shequ.jobs.imports import import_job_create
from shequ.jobs.tasks import enqueue_import_job
with open(sys.argv[1], "rb") as upload:
    job = import_job_create(actor=None, kind="persons", filename="人员.csv", content=upload)
enqueue_import_job(job)
print(job.uid)
"""
RUN_AGAIN = """
import sys
from shequ.jobs.import_jobs import import_job_run_again
from shequ.jobs.models import ImportJob
from shequ.jobs.tasks import enqueue_import_job
job = ImportJob.objects.get(uid=sys.argv[1])
import_job_run_again(actor=None, job=job)
enqueue_import_job(job)
"""


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_was_killed_fails_clearly_and_runs_again(tree, divisions, tmp_path):
    rows = 50_000
    make_household(make_building(tree.grid_a1, "1号楼"), "101")
    upload = tmp_path / "人员.csv"
    upload.write_bytes(persons_file(rows))
    database = WorkerDatabase(tmp_path)
    log = tmp_path / "worker.log"
    uid = shequ_python(database, ENQUEUE, str(upload))

    first = start_worker(database, log)
    try:
        running = wait_for(
            lambda: (job := database.job())[0] == "running" and job[1] >= 1000 and job,
            "the import to be under way",
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        first.kill()
    assert running[3] is not None  # it had a heartbeat
    assert database.job()[0] == "running", log.read_text()  # killed before it ended
    assert database.persons() == 0

    second = start_worker(database, log)
    try:
        status, _rows, message, _beat = wait_for(
            lambda: (job := database.job())[0] != "running" and job, "the job to be failed"
        )
        assert (status, message) == ("failed", INTERRUPTED), log.read_text()
        assert database.persons() == 0

        shequ_python(database, RUN_AGAIN, uid)
        # Run again under the same short threshold: a live job's heartbeat keeps it alive.
        status, processed, message, _beat = wait_for(
            lambda: (job := database.job())[0] in ("succeeded", "failed") and job,
            "the job run again to end",
            timeout=180,
        )
        assert (status, message) == ("succeeded", ""), log.read_text()
        assert processed == rows
        assert database.persons() == rows
    finally:
        second.terminate()
        try:
            second.wait(timeout=30)
        except subprocess.TimeoutExpired:
            second.kill()


# --- The same, seen by the user: pages, API, command ------------------------------------------


@pytest.fixture
def interrupted(people, tree):
    """worker_a's import whose worker died an hour ago, marked by ``shequ jobs_cleanup``."""
    make_household(make_building(tree.grid_a1, "1号楼"), "101")
    job = import_job_create(
        actor=people.worker_a, kind="persons", filename="人员.csv", content=persons_file(3)
    )
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", phase="validating", started_at=an_hour_ago, heartbeat_at=an_hour_ago
    )
    call_command("jobs_cleanup", stdout=open(os.devnull, "w"))  # noqa: SIM115
    job.refresh_from_db()
    return job


def test_the_housekeeping_fails_a_silent_job_and_keeps_its_file(interrupted):
    assert (interrupted.status, interrupted.message) == ("failed", INTERRUPTED)
    assert bytes(interrupted.content)  # kept, to run again


def test_a_job_with_a_recent_heartbeat_is_left_running(people):
    job = import_job_create(
        actor=people.worker_a, kind="persons", filename="人员.csv", content=persons_file(1)
    )
    now = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", started_at=now - datetime.timedelta(hours=1), heartbeat_at=now
    )

    call_command("jobs_cleanup", stdout=open(os.devnull, "w"))  # noqa: SIM115

    job.refresh_from_db()
    assert (job.status, job.message) == ("running", "")


def test_the_job_page_runs_an_interrupted_import_again(web, people, interrupted):
    client = web.as_(people.worker_a)
    url = f"/registry/import/{interrupted.uid}/"
    page = client.get(url).content.decode()
    assert INTERRUPTED in page
    assert 'data-testid="run-again"' in page

    response = client.post(url)

    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "导入完成：全部 3 行已通过。" in page
    assert 'data-testid="run-again"' not in page
    assert Person.objects.count() == 3


def test_the_api_runs_an_interrupted_import_again(api, people, interrupted):
    response = api.as_(people.worker_a).post(f"/api/v1/imports/{interrupted.uid}/run-again/")

    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["created"], body["message"]) == ("succeeded", 3, "")
    assert Person.objects.count() == 3


def test_only_the_user_who_started_it_runs_it_again(api, web, people, interrupted):
    url = f"/api/v1/imports/{interrupted.uid}/run-again/"
    # The street officer sees the job (it is in the street) but did not start it.
    assert api.as_(people.street).post(url).status_code == 403
    assert 'data-testid="run-again"' not in (
        web.as_(people.street).get(f"/registry/import/{interrupted.uid}/").content.decode()
    )
    # Another community's worker does not even see it.
    assert api.as_(people.worker_b).post(url).status_code == 404
    assert Person.objects.count() == 0
    assert ImportJob.objects.get().status == "failed"


def test_a_failed_job_without_its_file_cannot_run_again(api, people):
    job = import_job_create(
        actor=people.worker_a, kind="persons", filename="人员.csv", content=b"not,a,template\n"
    )
    from shequ.jobs.tasks import enqueue_import_job

    enqueue_import_job(job)  # fails: unknown headers; the file is not kept
    job.refresh_from_db()
    assert job.status == "failed"

    response = api.as_(people.worker_a).post(f"/api/v1/imports/{job.uid}/run-again/")

    assert response.status_code == 400
    assert "原文件已不保存" in str(response.json())
