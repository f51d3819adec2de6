"""The import pages: upload, progress polled with HTMX, the report, templates, scoping."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from shequ.jobs.imports import import_job_create
from shequ.jobs.models import ImportJob
from shequ.registry.models import Person
from tests.factories import PERSON_IMPORT_HEADERS, make_building, make_household, tabular_file
from tests.factories import id_number as new_id_number

HEADERS = PERSON_IMPORT_HEADERS
GRID_A1 = "34060302000101"


def row(number, name="张三"):
    return [number, name, "340603000000", GRID_A1, "1号楼", "101", "未婚"]


@pytest.fixture
def home(tree):
    return make_household(make_building(tree.grid_a1, "1号楼"), "101")


def post_file(client, content, name="人员.csv", **options):
    return client.post(
        reverse("registry:import_start"),
        {"kind": "persons", "file": SimpleUploadedFile(name, content), **options},
    )


def queued_job(user, content=b"x", **options) -> ImportJob:
    return import_job_create(
        actor=user, kind="persons", filename="人员.csv", content=content, **options
    )


def test_upload_runs_the_job_and_shows_its_result(web, people, home):
    client = web.as_(people.worker_a)
    content = tabular_file(HEADERS, [row(new_id_number()), row(new_id_number())])

    response = post_file(client, content)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:import_status", args=[job.uid])
    page = client.get(response["Location"]).content.decode()
    assert "导入完成：全部 2 行已通过。" in page
    assert Person.objects.count() == 2


def test_status_page_lists_each_problem_with_row_and_column(web, people, home):
    client = web.as_(people.worker_a)
    content = tabular_file(HEADERS, [row(new_id_number()), row(new_id_number(), name="")])

    page = client.get(post_file(client, content)["Location"]).content.decode()

    assert "1 行有问题，按“全部通过才写入”的要求，未写入任何数据。" in page
    assert '<td data-label="行号" class="text-end mono">3</td><td data-label="列">姓名</td>' in page
    assert "必填。" in page


def test_upload_refuses_other_file_types(web, people, home):
    response = post_file(web.as_(people.worker_a), b"a,b", name="人员.txt")

    assert response.status_code == 200
    assert "请上传 .xlsx 或 .csv 文件。" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_running_job_fragment_keeps_polling_every_second(web, people):
    job = queued_job(people.worker_a)
    job.status, job.phase, job.total_rows, job.processed_rows = "running", "validating", 8000, 2000
    job.save()

    response = web.as_(people.worker_a).get(
        reverse("registry:import_status", args=[job.uid]), headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert html.startswith("<section")  # the fragment alone, swapped in place
    assert 'hx-trigger="every 1s"' in html
    assert 'max="8000" value="2000"' in html
    assert "已校验 2000 / 8000 行（25%）" in html


def test_writing_phase_shows_an_indeterminate_bar(web, people):
    job = queued_job(people.worker_a)
    job.status, job.phase = "running", "writing"
    job.save()

    html = (
        web.as_(people.worker_a)
        .get(reverse("registry:import_status", args=[job.uid]), headers={"HX-Request": "true"})
        .content.decode()
    )

    assert "校验完成，正在写入……" in html
    assert '<progress class="w-100" aria-label="正在写入"></progress>' in html


def test_finished_job_fragment_stops_polling(web, people, home):
    client = web.as_(people.worker_a)
    location = post_file(client, tabular_file(HEADERS, [row(new_id_number())]))["Location"]

    html = client.get(location, headers={"HX-Request": "true"}).content.decode()

    assert "hx-trigger" not in html
    assert 'data-status="succeeded"' in html


def test_problem_rows_download_keeps_the_rows_and_adds_a_problem_column(web, people, home):
    client = web.as_(people.worker_a)
    bad = new_id_number()
    content = tabular_file(HEADERS, [row(new_id_number()), row(bad, name="")])
    location = post_file(client, content)["Location"]

    response = client.get(location + "?download=problems")

    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0][-1] == "问题"
    assert rows[1][:2] == [bad, None]
    assert rows[1][-1] == "第3行：姓名：必填。"
    assert len(rows) == 2


def test_corrected_problem_rows_import_as_they_are(web, people, home):
    client = web.as_(people.worker_a)
    bad = new_id_number()
    location = post_file(client, tabular_file(HEADERS, [row(bad, name="")]))["Location"]
    workbook = load_workbook(io.BytesIO(client.get(location + "?download=problems").content))
    workbook.worksheets[0]["B2"] = "李四"  # the user types the missing name
    corrected = io.BytesIO()
    workbook.save(corrected)

    post_file(client, corrected.getvalue(), name="改好.xlsx")

    assert Person.objects.get(id_number=bad).name == "李四"


def test_template_has_the_headers_required_ones_marked_and_a_help_sheet(web, people):
    response = web.as_(people.worker_a).get(reverse("registry:import_template", args=["persons"]))

    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["公民身份号码", "姓名", "性别"]
    assert sheet["A1"].fill.fgColor.rgb.endswith("1F6FB2")  # required: highlighted
    assert sheet["C1"].fill.fgColor.rgb.endswith("DDE6EE")
    assert "18 位" in sheet["A1"].comment.text
    assert sheet.max_row == 1
    assert workbook.sheetnames[1] == "填写说明"


def test_template_of_an_unknown_kind_is_404(web, people):
    response = web.as_(people.worker_a).get(reverse("registry:import_template", args=["cats"]))

    assert response.status_code == 404


def test_start_page_lists_recent_jobs_in_constant_queries(
    web, people, django_assert_max_num_queries
):
    client = web.as_(people.worker_a)
    for _ in range(3):
        queued_job(people.worker_a)
    client.get(reverse("registry:import_start"))  # warm the session and the user
    with django_assert_max_num_queries(8):
        few = client.get(reverse("registry:import_start"))
    for _ in range(20):
        queued_job(people.street)
    queued_job(people.worker_a)
    with django_assert_max_num_queries(8):
        many = client.get(reverse("registry:import_start"))

    # the menu entry, the page's own links and two per job
    assert few.content.decode().count('href="/registry/import/') == 1 + 3 + 3 * 2
    assert many.content.decode().count("registry/import/") > few.content.decode().count(
        "registry/import/"
    )


def test_worker_of_another_community_gets_404_for_a_job(web, people):
    job = queued_job(people.worker_a)

    response = web.as_(people.worker_b).get(reverse("registry:import_status", args=[job.uid]))

    assert response.status_code == 404


def test_street_officer_sees_the_jobs_of_its_communities(web, people):
    job = queued_job(people.worker_a)

    response = web.as_(people.street).get(reverse("registry:import_status", args=[job.uid]))

    assert response.status_code == 200


def test_auditor_cannot_start_an_import(web, people):
    client = web.as_(people.auditor)

    assert client.get(reverse("registry:import_start")).status_code == 403
    assert post_file(client, b"x").status_code == 403


def test_grid_worker_without_import_role_gets_403(web, people):
    response = web.as_(people.grid_a1).get(reverse("registry:import_start"))

    assert response.status_code == 403


def test_auditor_reads_no_import_report_nor_its_rows(web, people):
    job = queued_job(people.worker_a)
    client = web.as_(people.auditor)
    url = reverse("registry:import_status", args=[job.uid])

    assert client.get(url).status_code == 404
    assert client.get(url + "?download=problems").status_code in (403, 404)


def test_file_is_not_kept_once_every_row_passed(web, people, home):
    post_file(web.as_(people.worker_a), tabular_file(HEADERS, [row(new_id_number())]))

    assert bytes(ImportJob.objects.get().content) == b""


def test_file_with_problems_is_kept_for_correction(web, people, home):
    content = tabular_file(HEADERS, [row(new_id_number(), name="")])

    post_file(web.as_(people.worker_a), content)

    assert bytes(ImportJob.objects.get().content) == content


def test_start_page_offers_templates_and_exports(web, people):
    page = web.as_(people.worker_a).get(reverse("registry:import_start")).content.decode()

    assert reverse("registry:import_template", args=["persons"]) in page
    assert reverse("registry:export", args=["buildings"]) + "?format=csv" in page


def test_the_menu_leads_to_the_import_page_and_marks_it_active(web, people):
    home_page = web.as_(people.worker_a).get("/").text
    assert 'href="/registry/import/"' in home_page
    import_page = web.get("/registry/import/").text
    assert 'active" href="/registry/import/" aria-current="page"' in import_page
    assert 'active" href="/registry/persons/"' not in import_page


def test_roles_that_may_not_import_see_no_import_entry(web, people):
    assert 'href="/registry/import/"' not in web.as_(people.auditor).get("/").text
