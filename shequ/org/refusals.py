"""Refused authorisations in the audit log: every 403 answered to a signed-in user, and every
404 answered for a record that exists outside the user's jurisdiction.

The 404s come from the two places that decide "outside = missing": ``get_in_scope_or_404``
(which raises ``OutsideJurisdiction``) and the API viewsets' own lookups in their scoped
querysets (checked here when they answer 404). The answer itself stays the same as for a
missing record; only the log knows the difference.
"""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse

from shequ.core.api import exception_handler as core_exception_handler
from shequ.core.web import client_ip
from shequ.org.audit import audit_denied, audit_hidden
from shequ.org.scoping import OutsideJurisdiction


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _log_outside(request, exc: OutsideJurisdiction) -> None:
    if _signed_in(request):
        audit_hidden(
            actor=request.user,
            target_type=exc.target_type,
            target_id=exc.target_id,
            ip=client_ip(request),
        )


class RefusalMiddleware:
    """Logs the pages' refusals: 403 answers and ``OutsideJurisdiction`` raised by a view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403 and _signed_in(request):
            audit_denied(
                actor=request.user,
                path=request.path[:100],
                method=request.method or "",
                ip=client_ip(request),
            )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, OutsideJurisdiction):
            _log_outside(request, exception)


def _outside_lookup(view) -> OutsideJurisdiction | None:
    """For a 404 of a viewset's own object lookup: does the object exist out of scope?"""
    lookup_field = getattr(view, "lookup_field", None)
    if not lookup_field:
        return None
    value = view.kwargs.get(getattr(view, "lookup_url_kwarg", None) or lookup_field)
    if value is None:
        return None
    try:
        visible = view.get_queryset()
        model = visible.model
        if not hasattr(model, "scope_field"):
            return None
        lookup = {lookup_field: value}
        if (
            model._default_manager.filter(**lookup).exists()
            and not visible.filter(**lookup).exists()
        ):
            return OutsideJurisdiction(model._meta.label_lower, str(value))
    except (ValueError, TypeError, ValidationError):
        return None
    return None


def api_exception_handler(exc, context):
    """The API's error answers (``core.api``), logging the 404s for records out of scope."""
    if isinstance(exc, Http404):
        request = context.get("request")
        outside = exc if isinstance(exc, OutsideJurisdiction) else None
        if outside is None and context.get("view") is not None:
            outside = _outside_lookup(context["view"])
        if outside is not None and request is not None:
            _log_outside(request._request if hasattr(request, "_request") else request, outside)
    return core_exception_handler(exc, context)
