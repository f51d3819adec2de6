from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shequ.core"
    label = "core"
    verbose_name = _("公共")

    def ready(self) -> None:
        from shequ.core import lookups  # noqa: F401 — registers __any_of

        # Not sender=self: post_migrate reaches only apps with models, and core has none.
        post_migrate.connect(_create_cache_table, dispatch_uid="shequ.core.cache_table")


def _create_cache_table(using: str, **kwargs: Any) -> None:
    # The database cache's table belongs to no model: ``migrate`` (and so ``make demo`` and
    # the test database) creates it here; the command skips a table that exists.
    call_command("createcachetable", database=using, verbosity=0)
