"""What every API module uses: pagination, the error format, the reason field."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from shequ.core.versions import EditConflict
from shequ.core.web import ListPaginator

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


class ExactListPaginator(ListPaginator):
    cap = None  # an API client pages through everything: its count must be exact


class ListPagination(Pagination):
    """For long lists: the page's ids first, then its rows (``ListPaginator``); the count
    stays exact."""

    django_paginator_class = ExactListPaginator


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
