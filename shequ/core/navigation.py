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
    section: str  # the path prefix that marks the entry active (the longest match wins)
    action: Action | None = None  # None: every staff member


MENU: list[MenuEntry] = [
    MenuEntry(_("首页"), "home", "house", ""),
    MenuEntry(_("组织"), "org:tree", "diagram-3", "org"),
    MenuEntry(_("人口"), "registry:person_list", "people", "registry", Action.READ_REGISTRY),
    MenuEntry(_("房屋"), "registry:building_list", "buildings", "housing", Action.READ_REGISTRY),
    MenuEntry(
        _("出租房屋"), "registry:rented_home_list", "key", "housing/rented", Action.READ_REGISTRY
    ),
    MenuEntry(
        _("导入导出"),
        "registry:import_start",
        "file-earmark-arrow-up",
        "registry/import",
        Action.IMPORT_REGISTRY,
    ),
    MenuEntry(_("用户"), "org:user_list", "person-badge", "users", Action.MANAGE_USERS),
    MenuEntry(_("审计"), "org:audit_events", "journal-text", "audit", Action.VIEW_AUDIT),
]


def menu(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    parts = request.path_info.strip("/").split("/")
    if parts and parts[0] == "en":
        parts = parts[1:]
    path = "/".join(parts) + "/"
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
                "section": entry.section,
            }
        )
    matches = [e for e in entries if path.startswith(e["section"] + "/")]
    active = max(matches, key=lambda e: len(e["section"]), default=None)
    for entry in entries:
        entry["active"] = entry is active
    return {"menu": entries}
