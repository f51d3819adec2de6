from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "shequ.registry"
    label = "registry"
    verbose_name = _("人口信息")

    # What the registry registers for the other floors (core/hooks.py lists the hooks).
    importers = (
        "shequ.registry.importers.housing.BuildingImporter",
        "shequ.registry.importers.housing.HouseholdImporter",
        "shequ.registry.importers.persons.PersonImporter",
    )
    exporters = ("shequ.registry.exporters.EXPORTERS",)
    menu_entries = ("shequ.registry.navigation.MENU",)
    dashboard_cards = ("shequ.registry.dashboard.registry_cards",)
    unit_figures = (
        "shequ.registry.unit_figures.registry_unit_figures",
        "shequ.registry.unit_figures.registry_check_figures",
    )
    unit_close_guards = ("shequ.registry.selectors.unit_close_objection",)
    demo_generators = ("shequ.registry.demo.generate",)
