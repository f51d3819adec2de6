from django.utils.translation import gettext_lazy as _

from shequ.org.navigation import MenuEntry
from shequ.org.roles import Action

MENU = [
    MenuEntry(
        _("待办"), "duework:task_list", "list-check", "tasks", Action.READ_REGISTRY, position=12
    )
]
