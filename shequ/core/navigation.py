"""The main menu: each capability adds its entry here, shown to the roles that may use it."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.org.roles import Action, can


@dataclass(frozen=True)
class MenuEntry:
    label: str | Promise
    url_name: str
    icon: str
    section: str  # the first path segment that marks the entry active
    action: Action | None = None  # None: every staff member


MENU: list[MenuEntry] = [
    MenuEntry(_("首页"), "home", "house", ""),
    MenuEntry(_("组织"), "org:tree", "diagram-3", "org"),
    MenuEntry(_("人口"), "registry:person_list", "people", "registry"),
    MenuEntry(_("房屋"), "registry:building_list", "buildings", "housing"),
    MenuEntry(_("用户"), "org:user_list", "person-badge", "users", Action.MANAGE_USERS),
    MenuEntry(_("审计"), "org:audit_events", "journal-text", "audit", Action.VIEW_AUDIT),
]


def menu(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    path = request.path_info.strip("/").split("/")
    if path and path[0] == "en":
        path = path[1:]
    section = path[0] if path else ""
    entries = []
    for entry in MENU:
        if entry.action and not can(user, entry.action):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue  # the capability is not installed in this deployment
        entries.append(
            {
                "label": entry.label,
                "url": url,
                "icon": entry.icon,
                "active": entry.section == section,
            }
        )
    return {"menu": entries}
