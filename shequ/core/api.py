"""What every API module uses: pagination, the error format, the reason field."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.fields import SkipField
from rest_framework.pagination import PageNumberPagination
from rest_framework.relations import PKOnlyObject
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from shequ.core.versions import EditConflict
from shequ.core.web import COUNT_CAP, ListPaginator

# The routes' ids: UUIDs, so that a malformed one is the API's 404, never a server error.
UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class UidLookup:
    """Objects are addressed by their public uid, named ``id`` in URLs and JSON."""

    lookup_field = "uid"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ApiListPaginator(ListPaginator):
    past_cap = True  # an API client pages on through ``next``, past the counted rows too


class ListPagination(Pagination):
    """Long lists as the pages read them (``ListPaginator``): the page's ids, then its rows;
    ``count`` stops at ``COUNT_CAP`` (``count_capped`` is then true: there are more), and
    ``next`` is given while rows follow, past the cap too. An exact COUNT of a city's
    records read them all on every page."""

    # Disjoint parts of the list an index answers each (``ListPaginator``), set by the view.
    id_sources: list[QuerySet] | None = None

    def django_paginator_class(self, queryset: QuerySet, per_page: int) -> ApiListPaginator:  # type: ignore[override]
        return ApiListPaginator(queryset, per_page, id_sources=self.id_sources)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data = {
            "count": response.data["count"],
            "count_capped": getattr(getattr(self.page, "paginator", None), "capped", False),
            **{key: value for key, value in response.data.items() if key != "count"},
        }
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"true: more than {COUNT_CAP} rows, count is {COUNT_CAP}; follow next.",
        }
        answer["required"] = [*answer.get("required", []), "count_capped"]
        return answer


class ListRowSerializer(serializers.ModelSerializer):
    """A model serializer for list rows: its plain fields (one attribute that is a column of
    the model) are read with ``getattr``, without DRF's generic attribute walk; the others
    (methods, nested, dotted sources, relations) as DRF reads them. The plan is made once
    a serializer (for ``many=True``, once a page). DRF's walk and its field generator were
    half the serializer's time for a page of 50 persons."""

    def _plan(self) -> list[tuple[str, serializers.Field, str | None]]:
        plan = self.__dict__.get("_row_plan")
        if plan is None:
            model: Any = self.Meta.model
            columns = {f.attname for f in model._meta.concrete_fields}
            plan = [
                (
                    field.field_name,
                    field,
                    field.source_attrs[0]
                    if len(field.source_attrs) == 1
                    and field.source_attrs[0] in columns
                    and not isinstance(
                        field,
                        (
                            serializers.SerializerMethodField,
                            serializers.BaseSerializer,
                            serializers.RelatedField,
                        ),
                    )
                    else None,
                )
                for field in self._readable_fields
            ]
            self.__dict__["_row_plan"] = plan
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name, field, column in self._plan():
            if column is not None:
                value = getattr(instance, column)
                row[name] = None if value is None else field.to_representation(value)
                continue
            try:
                value = field.get_attribute(instance)
            except SkipField:
                continue
            empty = value.pk if isinstance(value, PKOnlyObject) else value
            row[name] = None if empty is None else field.to_representation(value)
        return row


def validation_error_body(exc: DjangoValidationError) -> dict:
    """A service's ValidationError in the contract's shape: {"field": [..]} or {"detail": ".."}."""
    if hasattr(exc, "error_dict"):
        body: dict[str, Any] = {field: messages for field, messages in exc.message_dict.items()}
        if "__all__" in body:
            body["detail"] = " ".join(body.pop("__all__"))
        return body
    return {"detail": " ".join(exc.messages)}


def exception_handler(exc, context):
    if isinstance(exc, EditConflict):
        body = {"detail": str(exc), "current_version": exc.current_version}
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        # DRF would pass on Django's "No OrgUnit matches the given query.": English, and it
        # names the model. Every 404 says the same, whatever was asked for.
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


def edit_version() -> serializers.IntegerField:
    """The ``version`` an edit (PATCH) was based on, as the record's representation gave it."""
    return serializers.IntegerField(
        min_value=1,
        help_text=gettext_lazy(
            "所依据的记录版本（读取时的 version）；记录已被他人修改时答 409 并给出当前版本。"
        ),
    )


class ConflictSerializer(serializers.Serializer):
    """The answer to an edit based on a version that is no longer current (409)."""

    detail = serializers.CharField()
    current_version = serializers.IntegerField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, help_text=gettext_lazy("变更原因，记入历史。"), trim_whitespace=True
    )
