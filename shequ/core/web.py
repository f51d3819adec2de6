"""What every page uses: access decorators, pagination, sorting and file downloads."""

import io
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.tabular import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, Table
from shequ.org.roles import Action, can


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client, as seen by the outermost proxy we trust.

    Behind nginx every request comes from the proxy's address, so login throttling would lock
    a user name for everyone and the audit log would name the proxy. nginx appends the address
    it saw to ``X-Forwarded-For``; with ``TRUSTED_PROXIES`` proxies in front, the client is that
    many entries from the right. Entries further left are written by the client and not trusted.
    """
    trusted = settings.TRUSTED_PROXIES
    if trusted:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= trusted:
            return forwarded[-trusted]
    return request.META.get("REMOTE_ADDR") or None


def is_staff_member(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.unit_id and user.role))
    )


def staff_required(view: Callable) -> Callable:
    """Logged-in staff with a unit and a role; others go to the login page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(request.user):
            raise PermissionDenied(_("您的账号没有分配单位和角色，请联系管理员。"))
        return view(request, *args, **kwargs)

    return wrapper


def action_required(action: Action) -> Callable:
    """Staff whose role allows ``action``; others get 403."""

    def decorator(view: Callable) -> Callable:
        @staff_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not can(request.user, action):
                raise PermissionDenied(_("您的角色不能执行此操作。"))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def paginate(request: HttpRequest, queryset: QuerySet | list, per_page: int = 50) -> Page:
    try:
        size = min(max(int(request.GET.get("page_size", per_page)), 10), 200)
    except ValueError:
        size = per_page
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def sort_by(
    request: HttpRequest,
    queryset: QuerySet,
    allowed: dict[str, str | tuple[str, ...]],
    default: str,
) -> tuple[QuerySet, str]:
    """Order by ``?sort=key`` or ``?sort=-key`` among the allowed keys; returns the key used."""
    requested = request.GET.get("sort") or default
    key = requested.lstrip("-")
    if key not in allowed:
        requested, key = default, default.lstrip("-")
    fields = allowed[key]
    fields = (fields,) if isinstance(fields, str) else fields
    descending = requested.startswith("-")
    return queryset.order_by(*[("-" + f if descending else f) for f in fields]), requested


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string minus some parameters (for sort and page links)."""
    params = [(k, v) for k, values in request.GET.lists() for v in values if k not in names]
    return urlencode(params)


def download(
    table: Table, rows: Iterable[dict[str, Any]], *, basename: str, fmt: str = "xlsx"
) -> HttpResponse:
    """A file response with the rows written by the table's own columns."""
    buffer = io.BytesIO()
    table.write(rows, buffer, fmt)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    extension = "csv" if fmt == "csv" else "xlsx"
    response = HttpResponse(
        buffer.getvalue(), content_type=CSV_CONTENT_TYPE if fmt == "csv" else XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{basename}-{stamp}.{extension}"'
    return response
