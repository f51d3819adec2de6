"""The supplies' entries in the main menu (registered in apps.py as "menu_entries")."""

from django.utils.translation import gettext_lazy as _

from shequ.org.navigation import MenuEntry
from shequ.org.roles import Action

MENU = [
    MenuEntry(
        _("药具"), "supplies:stock", "box-seam", "supplies", Action.READ_REGISTRY, position=60
    ),
]
