"""Excel/CSV exports of the stock lists through the project's export engine: the list's
filters and the user's jurisdiction, named dispensings masked unless the account may
reveal numbers (each person written logged), large ones as export jobs, the API and the
command alike."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from shequ.jobs.models import ExportJob
from shequ.org.models import AuditEvent, SensitiveAccess
from shequ.supplies import services
from tests.factories import make_building, make_household, make_person

pytestmark = pytest.mark.django_db


def _sheet(content: bytes) -> list[list]:
    rows = load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True)
    return [list(row) for row in rows]


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_stock_levels_export_holds_what_the_list_shows(web, people, stores):
    services.stock_receive(actor=None, location=stores.other_room, item=stores.condom,
                           lot_number="别区批号", expiry=datetime.date(2030, 1, 1), quantity=9)  # fmt: skip
    answer = web.as_(people.worker_a).get("/supplies/export/stock-levels/?item=condom-male")
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith('attachment; filename="stock-levels-')
    rows = _sheet(answer.content)
    assert rows[0][:4] == ["地点", "单位代码", "品种编码", "品种"]
    assert sorted((r[4], r[7]) for r in rows[1:]) == [("C-EARLY", "50"), ("C-LATE", "100")]
    assert "别区批号" not in str(rows)  # another district's room
    event = AuditEvent.objects.filter(action="export.stock-levels").get()
    assert event.changes["rows"] == 2


def test_the_ledger_export_takes_the_lists_filters_as_csv(web, people, stores):
    url = f"/supplies/export/stock-movements/?location={stores.room.uid}&kind=receipt&format=csv"
    rows = _csv(web.as_(people.worker_a).get(url).content)
    assert rows[0][:3] == ["日期", "记帐时间", "地点"]
    assert sorted(r[5] for r in rows[1:]) == ["C-EARLY", "C-LATE", "P-1"]
    assert {r[6] for r in rows[1:]} == {"入库（上级调拨）"}
    bad = web.as_(people.worker_a).get("/supplies/export/stock-movements/?since=yesterday")
    assert bad.status_code == 400


def test_requisitions_expiring_and_low_stock_export(web, people, stores):
    services.requisition_submit(actor=None, location=stores.room, lines={stores.pill: 5})
    client = web.as_(people.worker_a)
    requisitions = _csv(client.get("/supplies/export/requisitions/?format=csv").content)
    assert requisitions[1][1] == "丽景社区服务室" and "5/—" in requisitions[1][5]
    low = _csv(client.get("/supplies/export/stock-low/?format=csv").content)
    # The room holds 150 condoms against a line of 500, 30 pills against 50.
    assert sorted(r[3] for r in low[1:]) == ["复方左炔诺孕酮片（21+7）", "男用避孕套"]
    services.stock_receive(actor=None, location=stores.room, item=stores.condom,
                           lot_number="SOON", quantity=4,
                           expiry=datetime.date.today() + datetime.timedelta(days=10))  # fmt: skip
    expiring = _csv(client.get("/supplies/export/stock-expiring/?format=csv").content)
    assert [r[3] for r in expiring[1:]] == ["SOON"]


def test_dispensings_are_masked_without_the_reveal_right_and_each_read_is_logged(
    web, people, stores, tree
):
    person = make_person(make_household(make_building(tree.grid_a1)), name="导出领取人")
    services.dispense(
        actor=None, location=stores.room, person=person, item=stores.condom, quantity=3
    )
    people.worker_a.data_rights = ["view_health", "export_registry", "dispense_supplies"]
    people.worker_a.save()
    before = SensitiveAccess.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rows = _sheet(web.as_(people.worker_a).get("/supplies/export/stock-dispensings/").content)
    assert rows[1][1] == "导出领取人"
    assert rows[1][2] != person.id_number and rows[1][2].endswith(person.id_number[-2:])
    read = SensitiveAccess.objects.exclude(pk__lte=before).get()
    assert (read.channel, read.fields, read.target_id) == (
        "export",
        "supplies_dispensings",
        str(person.uid),
    )
    people.worker_a.data_rights = ["view_health", "export_registry", "reveal_id_number"]
    people.worker_a.save()
    rows = _sheet(web.as_(people.worker_a).get("/supplies/export/stock-dispensings/").content)
    assert rows[1][2] == person.id_number
    assert SensitiveAccess.objects.latest("pk").fields == "id_number,supplies_dispensings"


def test_dispensings_need_the_health_and_export_rights(web, people, stores):
    people.worker_a.data_rights = ["export_registry", "keep_stock"]
    people.worker_a.save()
    assert web.as_(people.worker_a).get("/supplies/export/stock-dispensings/").status_code == 403
    people.worker_a.data_rights = ["view_health"]
    people.worker_a.save()
    assert web.as_(people.worker_a).get("/supplies/export/stock-dispensings/").status_code == 403
    assert web.as_(people.worker_a).get("/supplies/export/persons/").status_code == 404


def test_a_large_export_becomes_a_job_with_its_status_page(web, people, stores, settings):
    settings.EXPORT_JOB_MIN_ROWS = 2
    client = web.as_(people.worker_a)
    answer = client.get("/supplies/export/stock-movements/")
    job = ExportJob.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/exports/{job.uid}/")
    status = client.get(answer["Location"]).content.decode()
    assert "药具出入库明细帐" in status
    job.refresh_from_db()
    assert (job.status, job.row_count) == ("succeeded", 3)


def test_the_api_exports_a_stock_list_as_a_job(api, people, stores):
    people.worker_a.data_rights = ["keep_stock"]  # no export right: stock is not people's data
    people.worker_a.save()
    client = api.as_(people.worker_a)
    made = client.post(
        "/api/v1/exports/",
        {"kind": "stock-movements", "format": "csv", "filters": {"item": "pill-21-7"}},
        format="json",
    )
    assert made.status_code == 202, made.content
    job = made.json()
    assert (job["status"], job["row_count"]) == ("succeeded", 1)
    rows = _csv(client.get(f"/api/v1/exports/{job['id']}/file/").content)
    assert rows[1][5] == "P-1"
    refused = client.post("/api/v1/exports/", {"kind": "stock-dispensings"}, format="json")
    assert refused.status_code == 403
    unknown = client.post("/api/v1/exports/", {"kind": "nothing"}, format="json")
    assert unknown.status_code == 400


def test_the_export_command_writes_a_stock_list(stores, tmp_path):
    path = tmp_path / "levels.csv"
    call_command("export", "stock-levels", str(path))
    rows = _csv(path.read_bytes())
    assert len(rows) == 1 + 4  # the room's three lots and the district's pills
    call_command("export", "requisitions", str(tmp_path / "r.xlsx"))
