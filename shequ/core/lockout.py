"""Login lockout per client address, beside django-axes' lock per user name and address.

django-axes compares one failure limit with the count of every lockout parameter, so it
cannot lock a user name after 5 failures and an address only after more. Password spraying
tries a few passwords on many user names from one address: each user name stays under its
limit. This handler keeps axes' lock and adds a second, higher limit per address
(``LOGIN_ADDRESS_FAILURE_LIMIT``), high enough that colleagues behind one office address do
not lock each other out. The address is the one ``core.web.client_ip`` reports (axes'
``AXES_CLIENT_IP_CALLABLE``); the failures are counted in the cache, which all processes
share (``CACHES``).
"""

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.signals import user_locked_out
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_KEY = "login-failures:address:{}"


def address_failures(address: str | None) -> int:
    """Failed logins from this address within the cool-off time."""
    return cache.get(_KEY.format(address), 0) if address else 0


def _count_failure(address: str) -> int:
    key = _KEY.format(address)
    timeout = int(settings.AXES_COOLOFF_TIME.total_seconds())
    # Not atomic on every cache backend: a burst may count a few failures short.
    cache.add(key, 0, timeout)
    count = cache.incr(key)
    cache.touch(key, timeout)  # the lock lasts the cool-off time after the last failure
    return count


class AddressLimitHandler(AxesDatabaseHandler):
    """axes' database handler, also locking an address after too many failed logins."""

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return bool(
            settings.AXES_LOCK_OUT_AT_FAILURE
            and address_failures(request.axes_ip_address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
        )

    def user_login_failed(
        self, sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        # A failure during the lock extends it, unless axes is told not to (as axes does).
        refused = request is not None and bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or not request.axes_ip_address:
            return
        if refused and not settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT:
            return
        if self.is_whitelisted(request, credentials):
            return
        failures = _count_failure(request.axes_ip_address)
        if (
            settings.AXES_LOCK_OUT_AT_FAILURE
            and failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
            and not request.axes_locked_out
        ):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )
