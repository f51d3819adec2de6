"""What every page uses: the client's address, pagination, sorting and file downloads.

Who may open a page (``staff_required``, ``action_required``) is org's: org/permissions.py."""

import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from shequ.core.tabular import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, Table


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


_LARGEST_OFFSET = 2**63 - 1
COUNT_CAP = 10_000  # a long list counts this far; past it the page says "10,000+"


class ListPaginator(Paginator):
    """Pages of a long, ordered queryset: the page's ids first, and a count that stops.

    - The page's primary keys are read first, from the filtered and ordered table alone (an
      index can answer that without visiting the rows), then only those rows with their
      joins. Paginating the joined queryset made the database fetch and join rows before
      it could filter and sort them.
    - A page with fewer rows than a page is the last one: its position is the count, so a
      search that fits in one page runs no COUNT at all.
    - Otherwise the count stops at ``cap`` (``None``: exact): ``capped`` then says there are
      more, the list shows "10,000+", and pages up to the cap can be reached (sort the other
      way or narrow the search for the rest). An exact COUNT of a district or of a broad
      search reads hundreds of thousands of rows on every page view.
    """

    cap: int | None = COUNT_CAP
    # Pages past the cap: refused (a page says "narrow the search"), or read on (an API
    # client walking ``next`` through everything; deep pages cost their OFFSET).
    past_cap = False
    object_list: QuerySet

    def __init__(
        self,
        object_list: QuerySet,
        per_page: int,
        *,
        id_sources: list[QuerySet] | None = None,
        **kwargs: Any,
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.capped = False
        # Disjoint parts whose union is ``object_list``, each of which an index can answer
        # alone: the ids and the count are then read from their UNION ALL.
        self.id_sources = id_sources

    def _ids(self, *, ordered: bool = True) -> QuerySet:
        """The ids, in the list's order: (sort keys…, pk) rows when read from the parts."""
        if not self.id_sources:
            ids = self.object_list.values_list("pk", flat=True)
            return ids if ordered else ids.order_by()
        order = list(self.object_list.query.order_by or self.object_list.model._meta.ordering)
        keys = [name.lstrip("-") for name in order] if ordered else []
        first, *rest = [part.order_by().values_list(*keys, "pk") for part in self.id_sources]
        union = first.union(*rest, all=True)
        return union.order_by(*order) if ordered else union

    @cached_property
    def count(self) -> int:
        ids = self._ids(ordered=False)
        if self.cap is None:
            return ids.count()
        found = ids[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)

    def get_page(self, number: Any) -> Page:
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)

    def page(self, number: Any) -> Page:
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(_("页码不是整数。")) from None
        if number < 1:
            raise EmptyPage(_("页码小于 1。"))
        bottom = (number - 1) * self.per_page
        # The databases take a 64-bit OFFSET: a larger one is their error (a 500), not a
        # page past the end.
        if bottom > _LARGEST_OFFSET:
            raise EmptyPage(_("页码超出范围。"))
        if self.cap is not None and not self.past_cap and number > 1 and bottom >= self.cap:
            raise EmptyPage(_("页码超出范围。"))
        ids = list(self._ids()[bottom : bottom + self.per_page + 1])
        if self.id_sources:
            ids = [row[-1] for row in ids]
        if len(ids) <= self.per_page and (ids or number == 1):
            self.__dict__["count"] = bottom + len(ids)  # the last page: the count is known
        elif not ids:
            raise EmptyPage(_("该页没有内容。"))
        more = len(ids) > self.per_page  # the row after the page was read: it has a next
        ids = ids[: self.per_page]
        rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=ids)}
        page = ListPage([rows[pk] for pk in ids if pk in rows], number, self)
        page.more = more
        return page


class ListPage(Page):
    """A ``ListPaginator``'s page: whether a next page exists is known from the row read past
    it, not from the count (which may have stopped at the cap)."""

    more = False
    paginator: ListPaginator

    def has_next(self) -> bool:
        return self.more and (self.paginator.past_cap or self.number < self.paginator.num_pages)

    def next_page_number(self) -> int:
        if not self.has_next():
            raise EmptyPage(_("该页没有内容。"))
        return self.number + 1

    def previous_page_number(self) -> int:
        # Past the cap the page before may lie past the counted pages too: it exists.
        if not self.has_previous():
            raise EmptyPage(_("页码小于 1。"))
        return self.number - 1


def paginate(
    request: HttpRequest,
    queryset: QuerySet | list,
    per_page: int = 50,
    *,
    paginator_class: type[Paginator] = Paginator,
) -> Page:
    try:
        size = min(max(int(request.GET.get("page_size", per_page)), 10), 200)
    except ValueError:
        size = per_page
    return paginator_class(queryset, size).get_page(request.GET.get("page"))


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
