"""Large exports: a background job with progress, the same file, for its owner only."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from shequ.jobs.exports import export_jobs_purge
from shequ.jobs.models import ExportJob
from shequ.org.models import AuditEvent, SensitiveAccess
from tests.factories import make_building, make_household, make_person


@pytest.fixture
def registry(tree):
    """Three persons in community A, two in community B."""
    home_a = make_household(make_building(tree.grid_a1, "1号楼"), "101")
    home_b = make_household(make_building(tree.grid_b1, "文苑1号楼"), "101")
    return {
        "a": [make_person(home_a, name=n) for n in ("甲一", "甲二", "甲三")],
        "b": [make_person(home_b, name=n) for n in ("乙一", "乙二")],
    }


@pytest.fixture
def small_threshold(settings):
    settings.EXPORT_JOB_MIN_ROWS = 2


def export_url(kind: str = "persons", query: str = "") -> str:
    return reverse("registry:export", args=[kind]) + (f"?{query}" if query else "")


def names_in(content: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_small_export_downloads_at_once(web, people, registry):
    response = web.as_(people.worker_a).get(export_url())

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="persons-')
    assert not ExportJob.objects.exists()


def test_large_export_becomes_a_job_with_the_same_file(web, people, registry, settings):
    client = web.as_(people.street)
    immediate = client.get(export_url(query="format=csv")).content
    settings.EXPORT_JOB_MIN_ROWS = 2

    response = client.get(export_url(query="format=csv"))

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:export_status", args=[job.uid])
    assert (job.status, job.row_count, job.total_rows) == ("succeeded", 5, 5)
    download = client.get(reverse("registry:export_file", args=[job.uid]))
    assert download["Content-Type"].startswith("text/csv")
    assert download.content == immediate


def test_status_page_shows_progress_then_the_download_link(web, people, registry, small_threshold):
    client = web.as_(people.worker_a)
    client.get(export_url())
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(status="running", processed_rows=1, total_rows=3)

    running = client.get(reverse("registry:export_status", args=[job.uid]))
    fragment = client.get(
        reverse("registry:export_status", args=[job.uid]), headers={"HX-Request": "true"}
    )
    ExportJob.objects.filter(pk=job.pk).update(status="succeeded", processed_rows=3)
    done = client.get(reverse("registry:export_status", args=[job.uid]))

    assert "已写 1 / 3 行（33%）" in running.content.decode()
    assert 'hx-trigger="every 1s"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    assert reverse("registry:export_file", args=[job.uid]) in done.content.decode()
    assert 'hx-trigger="every 1s"' not in done.content.decode()


def test_status_page_runs_a_constant_number_of_queries(
    web, people, registry, small_threshold, django_assert_max_num_queries
):
    client = web.as_(people.worker_a)
    client.get(export_url())
    url = reverse("registry:export_status", args=[ExportJob.objects.get().uid])
    client.get(url)

    with django_assert_max_num_queries(6):
        client.get(url)
    with django_assert_max_num_queries(4):
        client.get(url, headers={"HX-Request": "true"})


def test_another_user_gets_404_for_the_job_and_its_file(web, people, registry, small_threshold):
    web.as_(people.worker_a).get(export_url())
    job = ExportJob.objects.get()

    for user in (people.worker_b, people.street):
        client = web.as_(user)
        assert client.get(reverse("registry:export_status", args=[job.uid])).status_code == 404
        assert client.get(reverse("registry:export_file", args=[job.uid])).status_code == 404


def test_job_holds_only_the_workers_own_community(web, people, registry, small_threshold):
    client = web.as_(people.worker_a)
    client.get(export_url())
    job = ExportJob.objects.get()

    content = client.get(reverse("registry:export_file", args=[job.uid])).content

    assert sorted(names_in(content)) == sorted(["甲一", "甲二", "甲三"])


def test_job_applies_the_jurisdiction_of_the_actor_when_it_runs(people, registry, tree):
    from shequ.jobs.exports import export_job_create, export_job_run

    job = export_job_create(actor=people.worker_a, kind="persons", fmt="xlsx", filters="")
    people.worker_a.unit = tree.community_b  # moved to another community before it ran
    people.worker_a.save()

    export_job_run(ExportJob.objects.select_related("actor").get(pk=job.pk))

    job.refresh_from_db()
    assert sorted(names_in(bytes(job.content))) == sorted(["乙一", "乙二"])


def test_job_writes_the_sensitive_reads_and_one_audit_event(web, people, registry, small_threshold):
    client = web.as_(people.worker_a)
    client.get(export_url())
    job = ExportJob.objects.get()

    client.get(reverse("registry:export_file", args=[job.uid]))

    reads = SensitiveAccess.objects.filter(actor=people.worker_a, channel="export")
    assert sorted(reads.values_list("target_id", flat=True)) == sorted(
        str(p.uid) for p in registry["a"]
    )
    event = AuditEvent.objects.get(action="export.persons")
    assert event.changes["rows"] == 3
    download = AuditEvent.objects.get(action="export.download")
    assert (download.actor, download.target_id) == (people.worker_a, str(job.uid))
    assert ExportJob.objects.get().downloads == 1


def test_a_malformed_filter_is_an_error_not_a_job(web, people, registry, small_threshold):
    response = web.as_(people.worker_a).get(export_url(query="household=not-a-uuid"))

    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_old_jobs_are_purged_by_the_next_run(web, people, registry, small_threshold):
    client = web.as_(people.worker_a)
    client.get(export_url())
    old = ExportJob.objects.get()
    ExportJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )

    client.get(export_url())

    assert list(ExportJob.objects.values_list("uid", flat=True)) != [old.uid]
    assert not ExportJob.objects.filter(pk=old.pk).exists()
    assert export_jobs_purge() == 0


# --- API -------------------------------------------------------------------------------


def test_api_creates_polls_and_downloads_an_export(api, web, people, registry):
    client = api.as_(people.worker_a)
    immediate = web.as_(people.worker_a).get(export_url(query="format=csv")).content

    created = client.post(
        "/api/v1/exports/", {"kind": "persons", "format": "csv", "filters": {}}, format="json"
    )

    assert created.status_code == 202
    job = created.json()
    assert (job["kind"], job["format"], job["status"], job["row_count"]) == (
        "persons",
        "csv",
        "succeeded",
        3,
    )
    status = client.get(f"/api/v1/exports/{job['id']}/").json()
    assert status["progress"] == 100
    assert status["file"].endswith(f"/api/v1/exports/{job['id']}/file/")
    download = client.get(f"/api/v1/exports/{job['id']}/file/")
    assert download.status_code == 200
    assert download.content == immediate


def test_api_export_applies_filters(api, people, registry):
    client = api.as_(people.street)

    job = client.post(
        "/api/v1/exports/",
        {"kind": "persons", "format": "csv", "filters": {"unit": "340603020002"}},
        format="json",
    ).json()

    content = client.get(f"/api/v1/exports/{job['id']}/file/").content.decode("utf-8-sig")
    assert "乙一" in content
    assert "甲一" not in content
    assert job["filters"] == {"unit": "340603020002"}


def test_api_export_of_another_user_is_404(api, people, registry):
    job = (
        api.as_(people.worker_a).post("/api/v1/exports/", {"kind": "persons"}, format="json").json()
    )
    other = api.as_(people.worker_b)

    assert other.get(f"/api/v1/exports/{job['id']}/").status_code == 404
    assert other.get(f"/api/v1/exports/{job['id']}/file/").status_code == 404
    assert other.get("/api/v1/exports/").json()["count"] == 0


def test_api_export_of_an_unfinished_job_is_409(api, people, registry):
    client = api.as_(people.worker_a)
    job = client.post("/api/v1/exports/", {"kind": "persons"}, format="json").json()
    ExportJob.objects.filter(uid=job["id"]).update(status="running")

    response = client.get(f"/api/v1/exports/{job['id']}/file/")

    assert response.status_code == 409


def test_api_export_needs_the_export_role(api, people, registry):
    response = api.as_(people.auditor).post("/api/v1/exports/", {"kind": "persons"}, format="json")

    assert response.status_code == 403
    assert not ExportJob.objects.exists()


def test_api_export_with_a_bad_filter_is_400(api, people, registry):
    response = api.as_(people.worker_a).post(
        "/api/v1/exports/",
        {"kind": "persons", "filters": {"household": "not-a-uuid"}},
        format="json",
    )

    assert response.status_code == 400


def test_the_import_export_page_lists_my_own_export_jobs(web, people, registry, small_threshold):
    web.as_(people.street).get(export_url(query="format=csv"))
    street_job = ExportJob.objects.get()
    client = web.as_(people.worker_a)
    client.get(export_url())
    mine = ExportJob.objects.exclude(pk=street_job.pk).get()

    page = client.get(reverse("registry:import_start")).content.decode()

    assert reverse("registry:export_file", args=[mine.uid]) in page
    assert reverse("registry:export_status", args=[street_job.uid]) not in page


def test_with_no_export_job_the_page_says_where_they_will_appear(web, people):
    page = web.as_(people.worker_a).get(reverse("registry:import_start")).content.decode()
    assert "完成后在这里下载（保留 7 天）" in page


def test_api_exports_the_flow_list_masked_as_listed(api, people, registry):
    client = api.as_(people.worker_a)

    created = client.post(
        "/api/v1/exports/",
        {"kind": "flows", "format": "csv", "filters": {"kind": "registration"}},
        format="json",
    )

    assert created.status_code == 202
    job = created.json()
    assert (job["kind"], job["status"], job["row_count"]) == ("flows", "succeeded", 3)
    content = client.get(f"/api/v1/exports/{job['id']}/file/").content.decode("utf-8-sig")
    assert content.splitlines()[0] == "日期,类型,人员,从,到,原因,登记人"
    assert {"甲一", "甲二", "甲三"} <= set(content.replace("\r", "").replace("\n", ",").split(","))
    assert "乙一" not in content  # community B's flows are not the worker's


def test_api_flow_export_with_a_bad_filter_is_400(api, people, registry):
    response = api.as_(people.worker_a).post(
        "/api/v1/exports/", {"kind": "flows", "filters": {"since": "yesterday"}}, format="json"
    )

    assert response.status_code == 400
    assert not ExportJob.objects.exists()
