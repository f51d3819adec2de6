from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "shequ.registry"
    label = "registry"
    verbose_name = _("人口信息")

    def ready(self) -> None:
        from shequ.core.dashboard import CARD_PROVIDERS
        from shequ.org.selectors import UNIT_FIGURE_PROVIDERS
        from shequ.org.services import UNIT_CLOSE_GUARDS
        from shequ.registry.dashboard import registry_cards
        from shequ.registry.selectors import unit_close_objection
        from shequ.registry.unit_figures import registry_unit_figures

        # ready() may run more than once (tests, autoreload): register each hook once.
        if registry_cards not in CARD_PROVIDERS:
            CARD_PROVIDERS.append(registry_cards)
        if unit_close_objection not in UNIT_CLOSE_GUARDS:
            UNIT_CLOSE_GUARDS.append(unit_close_objection)
        if registry_unit_figures not in UNIT_FIGURE_PROVIDERS:
            UNIT_FIGURE_PROVIDERS.append(registry_unit_figures)
