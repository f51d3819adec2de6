"""Receivers that put sign-in events into the audit log.

Django and django-axes announce logins, logouts, failed logins and lock-outs by signal, for
the page login and the API's token login alike (both call ``authenticate``); these receivers
only hand them to ``org.audit``. The triggers' reinstallation after a migration is here too:
SQLite drops a table's triggers when a migration rebuilds the table.
"""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import DEFAULT_DB_ALIAS, connections
from django.dispatch import receiver

from shequ.core.web import client_ip
from shequ.org.audit import audit_sign_in
from shequ.org.audit_chain import install_triggers


def _via(request) -> str:
    return "api" if request is not None and request.path_info.startswith("/api/") else "web"


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


def _account(username: str):
    if not username:
        return None
    return get_user_model().objects.filter(username=username).first()


@receiver(user_logged_in, dispatch_uid="shequ.audit.logged_in")
def _logged_in(sender, request, user, **kwargs) -> None:
    audit_sign_in(action="auth.login", user=user, username=user.username, ip=_ip(request))


@receiver(user_logged_out, dispatch_uid="shequ.audit.logged_out")
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_sign_in(action="auth.logout", user=user, username=user.username, ip=_ip(request))


@receiver(user_login_failed, dispatch_uid="shequ.audit.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username") or "")[:150]
    audit_sign_in(
        action="auth.login_failed",
        user=_account(username),
        username=username,
        ip=_ip(request),
        changes={"via": _via(request)},
    )


@receiver(user_locked_out, dispatch_uid="shequ.audit.locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs) -> None:
    username = str(username or "")[:150]
    audit_sign_in(
        action="auth.lockout",
        user=_account(username),
        username=username,
        ip=ip_address or _ip(request),
        changes={"via": _via(request)},
    )


def reinstall_triggers(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    connection = connections[using]
    if connection.vendor == "sqlite":
        tables = connection.introspection.table_names()
        if "org_auditevent" in tables and "org_sensitiveaccess" in tables:
            install_triggers(connection)
