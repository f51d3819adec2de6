"""The rulebook in the main menu (registered in apps.py as "menu_entries")."""

from django.utils.translation import gettext_lazy as _

from shequ.org.navigation import MenuEntry

MENU = [MenuEntry(_("规则设置"), "rulebook:setting_list", "sliders", "rules", position=85)]
