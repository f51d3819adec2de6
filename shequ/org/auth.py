"""How a request proves who sent it: page sessions with an idle and an absolute limit, API
tokens kept only as a hash, and the second factor a session must pass when it is required.

The rules are described for people in docs/security.md ("Authentication").
"""

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from shequ.org.audit import audit_change
from shequ.org.models import ApiToken, User
from shequ.org.otp import otp_enrolled, second_factor_pending

# Session keys: when this session logged in, and when it last sent a request (Unix seconds).
SESSION_STARTED = "shequ_auth_started"
SESSION_SEEN = "shequ_auth_seen"
# The last-seen time is written at most this often, so that a page does not cost a session
# write on every request; the idle limit is thus exact to within this many seconds.
SEEN_RESOLUTION = 60


def _session_expired(request: HttpRequest, now: float) -> str:
    """Why this logged-in session has ended, or "" while it is still valid."""
    session = request.session
    started = session.get(SESSION_STARTED)
    seen = session.get(SESSION_SEEN)
    if started is not None and now - started > settings.SESSION_COOKIE_AGE:
        hours = settings.SESSION_COOKIE_AGE // 3600
        return _("登录已超过 %(hours)d 小时，请重新登录。") % {"hours": hours}
    if seen is not None and now - seen > settings.SESSION_IDLE_MINUTES * 60:
        return _("%(minutes)d 分钟未操作，已自动退出，请重新登录。") % {
            "minutes": settings.SESSION_IDLE_MINUTES
        }
    return ""


def session_started(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """At login (the ``user_logged_in`` signal): the session's clocks start now."""
    if request is not None and hasattr(request, "session"):
        now = timezone.now().timestamp()
        request.session[SESSION_STARTED] = now
        request.session[SESSION_SEEN] = now


class SessionTimeoutMiddleware:
    """Logs a page session out after SESSION_IDLE_MINUTES without a request, and after
    SESSION_COOKIE_AGE since it logged in whatever its activity (the session store alone
    would extend the age each time the session is saved)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            reason = _session_expired(request, now)
            if reason:
                logout(request)
                messages.info(request, reason)
            elif now - request.session.get(SESSION_SEEN, 0) >= SEEN_RESOLUTION:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)


class UnitModelBackend(ModelBackend):
    """Django's password backend, loading a session's user with their unit in one query:
    every page asks for the unit (the jurisdiction, the menu), and a separate read of it cost
    every page request a query."""

    def get_user(self, user_id):
        try:
            user = User.objects.select_related("unit").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


# --- API tokens ---------------------------------------------------------------------------

# A token's last use is written at most this often (one UPDATE, not one per API call).
LAST_USED_RESOLUTION = timedelta(minutes=5)


def hash_key(key: str) -> str:
    """The stored form of a token key. A key has 160 random bits, so a plain SHA-256 cannot
    be reversed by guessing; a slow password hash would only slow every API call."""
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user: User) -> str:
    """Create a token for the user and answer its key, which is never stored nor shown again.
    The user's expired tokens are deleted on the way."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires__lte=now).delete()
    key = secrets.token_hex(20)
    ApiToken.objects.create(
        user=user,
        key_hash=hash_key(key),
        expires=now + timedelta(hours=settings.API_TOKEN_HOURS),
    )
    return key


def api_token_revoke(*, token: ApiToken) -> None:
    """End one token (its owner logs it out)."""
    ApiToken.objects.filter(pk=token.pk).delete()


def api_tokens_revoke(*, user: User, actor: User | None, reason: str) -> int:
    """End every token of the user (logout, password change or reset, deactivation); the
    change log says who did it and why when there was any. Call inside the change's
    transaction so that the tokens end with it."""
    count, _deleted = ApiToken.objects.filter(user=user).delete()
    if count:
        audit_change(
            actor=actor,
            action="api_token.revoke",
            target=user,
            unit_code=user.unit_id or "",
            label=user.username,
            reason=reason,
            changes={"tokens": [count, 0]},
        )
    return count


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``: one indexed lookup of the key's hash, joined to its
    user, and only while the token has not expired."""

    def authenticate_credentials(self, key: str):
        now = timezone.now()
        try:
            token = ApiToken.objects.select_related("user__unit").get(
                key_hash=hash_key(key), expires__gt=now
            )
        except ApiToken.DoesNotExist:
            raise AuthenticationFailed(_("令牌无效或已过期，请重新获取。")) from None
        if not token.user.is_active:
            raise AuthenticationFailed(_("令牌无效或已过期，请重新获取。"))
        if token.last_used is None or now - token.last_used >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        return token.user, token


# --- The second factor of a page session -----------------------------------------------------

# The pages a session may open before it has passed its second factor.
BEFORE_SECOND_FACTOR = {"otp_verify", "otp_setup", "logout", "set_language", "healthz"}


def second_factor_url(user: User, next_url: str) -> str:
    """Where a session goes to pass its second factor: the code, or the enrolment first."""
    name = "otp_verify" if otp_enrolled(user) else "otp_setup"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


class SecondFactorMiddleware:
    """A page session whose user must pass a second factor (OTP_REQUIRED) reaches nothing but
    the code and enrolment pages until it has. The API refuses such a session by itself
    (VerifiedSessionAuthentication); an API token is only issued with the code."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/") or not second_factor_pending(request):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in BEFORE_SECOND_FACTOR:
            return None
        next_url = request.get_full_path() if request.method == "GET" else reverse("home")
        return redirect(second_factor_url(cast(User, request.user), next_url))  # logged in


class VerifiedSessionAuthentication(SessionAuthentication):
    """A browser session for the API, once it has passed the second factor it needs."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and second_factor_pending(request._request):
            raise AuthenticationFailed(_("须先在登录页完成两步验证。"))
        return result


class VerifiedSessionScheme(SessionScheme):
    """The OpenAPI schema describes it as the cookie session it is."""

    target_class = "shequ.org.auth.VerifiedSessionAuthentication"
