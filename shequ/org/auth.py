"""How a request proves who sent it: page sessions with an idle and an absolute limit, API
tokens kept only as a hash, and the second factor a session must pass when it is required.

The rules are described for people in docs/security.md ("Authentication").
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

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


class SessionTimeoutMiddleware:
    """Logs a page session out after SESSION_IDLE_MINUTES without a request, and after
    SESSION_COOKIE_AGE since it logged in whatever its activity (the session store alone
    would extend the age each time the session is saved)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now().timestamp()
        if request.user.is_authenticated:
            reason = _session_expired(request, now)
            if reason:
                logout(request)
                messages.info(request, reason)
            elif now - request.session.get(SESSION_SEEN, 0) >= SEEN_RESOLUTION:
                request.session[SESSION_SEEN] = now
        response = self.get_response(request)
        # A login during this request starts the clocks (login() gives a fresh session).
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and SESSION_STARTED not in request.session:
            request.session[SESSION_STARTED] = now
            request.session[SESSION_SEEN] = now
        return response
