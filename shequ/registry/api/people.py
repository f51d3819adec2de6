"""The API of persons: the list and one person, registration, corrections, history and the
unmasked identity number.

Identity numbers are masked for every role (340*************34); the whole number is an
explicit ``POST …/reveal/`` with a purpose, logged. What else the caller's role may see is
decided by the viewset and passed to the serializer's context: ``full_birth`` (whole birth
dates, for roles that may reveal numbers; the others get ``birth_date`` null, the
``birth_year`` and the age reached this year) and ``view_health`` (contraception, else null).

A search by a whole identity number is a ``POST …/search/``, so that the number is never in
a URL (nor in the server's request log)."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from shequ.core.api import ConflictSerializer, ListPagination
from shequ.core.identifiers import mask_id_number
from shequ.org.models import SensitiveAccess
from shequ.org.roles import Action, can
from shequ.registry import selectors, services
from shequ.registry.api._common import API_CHANNEL, UidLookup, body_object
from shequ.registry.api.checks import PersonChecksMixin
from shequ.registry.api.families import PersonFamilyMixin
from shequ.registry.api.housing import new_home
from shequ.registry.api.person_serializers import (
    CHILDREN_LISTED,
    PersonCreateSerializer,
    PersonHistorySerializer,
    PersonSearchSerializer,
    PersonSerializer,
    PersonUpdateSerializer,
    RevealRequestSerializer,
    RevealResponseSerializer,
)
from shequ.registry.disclosure import birth_date_text, shows_birth_date
from shequ.registry.models import (
    Person,
)


class PersonOrdering(OrderingFilter):
    """``?ordering=name|-name|birth_date|registered_at``, ties broken by id for stable pages."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        return [*ordering, "id"] if ordering else ordering


def _sensitive_flags(user) -> dict[str, bool]:
    return {"full_birth": shows_birth_date(user), "view_health": can(user, Action.VIEW_HEALTH)}


def _log_person_reads(user, persons, flags: dict[str, bool]) -> None:
    """Log the health facts a response shows: one insert for the whole page (identity
    numbers are masked: revealing one is its own logged request)."""
    persons = list(persons)
    if not persons:
        return
    if flags["view_health"]:
        services.log_health_read(
            actor=user, persons=persons, channel=API_CHANNEL, purpose=SensitiveAccess.Purpose.API
        )


_HEALTH_FIELDS = {"contraception", "contraception_since"}


@extend_schema_view(
    list=extend_schema(
        description=(
            "在册人员（默认 status=active；status=all 含迁出、死亡、注销）。?search= 匹配身份证号"
            "开头（不足 18 位）、姓名、拼音首字母（张三 → zs）或全拼；按完整身份证号查找请用"
            " POST /api/v1/persons/search/（号码不进网址），?search= 给出完整号码时答 400。身份证号一律打码（完整号码经"
            " reveal 按目的查看并记录）；无权查看完整号码的角色只得到出生年份和年龄；显示的节育"
            "措施记入敏感信息查看记录。"
        )
    )
)
class PersonViewSet(PersonFamilyMixin, PersonChecksMixin, UidLookup, viewsets.GenericViewSet):
    """Persons of the registry in the caller's jurisdiction."""

    serializer_class = PersonSerializer
    filterset_class = selectors.PersonFilter
    filter_backends = [DjangoFilterBackend, PersonOrdering]
    pagination_class = ListPagination
    ordering_fields = ["name", "birth_date", "registered_at"]
    write_action = Action.EDIT_REGISTRY
    write_actions = {"reveal": Action.REVEAL_ID_NUMBER}
    post_reads = ("search",)

    def get_queryset(self):
        return selectors.persons_for_api(self.request.user).prefetch_related(CHILDREN_LISTED)

    def _person(self, uid) -> Person:
        return selectors.person_get(self.request.user, uid)

    def _show(self, persons, *, many: bool):
        """Serialize for the caller's role and log what is shown unmasked."""
        user = self.request.user
        flags = _sensitive_flags(user)
        _log_person_reads(user, persons if many else [persons], flags)
        return PersonSerializer(persons, many=many, context=flags).data

    def _page(self, persons, search: str | None, unit: str | None):
        """The page's persons, read as the person list page reads them."""
        persons, id_sources = selectors.listed_persons(persons, self.request.user, search, unit)
        self.paginator.id_sources = id_sources
        return self.paginate_queryset(persons)

    def list(self, request):
        params = request.query_params
        persons = self.filter_queryset(self.get_queryset())
        page = self._page(persons, params.get("search"), params.get("unit"))
        return self.get_paginated_response(self._show(page, many=True))

    def retrieve(self, request, id=None):
        return Response(self._show(self._person(id), many=False))

    @extend_schema(
        request=PersonSearchSerializer,
        responses=PersonSerializer(many=True),
        description=(
            "按完整身份证号查找（号码在请求体里，不进网址和服务器日志）；也接受姓名、拼音和"
            "号码开头。其余筛选条件（unit、status …）和 page 仍放在查询参数里：翻页时向 next "
            "的地址再次 POST 同样的请求体。"
        ),
    )
    @action(detail=False, methods=["post"])
    def search(self, request):
        body = PersonSearchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = request.query_params.copy()
        data.pop("sid", None)
        data["search"] = body.validated_data["search"]
        filterset = selectors.PersonFilter(
            data, queryset=self.get_queryset(), request=request, whole_id=True
        )
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        persons = PersonOrdering().filter_queryset(request, filterset.qs, self)
        page = self._page(persons, data["search"], data.get("unit"))
        return self.get_paginated_response(self._show(page, many=True))

    @extend_schema(request=PersonCreateSerializer, responses={201: PersonSerializer})
    def create(self, request):
        """人来登记: register a person in a household (the same validation as the form and the
        import); for a migrant this records the arrival."""
        data = PersonCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        household = (
            body_object(
                selectors.households_visible(request.user), request.user, values["household"]
            )
            if values.get("household")
            else new_home(request.user, values["new_home"])
        )
        person = services.person_register(
            actor=request.user,
            values=data.facts(),
            household=household,
            children=data.children_or_none(),
            reason=data.validated_data["reason"],
        )
        return Response(self._show(self._person(person.uid), many=False), status=201)

    @extend_schema(
        request=PersonUpdateSerializer, responses={200: PersonSerializer, 409: ConflictSerializer}
    )
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
            version=data.validated_data["version"],
        )
        return Response(self._show(self._person(id), many=False))

    @extend_schema(
        responses=PersonHistorySerializer(many=True),
        filters=False,
        description=(
            "每一次变更（最新在前）：谁、何时、原因和改动的字段（旧值/新值）。"
            "身份证号始终打码；出生日期对无权查看完整身份证号的角色只给年份；"
            "节育措施仅对可查看健康信息的角色显示，并记入查看记录。"
        ),
    )
    @action(detail=True, methods=["get"])
    def history(self, request, id=None):
        person = self._person(id)
        rows = self.paginate_queryset(selectors.person_history(person))
        changes = selectors.person_history_changes(person, rows)
        health = can(request.user, Action.VIEW_HEALTH)
        full_birth = shows_birth_date(request.user)
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
                elif field == "birth_date" and not full_birth:
                    old, new = (birth_date_text(v, full=False) or None for v in (old, new))
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
            services.log_health_read(
                actor=request.user,
                persons=[person],
                channel=API_CHANNEL,
                purpose=SensitiveAccess.Purpose.API,
                recorded_only=False,
            )
        return self.get_paginated_response(PersonHistorySerializer(entries, many=True).data)

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
            channel=API_CHANNEL,
        )
        return Response({"id_number": number})
