"""What the registry's person pages share: HTMX requests, ids from the query string, the
services' errors on the form, and the home chosen or typed on a form."""

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from shequ.core.forms import add_service_errors
from shequ.registry import services
from shequ.registry.models import (
    Household,
)

# Errors of ``household_create`` name its own field; on our forms it is ``new_household``.
HOUSEHOLD_ERRORS = {"number": "new_household"}


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def service_errors(form, exc: ValidationError, rename: dict[str, str] | None = None) -> list[str]:
    """Put a service's errors on the form's fields; returns the errors about the children."""
    if not hasattr(exc, "error_dict"):
        add_service_errors(form, exc)
        return []
    children_errors: list[str] = []
    mapped: dict[str, list[str]] = {}
    for name, messages_ in exc.message_dict.items():
        if name == "children":
            children_errors.extend(messages_)
            continue
        mapped.setdefault((rename or {}).get(name, name), []).extend(messages_)
    if mapped:
        add_service_errors(form, ValidationError(mapped))
    return children_errors


def home_from(data: dict[str, Any]) -> "Household | services.NewHome":
    """The household chosen on a form, or the new one typed there (registered by the service,
    in the same transaction as the person's write)."""
    household = data.get("household")
    if household is not None:
        return household
    return services.NewHome(building=data["building"], number=data["new_household"])
