"""Every read of the desk, scoped to the user's jurisdiction (org/scoping.py)."""

import datetime
from uuid import UUID

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import has_transition_perm

from shequ.core.text import prefix_q
from shequ.desk import rules
from shequ.desk.models import (
    Application,
    ApplicationState,
    BirthRegistration,
    BirthStage,
    Channel,
    Disclosure,
    DisclosureCategory,
    Document,
    DocumentKind,
    DocumentStatus,
)
from shequ.org.models import User
from shequ.org.scoping import get_in_scope_or_404, scoped, subtree_q
from shequ.registry.models import Child
from shequ.registry.selectors import StrictFilterSet

OPEN_STATES = (ApplicationState.APPLIED, ApplicationState.ACCEPTED, ApplicationState.REVIEWED)


def applications_visible(user: User) -> QuerySet[Application]:
    return scoped(
        Application.objects.select_related("person", "unit", "document", "applied_by"), user
    )


def application_get(user: User, uid: UUID | str) -> Application:
    return get_in_scope_or_404(
        Application.objects.select_related(
            "person", "unit", "document", "applied_by", "accepted_by", "decided_by"
        ),
        user,
        uid=uid,
    )


def overdue_q(today: datetime.date) -> Q:
    """Open applications past the promised date (承诺时限)."""
    return Q(state__in=OPEN_STATES, due_on__lt=today)


class ApplicationFilter(StrictFilterSet):
    state = django_filters.ChoiceFilter(choices=ApplicationState.choices, label=_("状态"))
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices, label=_("事项"))
    unit = django_filters.CharFilter(method="filter_unit", label=_("单位代码（含下级）"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已超期"))
    search = django_filters.CharFilter(method="filter_search", label=_("姓名"))

    class Meta:
        model = Application
        fields = ["state", "kind", "unit", "overdue", "search"]

    def filter_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(subtree_q("unit_id", value.strip()))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        condition = overdue_q(timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(prefix_q("person__name", value)) if value else queryset


def application_counts(user: User) -> dict[str, int]:
    """Open and overdue applications in the jurisdiction (the list's heading, the home card)."""
    visible = applications_visible(user)
    return {
        "open": visible.filter(state__in=OPEN_STATES).count(),
        "overdue": visible.filter(overdue_q(timezone.localdate())).count(),
    }


def application_steps(application: Application, user: User) -> list[str]:
    """The steps this user may make on the application now (the page's buttons)."""
    return [
        step
        for step in ("accept", "review", "issue", "refuse")
        if has_transition_perm(getattr(application, step), user)
    ]


def documents_visible(user: User) -> QuerySet[Document]:
    return scoped(Document.objects.select_related("person", "unit", "replaced_by"), user)


def document_get(user: User, uid: UUID | str) -> Document:
    return get_in_scope_or_404(
        Document.objects.select_related("person", "unit", "issuer", "replaced_by", "issued_by"),
        user,
        uid=uid,
    )


class DocumentFilter(StrictFilterSet):
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices, label=_("文书种类"))
    status = django_filters.ChoiceFilter(choices=DocumentStatus.choices, label=_("状态"))
    year = django_filters.NumberFilter(field_name="year", label=_("年度"))
    search = django_filters.CharFilter(method="filter_search", label=_("文号或姓名"))

    class Meta:
        model = Document
        fields = ["kind", "status", "year", "search"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(prefix_q("holder_name", value) | Q(number__contains=value))


def document_public_state(document: Document) -> str:
    return rules.verification_state(document.status, document.valid_until, timezone.localdate())


def birth_registrations_visible(user: User) -> QuerySet[BirthRegistration]:
    return scoped(
        BirthRegistration.objects.select_related("person", "unit", "child", "registered_by"), user
    )


def birth_registration_get(user: User, uid: UUID | str) -> BirthRegistration:
    return get_in_scope_or_404(
        BirthRegistration.objects.select_related("person", "unit", "child", "registered_by"),
        user,
        uid=uid,
    )


def birth_registration_by_receipt(code: str) -> BirthRegistration | None:
    """The registration a receipt code names (public: the resident's own receipt)."""
    if not 16 <= len(code) <= 32:
        return None
    return (
        BirthRegistration.objects.select_related("person", "unit").filter(receipt_code=code).first()
    )


def birth_children(registration: BirthRegistration) -> QuerySet[Child]:
    """The registrant's children not linked to a registration yet (after the birth)."""
    person_id = registration.person_id
    return Child.objects.filter(
        Q(parent_id=person_id) | Q(mother_id=person_id) | Q(father_id=person_id)
    ).order_by("-birth_date", "-id")


class BirthRegistrationFilter(StrictFilterSet):
    stage = django_filters.ChoiceFilter(choices=BirthStage.choices, label=_("登记时点"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("渠道"))
    linked = django_filters.BooleanFilter(
        field_name="child", lookup_expr="isnull", exclude=True, label=_("已关联子女")
    )
    since = django_filters.DateFilter(
        field_name="registered_at", lookup_expr="date__gte", label=_("自")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("姓名"))

    class Meta:
        model = BirthRegistration
        fields = ["stage", "channel", "linked", "since", "search"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(prefix_q("person__name", value)) if value else queryset


def children_of(person_id: int) -> list[Child]:
    """Every child recorded on the person, as mother, father or the listing parent."""
    return list(
        Child.objects.filter(
            Q(parent_id=person_id) | Q(mother_id=person_id) | Q(father_id=person_id)
        ).order_by("birth_date", "id")
    )


def disclosures_visible(user: User) -> QuerySet[Disclosure]:
    return scoped(Disclosure.objects.select_related("unit"), user)


def disclosure_get(user: User, uid: UUID | str) -> Disclosure:
    return get_in_scope_or_404(Disclosure.objects.select_related("unit"), user, uid=uid)


def disclosures_public(today: datetime.date) -> QuerySet[Disclosure]:
    """What ``/public/`` shows: published (on or before today) and not withdrawn."""
    return Disclosure.objects.filter(withdrawn=False, published_on__lte=today).select_related(
        "unit"
    )


class DisclosureFilter(StrictFilterSet):
    category = django_filters.ChoiceFilter(choices=DisclosureCategory.choices, label=_("类别"))
    withdrawn = django_filters.BooleanFilter(label=_("已撤下"))
    search = django_filters.CharFilter(field_name="title", lookup_expr="contains", label=_("标题"))

    class Meta:
        model = Disclosure
        fields = ["category", "withdrawn", "search"]
