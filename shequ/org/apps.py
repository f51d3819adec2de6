from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "shequ.org"
    label = "org"
    verbose_name = _("组织与用户")

    # What the org app registers for the others (core/hooks.py).
    menu_entries = ("shequ.org.navigation.MENU",)
    demo_generators = ("shequ.org.demo.generate",)
    demo_logins = ("shequ.org.demo.logins",)

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from shequ.org.auth import session_started

        # Every way of logging a session in (the login page, a test's force_login) starts the
        # session's idle and absolute clocks.
        user_logged_in.connect(session_started, dispatch_uid="shequ.org.auth.session_started")

        from shequ.org import signals

        post_migrate.connect(signals.reinstall_triggers, sender=self)
