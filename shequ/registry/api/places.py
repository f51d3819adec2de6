"""The API of both places and of the unit figures.

``outflow``: the registration place's people living elsewhere (户在人不在), read-only — the
same rows as the page (``outflow_rows``). ``unit-figures``: per child unit of a unit, the
registry's counts with the checks' figures (八个清楚 completeness, migrants not checked this
month, pending departures); ``unit-figures/completeness/`` the checks' figures alone;
``unit-figures/origins/``: migrants by registration place (数量清楚).
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shequ.core.api import ListPagination
from shequ.org.models import OrgUnit
from shequ.org.scoping import get_in_scope_or_404, scoped
from shequ.registry import selectors
from shequ.registry.api._common import UidLookup
from shequ.registry.outflow_rows import outflow_row
from shequ.registry.unit_figures import registry_check_figures, registry_unit_figures


class OutflowSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uid")
    name = serializers.CharField()
    sex = serializers.CharField()
    id_number = serializers.CharField(help_text="打码的公民身份号码")
    age = serializers.IntegerField(allow_null=True)
    hukou_code = serializers.CharField()
    hukou = serializers.CharField()
    hukou_address = serializers.CharField()
    residence_code = serializers.CharField()
    residence = serializers.CharField()
    residence_address = serializers.CharField()
    population_type = serializers.CharField()
    phone = serializers.CharField(help_text="打码的联系电话")
    last_monthly_check = serializers.DateField(allow_null=True)


class OutflowViewSet(UidLookup, viewsets.GenericViewSet):
    """流出人口 of the caller's jurisdiction as registration place (户在人不在): registered here,
    living elsewhere in the deployment, by 户籍地, residence and name. Read-only: the residence
    manages them."""

    serializer_class = OutflowSerializer
    filterset_class = selectors.OutflowFilter
    pagination_class = ListPagination  # the page's ids (and the count) from an index alone

    def get_queryset(self):
        return selectors.outflow_ordered(selectors.outflow_persons(self.request.user))

    def _rows(self, persons):
        today, user = timezone.localdate(), self.request.user
        return [outflow_row(p, user, today) for p in persons]

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(OutflowSerializer(self._rows(page), many=True).data)

    def retrieve(self, request, id=None):
        person = selectors.outflow_person_get(request.user, id)
        return Response(OutflowSerializer(self._rows([person])[0]).data)


class UnitFiguresSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    own = serializers.BooleanField(help_text="true：所问的单位本身（合计）")
    figures = serializers.DictField(child=serializers.IntegerField())


class OriginSerializer(serializers.Serializer):
    county = serializers.CharField(help_text="户籍地县级区划代码（6位）")
    name = serializers.CharField()
    count = serializers.IntegerField()


UNIT_PARAMETER = OpenApiParameter(
    "unit", str, description="单位代码（默认为本人所在单位）", required=False
)


class UnitFiguresViewSet(viewsets.GenericViewSet):
    """The registry's figures of a unit and of each unit directly below it."""

    serializer_class = UnitFiguresSerializer
    pagination_class = None
    queryset = OrgUnit.objects.none()  # for the schema only: the rows are built per unit

    def _unit(self, request) -> OrgUnit:
        code = (request.query_params.get("unit") or request.user.unit_id or "").strip()
        return get_in_scope_or_404(OrgUnit.objects.all(), request.user, code=code)

    def _rows(self, request, providers) -> list[dict]:
        unit = self._unit(request)
        children = scoped(
            OrgUnit.objects.filter(parent=unit, is_active=True),
            request.user,
            "code",
            personal=False,
        ).order_by("code")
        units = [unit, *children]
        figures = [f for provider in providers for f in provider(request.user, unit, units)]
        return [
            {
                "code": u.code,
                "name": u.name,
                "own": u.pk == unit.pk,
                "figures": {f.key: f.of(u) for f in figures},
            }
            for u in units
        ]

    @extend_schema(parameters=[UNIT_PARAMETER], responses=UnitFiguresSerializer(many=True))
    def list(self, request):
        """Every figure of the registry: persons, inflow, homes, buildings, 八个清楚齐全率 (%),
        migrants not checked this month, pending departures."""
        rows = self._rows(request, [registry_unit_figures, registry_check_figures])
        return Response(UnitFiguresSerializer(rows, many=True).data)

    @extend_schema(parameters=[UNIT_PARAMETER], responses=UnitFiguresSerializer(many=True))
    @action(detail=False, methods=["get"])
    def completeness(self, request):
        """The checks' figures only (八个清楚齐全率, 本月未查, 待注销): read from indexes alone."""
        rows = self._rows(request, [registry_check_figures])
        return Response(UnitFiguresSerializer(rows, many=True).data)

    @extend_schema(parameters=[UNIT_PARAMETER], responses=OriginSerializer(many=True))
    @action(detail=False, methods=["get"])
    def origins(self, request):
        """数量清楚: the unit's migrants (流入) by the county of their registration place."""
        unit = self._unit(request)
        rows = selectors.migrants_by_registration_place(request.user, unit.code)
        return Response(
            OriginSerializer(
                [{"county": c, "name": n, "count": k} for c, n, k in rows], many=True
            ).data
        )
