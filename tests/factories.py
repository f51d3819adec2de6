"""Small builders for registry data, through the real services (actor None = the system)."""

import datetime
import itertools
from collections.abc import Sequence

from shequ.core.identifiers import id_number_for_test
from shequ.org.models import OrgUnit
from shequ.registry import services
from shequ.registry.models import Building, Household, Person

_serial = itertools.count(1)

# Real county codes: inside the demo city (淮北市相山区) and outside it (合肥市瑶海区, 河南 商丘 睢县).
XIANGSHAN = "340603000000"
DUJI = "340602000000"
HEFEI_YAOHAI = "340102000000"
SUIXIAN_HENAN = "411422000000"


def make_building(unit: OrgUnit, name: str = "1号楼", **kwargs) -> Building:
    return services.building_create(actor=None, unit=unit, name=name, **kwargs)


def make_household(building: Building, number: str = "101", **rent) -> Household:
    return services.household_create(actor=None, building=building, number=number, **rent)


def id_number(
    birth_date: datetime.date = datetime.date(1990, 5, 17), sex: str = "F", region: str = "340603"
) -> str:
    """A valid, never repeated identity number."""
    return id_number_for_test(region, birth_date, next(_serial) % 500, sex)


def person_values(**overrides) -> dict:
    birth = overrides.pop("birth_date", datetime.date(1990, 5, 17))
    sex = overrides.pop("sex", "F")
    region = overrides.pop("region", "340603")
    values = {
        "id_number": id_number(birth, sex, region),
        "name": "张三",
        "hukou_division": XIANGSHAN,
        "hukou_address": "相山区人民路1号",
        "marital_status": "single",
        "employment": "employed",
        "employer_name": "淮北矿业",
        "children_count": 0,
    }
    values.update(overrides)
    return values


def make_person(household: Household, children=None, relation: str = "", **overrides) -> Person:
    """A person registered as the page registers one; ``relation`` (与户主关系) places them
    on a 户口簿 as the page does (户主 opens one, a relative joins it)."""
    return services.person_register(
        actor=None,
        values=person_values(**overrides),
        household=household,
        children=children,
        relation=relation,
    )


# The columns of a person file that most import tests start from (the template's own headers).
PERSON_IMPORT_HEADERS = (
    "公民身份号码",
    "姓名",
    "户籍地代码",
    "单位代码",
    "楼栋名称",
    "门牌/室号",
    "婚姻状况",
)


def tabular_file(headers: Sequence[str], rows: list[list], fmt: str = "csv", encoding="utf-8-sig"):
    """The bytes of a sheet as a user would upload it: .csv (any encoding) or .xlsx."""
    import csv
    import io

    from openpyxl import Workbook

    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(headers)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
        return text.getvalue().encode(encoding)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def person_ids_order(captured: list[dict]) -> str:
    """The ORDER BY of the one query, among ``captured`` (``CaptureQueriesContext``), that read
    a person list page's ids."""
    (sql,) = [
        q["sql"]
        for q in captured
        if q["sql"].startswith('SELECT "registry_person"."id"') and "ORDER BY" in q["sql"]
    ]
    return sql.split("ORDER BY", 1)[1].split("LIMIT", 1)[0].strip()
