"""Registry REST API: divisions (reference), buildings, households, persons and flows.

Viewsets stay thin: parse the body, find the objects it names through the jurisdiction (an
id outside answers 404 like a missing one, also inside a body), call the service, answer
with the object. Writes need EDIT_REGISTRY (checked by ``IsStaffMember`` before any lookup);
nothing is deleted through the API.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from shequ.core.api import ListPagination, ReasonSerializer
from shequ.core.identifiers import mask_id_number
from shequ.core.text import prefix_q
from shequ.org.audit import SensitiveTarget, audit_sensitive_read
from shequ.org.models import Division, OrgUnit, SensitiveAccess
from shequ.org.roles import Action, can
from shequ.org.scoping import get_in_scope_or_404
from shequ.registry import selectors, services
from shequ.registry.models import Person
from shequ.registry.serializers import (
    BuildingCreateSerializer,
    BuildingSerializer,
    BuildingUpdateSerializer,
    CheckCreateSerializer,
    CheckSerializer,
    DivisionSerializer,
    FlowCreateSerializer,
    FlowKind,
    FlowSerializer,
    HouseholdCreateSerializer,
    HouseholdSerializer,
    HouseholdUpdateSerializer,
    PersonCreateSerializer,
    PersonHistorySerializer,
    PersonSerializer,
    PersonUpdateSerializer,
    RevealRequestSerializer,
    RevealResponseSerializer,
)

_UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_API = SensitiveAccess.Channel.API


class _UidLookup:
    """Objects are addressed by their public uid, named ``id`` in URLs and JSON."""

    lookup_field = "uid"
    lookup_url_kwarg = "id"
    lookup_value_regex = _UUID


def _body_object(queryset, user, uid):
    """An object named by id in a request body: 404 when missing or outside the jurisdiction."""
    return get_in_scope_or_404(queryset, user, uid=uid)


# --- Divisions (reference data for the 户籍地 picker) ----------------------------------------


class DivisionFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent_id", label=_("上级区划代码"))
    search = django_filters.CharFilter(method="filter_search", label=_("名称（包含）或代码前缀"))

    class Meta:
        model = Division
        fields = ["parent", "level", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if value.isdigit():
            return queryset.filter(prefix_q("code", value))
        return queryset.filter(name__contains=value)


class DivisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """National statistical divisions (统计用区划代码): province, city, county and the towns and
    villages of this city. ``?parent=CODE`` lists the children of a division."""

    serializer_class = DivisionSerializer
    filterset_class = DivisionFilter
    lookup_field = "code"
    lookup_value_regex = r"\d{12}"
    queryset = Division.objects.order_by("code")


# --- Housing -----------------------------------------------------------------------------


class BuildingViewSet(_UidLookup, viewsets.GenericViewSet):
    """Buildings and courtyards (楼栋/院落) in the caller's jurisdiction, with their counts."""

    serializer_class = BuildingSerializer
    filterset_class = selectors.BuildingFilter
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.buildings_with_counts(self.request.user).order_by("unit_id", "name", "id")

    def _answer(self, building, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=building.pk)
        return Response(BuildingSerializer(fresh).data, status=code)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(BuildingSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(BuildingSerializer(self.get_object()).data)

    @extend_schema(request=BuildingCreateSerializer, responses={201: BuildingSerializer})
    def create(self, request):
        data = BuildingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        unit = get_in_scope_or_404(OrgUnit.objects.all(), request.user, code=values.pop("unit"))
        building = services.building_create(actor=request.user, unit=unit, **values)
        return self._answer(building, status.HTTP_201_CREATED)

    @extend_schema(request=BuildingUpdateSerializer, responses=BuildingSerializer)
    def partial_update(self, request, id=None):
        building = selectors.building_get(request.user, id)
        data = BuildingUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        unit = building.unit
        if "unit" in values:
            unit = get_in_scope_or_404(OrgUnit.objects.all(), request.user, code=values["unit"])
        building = services.building_update(
            actor=request.user,
            building=building,
            name=values.get("name", building.name),
            address=values.get("address", building.address),
            kind=values.get("kind", building.kind),
            unit=unit,
            reason=values["reason"],
        )
        return self._answer(building)

    @extend_schema(request=ReasonSerializer, responses=BuildingSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, id=None):
        """Take a building out of use (refused while people live in it)."""
        building = selectors.building_get(request.user, id)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        building = services.building_close(
            actor=request.user, building=building, reason=data.validated_data["reason"]
        )
        return self._answer(building)


_RENT_FIELDS = ("is_rented", "landlord", "landlord_name", "landlord_phone", "rented_since")


class HouseholdViewSet(_UidLookup, viewsets.GenericViewSet):
    """Homes (户) with their landlord when rented and the number of people living there."""

    serializer_class = HouseholdSerializer
    filterset_class = selectors.HouseholdFilter
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.households_with_counts(self.request.user).order_by(
            "building__name", "number", "id"
        )

    def _answer(self, household, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=household.pk)
        return Response(HouseholdSerializer(fresh).data, status=code)

    def _rent(self, values, household=None) -> dict:
        """The rent fields sent, the others kept from the home; a landlord id becomes a person."""
        rent = {
            key: values[key] if key in values else getattr(household, key, None)
            for key in _RENT_FIELDS
        }
        if "landlord" in values and values["landlord"] is not None:
            rent["landlord"] = _body_object(
                selectors.persons_visible(self.request.user), self.request.user, values["landlord"]
            )
        return rent

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(HouseholdSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(HouseholdSerializer(self.get_object()).data)

    @extend_schema(request=HouseholdCreateSerializer, responses={201: HouseholdSerializer})
    def create(self, request):
        data = HouseholdCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        building = selectors.building_get(request.user, values["building"])
        household = services.household_create(
            actor=request.user, building=building, number=values["number"], **self._rent(values)
        )
        return self._answer(household, status.HTTP_201_CREATED)

    @extend_schema(request=HouseholdUpdateSerializer, responses=HouseholdSerializer)
    def partial_update(self, request, id=None):
        household = selectors.household_get(request.user, id)
        data = HouseholdUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        household = services.household_update(
            actor=request.user,
            household=household,
            number=values.get("number", household.number),
            reason=values["reason"],
            **self._rent(values, household),
        )
        return self._answer(household)


# --- People ------------------------------------------------------------------------------


class PersonOrdering(OrderingFilter):
    """``?ordering=name|-name|birth_date|registered_at``, ties broken by id for stable pages."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        return [*ordering, "id"] if ordering else ordering


def _sensitive_flags(user) -> dict[str, bool]:
    return {
        "reveal_id_number": can(user, Action.REVEAL_ID_NUMBER),
        "view_health": can(user, Action.VIEW_HEALTH),
    }


def _log_person_reads(user, persons, flags: dict[str, bool]) -> None:
    """Log what a response shows unmasked: one insert per kind of data for the whole page."""
    persons = list(persons)
    if not persons:
        return
    if flags["reveal_id_number"]:
        audit_sensitive_read(
            actor=user,
            targets=[
                SensitiveTarget("registry.person", str(p.uid), services.person_label(p), p.unit_id)
                for p in persons
            ],
            fields=["id_number"],
            purpose=SensitiveAccess.Purpose.API,
            channel=_API,
        )
    if flags["view_health"]:
        services.log_health_read(
            actor=user, persons=persons, channel=_API, purpose=SensitiveAccess.Purpose.API
        )


_HEALTH_FIELDS = {"contraception", "contraception_since"}


@extend_schema_view(
    list=extend_schema(
        description=(
            "在册人员（默认 status=active；status=all 含迁出、死亡、注销）。?search= 匹配身份证号"
            "（全号或前缀）、姓名、拼音首字母（张三 → zs）或全拼。身份证号按角色打码；未打码的"
            "号码和显示的节育措施均记入敏感信息查看记录。"
        )
    )
)
class PersonViewSet(_UidLookup, viewsets.GenericViewSet):
    """Persons of the registry in the caller's jurisdiction."""

    serializer_class = PersonSerializer
    filterset_class = selectors.PersonFilter
    filter_backends = [DjangoFilterBackend, PersonOrdering]
    pagination_class = ListPagination
    ordering_fields = ["name", "birth_date", "registered_at"]
    write_action = Action.EDIT_REGISTRY
    write_actions = {"reveal": Action.REVEAL_ID_NUMBER}

    def get_queryset(self):
        return selectors.persons_visible(self.request.user).prefetch_related("children")

    def _person(self, uid) -> Person:
        return selectors.person_get(self.request.user, uid)

    def _show(self, persons, *, many: bool):
        """Serialize for the caller's role and log what is shown unmasked."""
        user = self.request.user
        flags = _sensitive_flags(user)
        _log_person_reads(user, persons if many else [persons], flags)
        return PersonSerializer(persons, many=many, context=flags).data

    def list(self, request):
        persons = selectors.scope_first(
            self.filter_queryset(self.get_queryset()),
            request.user,
            request.query_params.get("unit"),
        )
        page = self.paginate_queryset(persons)
        return self.get_paginated_response(self._show(page, many=True))

    def retrieve(self, request, id=None):
        return Response(self._show(self._person(id), many=False))

    @extend_schema(request=PersonCreateSerializer, responses={201: PersonSerializer})
    def create(self, request):
        """人来登记: register a person in a household (the same validation as the form and the
        import); for a migrant this records the arrival."""
        data = PersonCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        household = _body_object(
            selectors.households_visible(request.user),
            request.user,
            data.validated_data["household"],
        )
        person = services.person_register(
            actor=request.user,
            values=data.facts(),
            household=household,
            children=data.children_or_none(),
            reason=data.validated_data["reason"],
        )
        return Response(self._show(self._person(person.uid), many=False), status=201)

    @extend_schema(request=PersonUpdateSerializer, responses=PersonSerializer)
    def partial_update(self, request, id=None):
        """Correct or complete a person's facts; ``reason`` is required and kept in the history.
        ``children``, when sent, replaces the list."""
        person = self._person(id)
        data = PersonUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.person_update(
            actor=request.user,
            person=person,
            values=data.facts(),
            children=data.children_or_none(),
            reason=data.validated_data["reason"],
        )
        return Response(self._show(self._person(id), many=False))

    @extend_schema(
        responses=PersonHistorySerializer(many=True),
        filters=False,
        description=(
            "每一次变更（最新在前）：谁、何时、原因和改动的字段（旧值/新值）。"
            "身份证号始终打码；节育措施仅对可查看健康信息的角色显示，并记入查看记录。"
        ),
    )
    @action(detail=True, methods=["get"])
    def history(self, request, id=None):
        person = self._person(id)
        rows = self.paginate_queryset(selectors.person_history(person))
        changes = selectors.person_history_changes(person, rows)
        health = can(request.user, Action.VIEW_HEALTH)
        entries, health_shown = [], False
        for row, changed in zip(rows, changes, strict=True):
            shown = []
            for field, (old, new) in changed.items():
                if field in _HEALTH_FIELDS:
                    if not health:
                        continue
                    health_shown = True
                if field == "id_number":
                    old, new = mask_id_number(old) or None, mask_id_number(new) or None
                shown.append({"field": field, "old": old, "new": new})
            entries.append(
                {
                    "history_date": row.history_date,
                    "history_user": row.history_user.username if row.history_user else None,
                    "history_type": row.history_type,
                    "history_change_reason": row.history_change_reason,
                    "changes": shown,
                }
            )
        if health_shown:
            audit_sensitive_read(
                actor=request.user,
                targets=[
                    SensitiveTarget(
                        "registry.person",
                        str(person.uid),
                        services.person_label(person),
                        person.unit_id,
                    )
                ],
                fields=["contraception"],
                purpose=SensitiveAccess.Purpose.API,
                channel=_API,
            )
        return self.get_paginated_response(PersonHistorySerializer(entries, many=True).data)

    @extend_schema(request=CheckCreateSerializer, responses={201: CheckSerializer})
    @action(detail=True, methods=["post"])
    def checks(self, request, id=None):
        """Record a 每月一查 or 季度核对 of this person."""
        person = self._person(id)
        data = CheckCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.checks_record(actor=request.user, persons=[person], **data.validated_data)
        check = person.checks.select_related("actor", "person").order_by("-id").first()
        return Response(CheckSerializer(check).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RevealRequestSerializer, responses=RevealResponseSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request, id=None):
        """The full identity number, for a role that may see it; the read is logged."""
        person = self._person(id)
        data = RevealRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        number = services.person_reveal_id_number(
            actor=request.user,
            person=person,
            purpose=data.validated_data["purpose"],
            channel=_API,
        )
        return Response({"id_number": number})


# --- Flows ---------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=FlowCreateSerializer,
        responses={201: FlowSerializer},
        description=(
            "记录一次人口流动：move（辖区内换住址，需 household）、transfer_in（在别处登记的人员"
            "迁入，需 id_number、name（身份证上的姓名，须与记录相符）和 household）、"
            "departure（迁出注销，需 division（本市以外），可填 address；去向不明时改填 "
            "destination_unknown: true，不填 division）、"
            "death、cancellation、outflow（外出登记，需 division）、return（返回登记）。"
            "人来登记请用 POST /api/v1/persons/。"
        ),
    )
)
class FlowViewSet(_UidLookup, viewsets.GenericViewSet):
    """Arrivals, moves, departures, deaths and cancellations in the caller's jurisdiction."""

    serializer_class = FlowSerializer
    filterset_class = selectors.FlowFilter
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.flows_visible(self.request.user).order_by("-date", "-id")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(FlowSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(FlowSerializer(self.get_object()).data)

    def create(self, request):
        data = FlowCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user, kind = request.user, values["kind"]
        person = self._person(values["person"]) if values.get("person") else None
        household = (
            _body_object(selectors.households_visible(user), user, values["household"])
            if values.get("household")
            else None
        )
        common = {"actor": user, "date": values.get("date"), "reason": values["reason"]}
        if kind == FlowKind.TRANSFER_IN:
            # Named by id the record is already in the caller's jurisdiction: nothing to prove.
            by_number = bool(values.get("id_number"))
            person = services.person_transfer_in(
                id_number=values["id_number"] if by_number else person.id_number,
                name=values.get("name", "") if by_number else person.name,
                household=household,
                **common,
            )
        elif kind == FlowKind.MOVE:
            services.person_move(person=person, household=household, **common)
        elif kind == FlowKind.DEPARTURE:
            services.person_depart(
                person=person,
                division=values.get("division") or None,
                address=values["address"],
                destination_unknown=values["destination_unknown"],
                **common,
            )
        elif kind == FlowKind.DEATH:
            services.person_record_death(person=person, **common)
        elif kind == FlowKind.CANCELLATION:
            services.person_cancel(person=person, **common)
        elif kind == FlowKind.OUTFLOW:
            services.person_register_outflow(
                person=person,
                division=values.get("division") or "",
                address=values["address"],
                **common,
            )
        elif kind == FlowKind.RETURN:
            services.person_return(person=person, **common)
        else:  # pragma: no cover — the serializer admits only the kinds above
            raise ValidationError({"kind": [_("未知的流动类型。")]})
        flow = self.get_queryset().filter(person=person).order_by("-id").first()
        return Response(FlowSerializer(flow).data, status=status.HTTP_201_CREATED)

    def _person(self, uid) -> Person:
        return _body_object(selectors.persons_visible(self.request.user), self.request.user, uid)
