"""The registry's entries in the main menu (registered in apps.py as "menu_entries")."""

from django.utils.translation import gettext_lazy as _

from shequ.org.navigation import MenuEntry
from shequ.org.roles import Action

MENU = [
    MenuEntry(
        _("人口"), "registry:person_list", "people", "registry", Action.READ_REGISTRY, position=20
    ),
    MenuEntry(
        _("房屋"),
        "registry:building_list",
        "buildings",
        "housing",
        Action.READ_REGISTRY,
        position=21,
    ),
    MenuEntry(
        _("出租房屋"),
        "registry:rented_home_list",
        "key",
        "housing/rented",
        Action.READ_REGISTRY,
        position=22,
    ),
    MenuEntry(
        _("户籍户"),
        "registry:registered_household_list",
        "journal-bookmark",
        "registry/hukou",
        Action.READ_REGISTRY,
        position=23,
    ),
    MenuEntry(
        _("每月一查"),
        "registry:check_list",
        "calendar-check",
        "registry/checks",
        Action.READ_REGISTRY,
        position=24,
    ),
    MenuEntry(
        _("导入导出"),
        "registry:import_start",
        "file-earmark-arrow-up",
        "registry/import",
        Action.IMPORT_REGISTRY,
        position=30,
    ),
    MenuEntry(
        _("人口分类设置"),
        "registry:typing_settings",
        "sliders",
        "registry/typing",
        Action.MANAGE_ORG,
        position=88,
    ),
]
