"""The main menu: each app registers its entries as "menu_entries" (core/hooks.py); each is
shown to the roles that may use it, in the order of ``position``."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shequ.core.hooks import app_hooks
from shequ.org.roles import Action, can


@dataclass(frozen=True)
class MenuEntry:
    label: str | Promise
    url_name: str
    icon: str
    section: str  # the path prefix that marks the entry active (the longest match wins)
    action: Action | None = None  # None: every staff member
    position: int = (
        50  # place in the menu, smallest first: 0 home, 10 org, 20-40 registry, 90 admin
    )


MENU: list[MenuEntry] = [  # org's own entries; the registry's are in registry/navigation.py
    MenuEntry(_("首页"), "home", "house", "", position=0),
    MenuEntry(_("组织"), "org:tree", "diagram-3", "org", position=10),
    MenuEntry(
        _("用户"), "org:user_list", "person-badge", "users", Action.MANAGE_USERS, position=90
    ),
    MenuEntry(
        _("审计"), "org:audit_events", "journal-text", "audit", Action.VIEW_AUDIT, position=91
    ),
]


# Each entry's address, reversed once per URLconf, script prefix and language (the address
# depends on nothing else), not on every page: reversing ~18 names was about half of the
# menu's time, which every page pays (a 403 or 404 answer too).
_ADDRESSES: dict[tuple, tuple[tuple[MenuEntry, str], ...]] = {}


def _entries_with_addresses() -> tuple[tuple[MenuEntry, str], ...]:
    key = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language())
    found = _ADDRESSES.get(key)
    if found is None:
        pairs = []
        for entry in sorted(app_hooks("menu_entries"), key=lambda entry: entry.position):
            try:
                pairs.append((entry, reverse(entry.url_name)))
            except NoReverseMatch:
                continue  # the capability is not installed in this deployment
        found = _ADDRESSES[key] = tuple(pairs)
    return found


def menu(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    parts = request.path_info.strip("/").split("/")
    if parts and parts[0] == "en":
        parts = parts[1:]
    path = "/".join(parts) + "/"
    entries: list[dict] = []
    for item, url in _entries_with_addresses():
        if item.action and not can(user, item.action):
            continue
        entries.append(
            {
                "label": item.label,
                "url": url,
                "icon": item.icon,
                "section": item.section,
            }
        )
    matches = [e for e in entries if path.startswith(e["section"] + "/")]
    active = max(matches, key=lambda e: len(e["section"]), default=None)
    for entry in entries:
        entry["active"] = entry is active
    return {"menu": entries}
