"""An import file's limits, checked before it is parsed: size while it arrives, an .xlsx's
unzipped size and ratio (a "zip bomb") before it is opened, rows as they are read."""

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from shequ.jobs.imports import import_job_run
from shequ.jobs.models import ImportJob
from shequ.registry.models import Person
from tests.factories import PERSON_IMPORT_HEADERS, make_building, make_household, tabular_file
from tests.factories import id_number as new_id_number

HEADERS = PERSON_IMPORT_HEADERS


def row(number=None):
    return [
        number or new_id_number(),
        "张三",
        "340603000000",
        "34060302000101",
        "1号楼",
        "101",
        "未婚",
    ]


@pytest.fixture
def home(tree):
    return make_household(make_building(tree.grid_a1, "1号楼"), "101")


def bomb_xlsx(shared_strings_mb: int = 40) -> bytes:
    """A real workbook whose sharedStrings.xml unzips to ``shared_strings_mb`` MB (one
    string repeated) from a few tens of kilobytes."""
    template = io.BytesIO(tabular_file(HEADERS, [row()], fmt="xlsx"))
    out = io.BytesIO()
    strings = b"<si><t>" + b"A" * 1000 + b"</t></si>"
    count = shared_strings_mb * 1024 * 1024 // len(strings)
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            if item.filename != "xl/sharedStrings.xml":
                target.writestr(item, source.read(item), zipfile.ZIP_DEFLATED)
        member = zipfile.ZipInfo("xl/sharedStrings.xml", (2026, 1, 1, 0, 0, 0))
        member.compress_type = zipfile.ZIP_DEFLATED
        with target.open(member, "w") as xml:
            xml.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns='
                b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" '
                b'uniqueCount="%d">' % (count, count)
            )
            for _ in range(count):
                xml.write(strings)
            xml.write(b"</sst>")
    return out.getvalue()


def post(api, user, content, name):
    return api.as_(user).post(
        "/api/v1/imports/",
        {"kind": "persons", "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def test_a_bomb_costs_the_upload_nothing_and_fails_its_job_clearly(api, people, home, settings):
    content = bomb_xlsx()
    assert len(content) < 500 * 1024  # small on the wire, 40 MB of strings unzipped
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    tracemalloc.start()
    started = time.perf_counter()
    response = post(api, people.street, content, "人员.xlsx")
    elapsed = time.perf_counter() - started
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert response.status_code == 202
    assert response.json()["status"] == "queued"  # stored; the job will open it
    assert peak < 8 * 1024 * 1024  # the request neither unzips nor parses it
    assert elapsed < 5  # under tracemalloc, which slows every allocation

    job = ImportJob.objects.get()
    tracemalloc.start()
    import_job_run(job)
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    job.refresh_from_db()
    assert job.status == "failed"
    assert "xl/sharedStrings.xml 压缩比异常" in job.message
    assert peak < 16 * 1024 * 1024  # refused from the zip directory, not by parsing
    assert Person.objects.count() == 0


def test_a_workbook_unzipping_past_the_limit_is_refused(api, people, home, settings):
    settings.IMPORT_MAX_UNZIPPED_BYTES = 10 * 1024 * 1024
    settings.IMPORT_MAX_ZIP_RATIO = 100_000

    body = post(api, people.street, bomb_xlsx(20), "人员.xlsx").json()

    assert body["status"] == "failed"
    assert "Excel 文件解压后有 20 MB，超过上限 10 MB" in body["message"]


def test_an_oversized_csv_is_refused_with_the_limit_and_no_job(api, web, people, home, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    content = tabular_file(HEADERS, [row() for _ in range(20_000)])
    assert len(content) > 1024 * 1024

    response = post(api, people.street, content, "人员.csv")

    assert response.status_code == 400
    assert "文件太大（上限 1 MB）" in str(response.json())
    page = web.as_(people.street).post(
        "/registry/import/",
        {"kind": "persons", "file": SimpleUploadedFile("人员.csv", content)},
    )
    assert page.status_code == 200
    assert "文件太大（上限 1 MB）" in page.content.decode()
    assert not ImportJob.objects.exists()


def test_the_upload_is_not_stored_past_the_limit(web, people, home, settings, monkeypatch):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    content = b"x" * (8 * 1024 * 1024)
    stored = []
    handler = TemporaryFileUploadHandler  # where an upload this size goes on disk
    receive = handler.receive_data_chunk

    def spy(self, raw_data, start):
        stored.append(len(raw_data))
        return receive(self, raw_data, start)

    monkeypatch.setattr(handler, "receive_data_chunk", spy)

    response = web.as_(people.street).post(
        "/registry/import/", {"kind": "persons", "file": SimpleUploadedFile("人员.csv", content)}
    )

    assert "文件太大（上限 1 MB）" in response.content.decode()
    assert sum(stored) <= 1024 * 1024  # the rest was read and dropped, never written
    assert not ImportJob.objects.exists()


def test_a_file_with_too_many_rows_fails_before_writing(api, people, home, settings):
    settings.IMPORT_MAX_ROWS = 5

    body = post(
        api, people.street, tabular_file(HEADERS, [row() for _ in range(6)]), "a.csv"
    ).json()

    assert body["status"] == "failed"
    assert body["message"] == "文件超过 5 行的上限，未写入任何数据。请分成几个文件。"
    assert Person.objects.count() == 0


def test_a_file_within_the_limits_imports(api, people, home, settings):
    settings.IMPORT_MAX_ROWS = 5

    content = tabular_file(HEADERS, [row() for _ in range(5)], fmt="xlsx")

    body = post(api, people.street, content, "a.xlsx").json()

    assert (body["status"], body["created"]) == ("succeeded", 5)
