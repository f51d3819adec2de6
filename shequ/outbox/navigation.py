from django.utils.translation import gettext_lazy as _

from shequ.org.navigation import MenuEntry
from shequ.org.roles import Action

MENU = [
    MenuEntry(
        _("通报"),
        "outbox:notification_list",
        "envelope",
        "notifications",
        Action.READ_REGISTRY,
        position=14,
    )
]
