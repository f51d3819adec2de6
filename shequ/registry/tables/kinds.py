"""The tables by kind, and the title of every kind a file can hold."""

from django.utils.translation import gettext_lazy

from shequ.registry.tables.housing import BUILDINGS, HOUSEHOLDS
from shequ.registry.tables.people import PERSONS

TABLES = {t.kind: t for t in (BUILDINGS, HOUSEHOLDS, PERSONS)}
KIND_TITLES = {
    "buildings": gettext_lazy("楼栋"),
    "households": gettext_lazy("户"),
    "persons": gettext_lazy("人员"),
    "flows": gettext_lazy("流动记录"),  # exported only (the flow list), never imported
}
