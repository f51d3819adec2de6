"""One row of the outflow list (流出人口: registered here, living elsewhere), the same for the
page, its export and the API: the facts the registration place needs, masked as any list."""

import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from shequ.core.identifiers import mask_id_number, mask_phone
from shequ.core.tabular import Column, Table
from shequ.registry.disclosure import age_shown, shows_birth_date
from shequ.registry.models import Person


def outflow_row(person: Person, user, today: datetime.date) -> dict[str, Any]:
    home = person.household
    return {
        "uid": str(person.uid),
        "name": person.name,
        "sex": person.get_sex_display(),
        "id_number": mask_id_number(person.id_number),
        "age": age_shown(person.birth_date, today, full=shows_birth_date(user)),
        "hukou_code": person.hukou_division_id,
        "hukou": person.hukou_division.full_name if person.hukou_division else "",
        "hukou_address": person.hukou_address,
        "residence_code": person.unit_id,
        "residence": person.unit.name if person.unit else person.unit_id,
        "residence_address": (
            f"{home.building.name} {home.number}" if home is not None and home.building else ""
        ),
        "population_type": person.get_population_type_display(),
        "phone": mask_phone(person.phone),
        "last_monthly_check": person.last_monthly_check,
    }


def outflow_table() -> Table:
    """The columns of the outflow export (a function: its title is translated per request)."""
    return Table(
        kind="outflow",
        title=str(_("流出人口（户在人不在）")),
        columns=[
            Column(_("姓名"), "name", width=10),
            Column(_("性别"), "sex", width=6),
            Column(_("公民身份号码"), "id_number", width=20, text=True),
            Column(_("年龄"), "age", width=6),
            Column(_("户籍地代码"), "hukou_code", width=14, text=True),
            Column(_("户籍地"), "hukou", width=24),
            Column(_("户籍地址"), "hukou_address", width=24),
            Column(_("现居住单位代码"), "residence_code", width=16, text=True),
            Column(_("现居住单位"), "residence", width=16),
            Column(_("现居住地址"), "residence_address", width=18),
            Column(_("人口类型"), "population_type", width=10),
            Column(_("联系电话"), "phone", width=14, text=True),
            Column(_("最近每月一查"), "last_monthly_check", width=12),
        ],
    )
