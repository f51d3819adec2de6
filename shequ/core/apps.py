from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shequ.core"
    label = "core"
    verbose_name = _("公共")

    def ready(self) -> None:
        from shequ.core import lookups  # noqa: F401 — registers __any_of
