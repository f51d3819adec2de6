"""The benefits API's viewsets (the resources are described in the package's docstring)."""

import datetime
import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from shequ.benefits import eligibility as eligibility_module
from shequ.benefits import selectors, services, tables
from shequ.benefits.api.serializers import (
    BankResultSerializer,
    BenefitListCreateSerializer,
    BenefitListSerializer,
    BenefitRowSerializer,
    ConfirmationCreateSerializer,
    ConfirmationSerializer,
    CountSerializer,
    EligibilitySerializer,
    NoteSerializer,
    PaymentResultSerializer,
    PaymentSerializer,
    ProblemsSerializer,
    ProgrammeSerializer,
    ResetReasonSerializer,
    RowAddSerializer,
    RowCorrectSerializer,
)
from shequ.benefits.models import PaymentState
from shequ.benefits.rules import Programme
from shequ.benefits.tasks import enqueue_compute
from shequ.core.api import UidLookup
from shequ.core.tabular import XLSX_CONTENT_TYPE
from shequ.org.models import OrgUnit
from shequ.org.roles import Action
from shequ.org.scoping import code_in_scope
from shequ.registry import selectors as registry_selectors
from shequ.registry.api._common import body_object


def _programme(key: str, code: str, on: datetime.date) -> dict:
    return {
        "id": key,
        "name": str(Programme(key).label),
        "division_code": code,
        "on": on,
        "rules": selectors.programme_rules(key, code, on),
    }


class ProgrammeViewSet(viewsets.ViewSet):
    """The programmes, each with the rule values in force at the caller's place (or
    ``?division_code=``) on ``?on=`` (default today): amounts and thresholds are rules as
    data, edited by city staff in ``settings``."""

    lookup_field = "id"
    lookup_value_regex = "[a-z_]+"
    serializer_class = ProgrammeSerializer

    def _place(self, request) -> tuple[str, datetime.date]:
        code = request.query_params.get("division_code") or (request.user.unit_id or "")
        if code and not code.isdigit():
            raise ValidationError({"division_code": [_("请填写数字区划代码。")]})
        try:
            on = (
                datetime.date.fromisoformat(request.query_params["on"])
                if request.query_params.get("on")
                else timezone.localdate()
            )
        except ValueError:
            raise ValidationError({"on": [_("日期格式应为 YYYY-MM-DD。")]}) from None
        return code, on

    @extend_schema(
        parameters=[
            OpenApiParameter("division_code", str, required=False),
            OpenApiParameter("on", datetime.date, required=False),
        ],
        responses={200: ProgrammeSerializer(many=True)},
    )
    def list(self, request):
        code, on = self._place(request)
        return Response(
            ProgrammeSerializer([_programme(k, code, on) for k in Programme.values], many=True).data
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("id", str, OpenApiParameter.PATH, enum=Programme.values),
            OpenApiParameter("division_code", str, required=False),
            OpenApiParameter("on", datetime.date, required=False),
        ],
        responses={200: ProgrammeSerializer},
    )
    def retrieve(self, request, id=None):
        if id not in Programme.values:
            raise NotFound
        code, on = self._place(request)
        return Response(ProgrammeSerializer(_programme(id, code, on)).data)


def _unit_of(request, code: str) -> OrgUnit:
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None or not code_in_scope(request.user, unit.code):
        raise NotFound(_("没有这个单位。"))
    return unit


class BenefitListViewSet(UidLookup, viewsets.GenericViewSet):
    """The year lists of the streets in the caller's jurisdiction (a community worker: their
    street's, to check their people's rows). Computing is a job: 202, then the list shows
    ``progress_done`` of ``progress_total``; confirming freezes it and makes the payments due."""

    serializer_class = BenefitListSerializer
    filterset_class = selectors.ListFilter
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.lists_visible(self.request.user).order_by("-year", "programme", "unit_id")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(BenefitListSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(BenefitListSerializer(selectors.list_get(request.user, id)).data)

    @extend_schema(request=BenefitListCreateSerializer, responses={202: BenefitListSerializer})
    def create(self, request):
        data = BenefitListCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        code = values.get("unit") or (request.user.unit_id or "")
        unit = _unit_of(request, code)
        benefit_list = services.benefit_list_start(
            actor=request.user, unit=unit, programme=values["programme"], year=values["year"]
        )
        enqueue_compute(benefit_list)
        benefit_list.refresh_from_db()
        return Response(BenefitListSerializer(benefit_list).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=ResetReasonSerializer, responses={200: BenefitListSerializer})
    @action(detail=True, methods=["post"])
    def reset(self, request, id=None):
        """重置 a list stuck in "computing" (its job died), with the reason: it becomes
        "failed" and may be computed again."""
        benefit_list = selectors.list_get(request.user, id)
        data = ResetReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.benefit_list_reset(
            actor=request.user, benefit_list=benefit_list, reason=data.validated_data["reason"]
        )
        return Response(BenefitListSerializer(benefit_list).data)

    @extend_schema(request=NoteSerializer, responses={200: CountSerializer})
    @action(detail=True, methods=["post"], url_path="check")
    def check_rows(self, request, id=None):
        """核对: the caller's rows of the list (their community's) are marked checked."""
        benefit_list = selectors.list_get(request.user, id)
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        count = services.rows_check(
            actor=request.user,
            benefit_list=benefit_list,
            rows=selectors.rows_visible(request.user),
            note=data.validated_data["note"],
        )
        return Response({"checked": count})

    @extend_schema(request=None, responses={200: BenefitListSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, id=None):
        """确认 (the street): frozen from now on; the payments become due."""
        benefit_list = selectors.list_get(request.user, id)
        services.benefit_list_confirm(actor=request.user, benefit_list=benefit_list)
        return Response(BenefitListSerializer(benefit_list).data)

    @extend_schema(request=None, responses={200: BenefitListSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, id=None):
        """公示 on /public/ with masked names."""
        benefit_list = selectors.list_get(request.user, id)
        services.benefit_list_publish(actor=request.user, benefit_list=benefit_list)
        return Response(BenefitListSerializer(benefit_list).data)

    @extend_schema(request=RowAddSerializer, responses={201: BenefitRowSerializer})
    @action(detail=True, methods=["post"], url_path="add-person")
    def add_person(self, request, id=None):
        """增补 after confirmation, with the reason: computed like the others, included."""
        benefit_list = selectors.list_get(request.user, id)
        data = RowAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        person = body_object(
            registry_selectors.persons_visible(request.user), request.user, values["person"]
        )
        row = services.row_add(
            actor=request.user,
            benefit_list=benefit_list,
            person=person,
            reason=values["reason"],
            amount=values.get("amount"),
        )
        return Response(BenefitRowSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={(200, XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(detail=True, methods=["post"], url_path="bank-export")
    def bank_export(self, request, id=None):
        """银行代发文件 of the due payments: whole identity numbers (a right of its own),
        every read logged."""
        benefit_list = selectors.list_get(request.user, id)
        rows = services.bank_rows(
            actor=request.user,
            benefit_list=benefit_list,
            payments=selectors.payments_visible(request.user).filter(state=PaymentState.DUE),
        )
        buffer = io.BytesIO()
        tables.bank_table().write(rows, buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="bank-{benefit_list.year}.xlsx"'
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=BankResultSerializer, responses={200: ProblemsSerializer})
    @action(detail=True, methods=["post"], url_path="bank-result")
    def bank_result(self, request, id=None):
        """The bank's answer: each payment paid, failed or returned (all or nothing)."""
        benefit_list = selectors.list_get(request.user, id)
        data = BankResultSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lines = data.validated_data["results"]
        problems = services.payments_import(
            actor=request.user, benefit_list=benefit_list, rows=lines
        )
        if problems:
            return Response(
                {"applied": 0, "problems": problems}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response({"applied": len(lines), "problems": []})

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", str, required=True),
            OpenApiParameter("year", int, required=True),
            OpenApiParameter("programme", str, required=True, enum=Programme.values),
            OpenApiParameter("person", str, required=False, description=_("人员 id：只答此人")),
        ],
        responses={200: EligibilitySerializer},
        filters=False,
    )
    @action(detail=False, methods=["get"])
    def eligibility(self, request):
        """Eligibility computed now from the registry (the same function the lists use): the
        counts of a unit, and with ``person`` that person's answer with every reason."""
        params = request.query_params
        programme = params.get("programme", "")
        try:
            year = int(params.get("year", ""))
        except ValueError:
            raise ValidationError({"year": [_("请填写年度。")]}) from None
        if programme not in Programme.values:
            raise ValidationError({"programme": [_("请选择项目。")]})
        unit = _unit_of(request, params.get("unit", ""))
        person_ids = None
        if params.get("person"):
            person = body_object(
                registry_selectors.persons_visible(request.user), request.user, params["person"]
            )
            person_ids = [person.pk]
        found = eligibility_module.eligibility(
            unit=unit, year=year, programme=programme, person_ids=person_ids
        )
        answers = []
        if person_ids:
            answers = [
                {
                    "person": params["person"],
                    "name": a.person["name"],
                    "outcome": a.result.outcome,
                    "category": a.result.category,
                    "amount": a.result.amount,
                    "reasons": a.result.reasons,
                }
                for a in found.answers
            ]
        body = {
            "programme": programme,
            "year": year,
            "unit": unit.code,
            "counts": found.counts(),
            "answers": answers,
        }
        return Response(EligibilitySerializer(body).data)


class BenefitRowViewSet(UidLookup, viewsets.GenericViewSet):
    """The rows of the lists, each person's rows scoped to their community: the outcome,
    the amount, the reason for each condition and the frozen facts. ``?benefit_list=``."""

    serializer_class = BenefitRowSerializer
    filterset_class = selectors.RowFilter
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.rows_visible(self.request.user).order_by("unit_code", "name", "id")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(BenefitRowSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(BenefitRowSerializer(selectors.row_get(request.user, id)).data)

    @extend_schema(request=NoteSerializer, responses={200: BenefitRowSerializer})
    @action(detail=True, methods=["post"], url_path="check")
    def check_row(self, request, id=None):
        """核对 one row."""
        row = selectors.row_get(request.user, id)
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.rows_check(
            actor=request.user,
            benefit_list=row.benefit_list,
            rows=selectors.rows_visible(request.user).filter(pk=row.pk),
            note=data.validated_data["note"],
        )
        row.refresh_from_db()
        return Response(BenefitRowSerializer(row).data)

    @extend_schema(request=RowCorrectSerializer, responses={200: BenefitRowSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, id=None):
        """更正 of a confirmed list, with the reason."""
        row = selectors.row_get(request.user, id)
        data = RowCorrectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.row_correct(
            actor=request.user,
            row=row,
            include=values["include"],
            reason=values["reason"],
            amount=values.get("amount"),
        )
        return Response(BenefitRowSerializer(row).data)


class PaymentViewSet(UidLookup, viewsets.GenericViewSet):
    """Payment records (per person and period) and the bank's answer for one."""

    serializer_class = PaymentSerializer
    filterset_class = selectors.PaymentFilter
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.payments_visible(self.request.user).order_by("period", "unit_code", "id")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(PaymentSerializer(page, many=True).data)

    def retrieve(self, request, id=None):
        return Response(PaymentSerializer(selectors.payment_get(request.user, id)).data)

    @extend_schema(request=PaymentResultSerializer, responses={200: PaymentSerializer})
    @action(detail=True, methods=["post"])
    def result(self, request, id=None):
        payment = selectors.payment_get(request.user, id)
        data = PaymentResultSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.payment_result(
            actor=request.user,
            payment=payment,
            state=values["state"],
            note=values["note"],
            on=values["on"],
        )
        return Response(PaymentSerializer(payment).data)


class ConfirmationViewSet(UidLookup, viewsets.GenericViewSet):
    """Declarations (承诺) and confirmations (核实) of facts the registry cannot hold; a
    new one for the same person and matter replaces the old (kept in its history)."""

    serializer_class = ConfirmationSerializer
    write_action = Action.EDIT_REGISTRY

    def get_queryset(self):
        return selectors.confirmations_visible(self.request.user).order_by("-recorded_at", "-id")

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ConfirmationSerializer(page, many=True).data)

    @extend_schema(request=ConfirmationCreateSerializer, responses={201: ConfirmationSerializer})
    def create(self, request):
        data = ConfirmationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        person = body_object(
            registry_selectors.persons_visible(request.user), request.user, values["person"]
        )
        row = services.confirmation_record(
            actor=request.user,
            person=person,
            key=values["key"],
            value=values["value"],
            note=values["note"],
        )
        return Response(ConfirmationSerializer(row).data, status=status.HTTP_201_CREATED)


def register_api(router) -> None:
    router.register("benefit-programmes", ProgrammeViewSet, basename="benefit-programme")
    router.register("benefits", BenefitListViewSet, basename="benefit")
    router.register("benefit-rows", BenefitRowViewSet, basename="benefit-row")
    router.register("benefit-payments", PaymentViewSet, basename="benefit-payment")
    router.register("benefit-confirmations", ConfirmationViewSet, basename="benefit-confirmation")
