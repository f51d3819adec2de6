from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "shequ.org"
    label = "org"
    verbose_name = _("组织与用户")

    def ready(self) -> None:
        from shequ.org import signals

        post_migrate.connect(signals.reinstall_triggers, sender=self)
