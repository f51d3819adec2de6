"""What the apps plug into each other: one way to register, discovered in one place.

An app lists what it contributes as attributes of its ``AppConfig``, each a tuple of dotted
paths, so the app's modules are imported only when first asked for (not while Django loads
the apps)::

    class RegistryConfig(AppConfig):
        importers = ("shequ.registry.importers.housing.BuildingImporter", ...)
        menu_entries = ("shequ.registry.navigation.MENU",)

A path may name one object or a list or tuple of them. The lower floors ask by name
(``app_hooks("importers")``) and receive every installed app's entries in the order of
INSTALLED_APPS, so they never import the apps above them. The names in ``HOOKS`` are all
there are; each says what its entries are.
"""

from functools import cache
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string

HOOKS = {
    "importers": "jobs.imports.Importer subclasses, one per kind of file",
    "exporters": "jobs.exports.Exporter instances, one per kind of file",
    "menu_entries": "org.navigation.MenuEntry, shown to the roles that may use them",
    "dashboard_cards": "callables (user, unit) -> list[core.dashboard.Card] for the home page",
    "unit_figures": "callables (user, within, units) -> [org.selectors.UnitFigure], unit pages",
    "person_panels": "callables (user, person) -> [core.panels.PersonPanel], the person page",
    "health_task_kinds": "str: prefixes of due-work task kinds that reveal a health fact",
    "unit_close_guards": 'callables (unit) -> str: why the unit may not be closed, or ""',
    "demo_generators": "callables (core.demo.DemoContext) -> None, run by `shequ demo`",
    "demo_logins": "callables () -> [(user, role, unit, password)], printed by `shequ demo`",
}


@cache
def app_hooks(name: str) -> tuple[Any, ...]:
    """Every installed app's entries for the hook ``name``, in the order of INSTALLED_APPS."""
    if name not in HOOKS:
        raise LookupError(f"unknown app hook {name!r}; known: {', '.join(HOOKS)}")
    entries: list[Any] = []
    for config in apps.get_app_configs():
        for path in getattr(config, name, ()):
            found = import_string(path)
            entries.extend(found if isinstance(found, list | tuple) else [found])
    return tuple(entries)
