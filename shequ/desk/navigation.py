"""The desk's entries in the main menu (registered in apps.py as "menu_entries")."""

from django.utils.translation import gettext_lazy as _

from shequ.org.navigation import MenuEntry
from shequ.org.roles import Action

MENU = [
    MenuEntry(
        _("生育登记"), "desk:birth_list", "heart", "desk/births", Action.READ_REGISTRY, position=50
    ),
    MenuEntry(
        _("办事申请"),
        "desk:application_list",
        "inbox",
        "desk/applications",
        Action.READ_REGISTRY,
        position=51,
    ),
    MenuEntry(
        _("证明文书"),
        "desk:document_list",
        "file-earmark-text",
        "desk/documents",
        Action.READ_REGISTRY,
        position=52,
    ),
    MenuEntry(
        _("政务公开"),
        "desk:disclosure_list",
        "megaphone",
        "desk/disclosures",
        Action.READ_REGISTRY,
        position=53,
    ),
]
