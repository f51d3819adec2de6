"""/api/v1/imports/: POST a file (202 with the job), then read its progress and report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.jobs.imports import import_job_create
from shequ.registry.models import Person
from tests.factories import PERSON_IMPORT_HEADERS, make_building, make_household, tabular_file
from tests.factories import id_number as new_id_number

URL = "/api/v1/imports/"
HEADERS = PERSON_IMPORT_HEADERS


def row(number, name="张三"):
    return [number, name, "340603000000", "34060302000101", "1号楼", "101", "未婚"]


@pytest.fixture
def home(tree):
    return make_household(make_building(tree.grid_a1, "1号楼"), "101")


def post(api, user, content, name="人员.csv", **fields):
    return api.as_(user).post(
        URL,
        {"kind": "persons", "file": SimpleUploadedFile(name, content), **fields},
        format="multipart",
    )


def job_of(user):
    return import_job_create(actor=user, kind="persons", filename="a.csv", content=b"x")


def test_post_answers_202_with_the_job_its_progress_and_counts(api, people, home):
    response = post(api, people.worker_a, tabular_file(HEADERS, [row(new_id_number())]))

    assert response.status_code == 202
    body = response.json()
    assert body["kind"] == "persons"
    assert body["filename"] == "人员.csv"
    assert (body["status"], body["phase"], body["progress"]) == ("succeeded", "done", 100)
    assert (body["total_rows"], body["processed_rows"]) == (1, 1)
    assert (body["created"], body["updated"], body["unchanged"], body["error_rows"]) == (
        1,
        0,
        0,
        0,
    )
    assert body["errors"] == []
    assert body["actor"] == "worker_a"
    assert Person.objects.count() == 1


def test_retrieve_gives_the_report_by_row_and_column(api, people, home):
    created = post(api, people.worker_a, tabular_file(HEADERS, [row(new_id_number(), name="")]))

    body = api.as_(people.worker_a).get(f"{URL}{created.json()['id']}/").json()

    assert body["errors"] == [{"row": 2, "column": "姓名", "message": "必填。"}]
    assert body["rejected_rows"] == "2"
    assert body["accepted_all"] is False


def test_list_shows_only_jobs_of_the_jurisdiction(api, people):
    mine, theirs = job_of(people.worker_a), job_of(people.worker_b)

    body = api.as_(people.worker_a).get(URL).json()

    assert [j["id"] for j in body["results"]] == [str(mine.uid)]
    assert str(theirs.uid) not in str(body)


def test_job_of_another_community_is_404(api, people):
    theirs = job_of(people.worker_b)

    response = api.as_(people.worker_a).get(f"{URL}{theirs.uid}/")

    assert response.status_code == 404


def test_list_filters_by_status(api, people):
    job_of(people.worker_a)

    assert api.as_(people.worker_a).get(URL, {"status": "failed"}).json()["count"] == 0
    assert api.as_(people.worker_a).get(URL, {"status": "queued"}).json()["count"] == 1


def test_auditor_reads_no_jobs_and_cannot_start_one(api, people, home):
    job_of(people.worker_a)

    # An import's rows are people's data, not the audit log's: the auditor sees no job.
    assert api.as_(people.auditor).get(URL).json()["count"] == 0
    response = post(api, people.auditor, tabular_file(HEADERS, [row(new_id_number())]))
    assert response.status_code == 403
    assert not Person.objects.exists()


def test_unsupported_file_type_is_a_400_on_the_file(api, people):
    response = post(api, people.worker_a, b"x", name="人员.pdf")

    assert response.status_code == 400
    assert response.json() == {"file": ["请上传 .xlsx 或 .csv 文件。"]}


def test_unknown_kind_is_a_400(api, people):
    response = api.as_(people.worker_a).post(
        URL, {"kind": "cats", "file": SimpleUploadedFile("a.csv", b"x")}, format="multipart"
    )

    assert response.status_code == 400
    assert "kind" in response.json()


def test_jobs_cannot_be_deleted_or_changed(api, people):
    job = job_of(people.worker_a)

    assert api.as_(people.worker_a).delete(f"{URL}{job.uid}/").status_code == 405
    assert api.as_(people.worker_a).patch(f"{URL}{job.uid}/", {}).status_code == 405


def test_list_runs_a_constant_number_of_queries(api, people, django_assert_max_num_queries):
    client = api.as_(people.worker_a)
    for _ in range(5):
        job_of(people.worker_a)
    with django_assert_max_num_queries(4):
        few = client.get(URL)
    for _ in range(45):
        job_of(people.worker_a)
    with django_assert_max_num_queries(4):
        many = client.get(URL)

    assert (few.json()["count"], len(many.json()["results"])) == (5, 50)
