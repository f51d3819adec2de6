"""Middleware of the project's own."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreForUsersMiddleware:
    """Every answer to a logged-in user may carry personal data: no browser cache, proxy or
    shared computer may keep a copy of it (``Cache-Control: no-store``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Read after the view: an API token is authenticated by the view, which sets the user.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
