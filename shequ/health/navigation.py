from django.utils.translation import gettext_lazy as _

from shequ.org.navigation import MenuEntry
from shequ.org.roles import Action

MENU = [
    MenuEntry(
        _("健康服务"),
        "health:target_list",
        "heart-pulse",
        "health",
        Action.VIEW_HEALTH,
        position=35,
    )
]
