"""Panels the capability apps add to the registry's person page ("person_panels" hook).

The registry must not import the apps above it (health, supplies …), yet a worker opening a
person wants to see what those apps know of her: the health tasks due, the contraceptives
handed out. Each app registers a provider in its ``AppConfig``::

    class HealthConfig(AppConfig):
        person_panels = ("shequ.health.panels.person_panels",)

A provider is a callable ``(user, person) -> list[PersonPanel]`` called once per page view,
after the registry has found the person in the user's jurisdiction. The provider owns its
rules, because only it knows them:

- **Rights**: return ``[]`` when the user may not see what the panel shows (for sensitive
  facts, check the right: health facts need ``view_health``).
- **Logging**: log the sensitive read itself (``org.audit``), once for the page.
- **Speed**: a constant number of queries whatever the person holds (one or two).
- **Scope**: read through the app's own scoped selectors with the same ``user``.

The registry renders each panel as a card — the title in its header, ``template`` in its
body, included with ``panel`` (``panel.context`` holds the provider's data), ``person`` and
the page's context (``request``, ``csrf_token``) — ordered by ``position`` within its
``column``. The card carries ``data-testid="panel-<key>"`` for tests.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.functional import Promise

from shequ.core.hooks import app_hooks


@dataclass(frozen=True)
class PersonPanel:
    key: str  # stable and unique: the card's data-testid "panel-<key>"
    title: str | Promise
    template: str  # the app's template for the card's body
    context: Mapping[str, Any] = field(default_factory=dict)
    column: Literal["main", "side"] = "side"  # wide left column or narrow right one
    position: int = 50  # order within the column, lower first (the registry's own come first)


PanelProvider = Callable[[Any, Any], list[PersonPanel]]  # (user, person) → panels


def person_panels(user: Any, person: Any) -> dict[str, list[PersonPanel]]:
    """Every app's panels for this person and user, by column ("main", "side"), in order."""
    found: list[PersonPanel] = []
    provider: PanelProvider
    for provider in app_hooks("person_panels"):
        found.extend(provider(user, person))
    found.sort(key=lambda panel: panel.position)
    return {
        column: [panel for panel in found if panel.column == column] for column in ("main", "side")
    }
