"""The benefits' entry in the main menu, beside the desk's (registered in apps.py)."""

from django.utils.translation import gettext_lazy as _

from shequ.org.navigation import MenuEntry
from shequ.org.roles import Action

MENU = [
    MenuEntry(
        _("扶助名单"),
        "benefits:list_index",
        "cash-coin",
        "benefits",
        Action.READ_REGISTRY,
        position=54,
    ),
]
