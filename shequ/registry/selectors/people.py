"""Reads of people: the scoped person list, its search and filters (``PersonFilter``, the one
definition the page, its export and the API all use), one person and their household."""

import datetime
import functools
import operator
import re
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import (
    CharField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from shequ.core.identifiers import birth_date_range
from shequ.core.text import prefix_q
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Action, can
from shequ.org.scoping import (
    code_in_scope,
    get_in_scope_or_404,
    jurisdiction_prefixes,
    scoped,
    subtree_q,
)
from shequ.registry.disclosure import shows_birth_date
from shequ.registry.models import (
    Child,
    Contraception,
    Household,
    MaritalStatus,
    Person,
    PersonStatus,
    PopulationType,
    RegisteredHouseholdMember,
    Sex,
)
from shequ.registry.rules import (
    EIGHT_CLEAR,
    birth_date_bounds_for_age,
)
from shequ.registry.search_tokens import person_search_term
from shequ.registry.selectors._filters import StrictFilterSet
from shequ.registry.selectors.checks import overdue_q
from shequ.registry.selectors.places import unit_label

_FULL_ID = re.compile(r"\d{17}[\dX]")
_ID_PREFIX = re.compile(r"\d{4,17}X?")
_LATIN = re.compile(r"[a-z]+")


def person_search_q(term: str) -> Q:
    """Identity number (whole or its beginning), pinyin initials or full pinyin, or name.

    Every branch is an indexed range: 张三 → name ≥ 张三; zs → initials or pinyin ≥ zs.
    """
    term = (term or "").strip()
    if not term:
        return Q()
    upper = term.upper().replace(" ", "")
    if _FULL_ID.fullmatch(upper):
        return Q(id_number=upper)
    if _ID_PREFIX.fullmatch(upper):
        return id_prefix_q(upper)
    parts = _pinyin_parts(term)
    if parts:
        return functools.reduce(operator.or_, parts)
    return prefix_q("name", term)


def id_prefix_q(prefix: str) -> Q:
    """The persons whose identity number begins with ``prefix`` (4 to 17 characters).

    The number is stored encrypted; its first 14 characters are the area code (kept in
    clear, ``id_area``) and the birth date (``birth_date``, which the number must agree
    with): a beginning of up to 14 characters is a range of the index (area, birth date).
    The 15th to 17th characters (a serial number) are compared after decrypting the few
    numbers of that area and day (one small query more; such searches are posted, rare).
    """
    area, rest = prefix[:6], prefix[6:]
    if len(area) < 6:
        return prefix_q("id_area", area)
    dates = birth_date_range(rest[:8])
    if dates is None or (not rest[:8].isdigit() and rest[:8]):
        return Q(pk__in=[])
    q = Q(id_area=area, birth_date__range=dates)
    if len(prefix) <= 14:
        return q
    ids = [
        pk
        for pk, number in Person.objects.filter(q).values_list("pk", "id_number")
        if number and number.startswith(prefix)
    ]
    return Q(pk__in=ids)


def is_whole_id_number(term: str) -> bool:
    """Whether a search term is a whole identity number (which matches one person at most)."""
    return bool(_FULL_ID.fullmatch((term or "").strip().upper().replace(" ", "")))


# Characters of an identity number a URL may hold: the region and the birth date, which
# many people share. Longer beginnings narrow it to at most a thousand numbers, and 17
# characters fix the check character: those are searched as the whole number is.
ID_PREFIX_IN_URL_MAX = 14


def is_identifying_id_term(term: str) -> bool:
    """Whether a search term is an identity number, or so much of one, that it must not be
    in a URL (see ``search_tokens``)."""
    upper = (term or "").strip().upper().replace(" ", "")
    is_id = bool(_FULL_ID.fullmatch(upper) or _ID_PREFIX.fullmatch(upper))
    return is_id and len(upper) > ID_PREFIX_IN_URL_MAX


def _pinyin_parts(term: str) -> list[Q] | None:
    """A Latin search term as disjoint conditions: its initials match, or its full pinyin
    matches and its initials do not (None: not a pinyin term).

    One letter is the initials part alone: a name's pinyin and its initials begin with the
    same letter, so the second part is empty — and reading it for a common letter (z, l)
    walked a tenth of the city's pinyin index for nothing."""
    lower = (term or "").strip().lower().replace(" ", "")
    upper = lower.upper()
    if not _LATIN.fullmatch(lower) or _FULL_ID.fullmatch(upper) or _ID_PREFIX.fullmatch(upper):
        return None
    initials = prefix_q("name_initials", lower)
    if len(lower) == 1:
        return [initials]
    return [initials, prefix_q("name_pinyin", lower) & ~initials]


def person_id_sources(persons: QuerySet[Person], term: str | None) -> list[QuerySet] | None:
    """For a pinyin search, the list's rows as disjoint querysets (two; one for a single
    letter), each of which an index (person_initials_search, person_pinyin_search) answers
    without visiting the rows; ``ListPaginator`` reads the page's ids and the count from their union. None for
    other searches. A broad term (zs, ly: tens of thousands of people) took 0.2–0.5 s as
    one query, which had to fetch every match or walk the whole name index."""
    parts = _pinyin_parts(term or "")
    return [persons.filter(part) for part in parts] if parts else None


def current_relation() -> Coalesce:
    """与户主关系 as the person's 户口簿 says (the one place it is kept): the relation of the
    current membership, blank on none. One index probe a person (reg_member_one_current)."""
    # At most one (reg_member_one_current): no order to sort by.
    member = RegisteredHouseholdMember.objects.filter(
        person=OuterRef("pk"), left_on__isnull=True
    ).order_by()
    return Coalesce(Subquery(member.values("relation")[:1]), Value(""), output_field=CharField())


def persons_visible(user: User) -> QuerySet[Person]:
    return scoped(
        Person.objects.select_related("unit", "household__building", "hukou_division"), user
    )


def persons_for_api(user: User) -> QuerySet[Person]:
    """``persons_visible`` with what the API's rows show: no building (the pages name it;
    the API gives the household's id), 50 fewer objects a page."""
    persons = Person.objects.select_related("unit", "household", "hukou_division")
    return scoped(persons.annotate(current_relation=current_relation()), user)


def person_get(user: User, uid: UUID | str) -> Person:
    return get_in_scope_or_404(
        Person.objects.select_related(
            "unit",
            "household__building",
            "hukou_division",
            "flow_out_division",
            "household__landlord",
        ).annotate(current_relation=current_relation()),
        user,
        uid=uid,
    )


# The person list's ?sort= keys (a leading "-" reverses them); the export keeps the sort.
PERSON_SORTS = {
    "name": ("name", "id"),
    "birth_date": ("birth_date", "id"),
    "registered": ("registered_at", "id"),
}


# A community's prefix (12 digits; a grid's has 14): a unit this small holds a few thousand
# people of a city of a million.
NARROW_SCOPE_PREFIX = 12


def narrow_scope(user: User, unit: str | None) -> bool:
    """Whether the persons listed lie within one community or smaller: the user's whole
    jurisdiction, or the ``?unit=`` filter."""
    prefixes = jurisdiction_prefixes(user)
    if prefixes and all(len(prefix) >= NARROW_SCOPE_PREFIX for prefix in prefixes):
        return True
    unit = (unit or "").strip()
    return bool(unit) and len(OrgUnit.prefix_for(unit)) >= NARROW_SCOPE_PREFIX


# An identity number's first ten characters (region and birth year) match a few thousand
# people of a city of a million: fewer than a community.
NARROW_ID_PREFIX = 10


def _narrow_search(search: str | None) -> bool:
    upper = (search or "").strip().upper().replace(" ", "")
    return bool(_ID_PREFIX.fullmatch(upper)) and len(upper) >= NARROW_ID_PREFIX


def listed_persons(
    persons: QuerySet[Person], user: User, search: str | None, unit: str | None
) -> tuple[QuerySet[Person], list[QuerySet] | None]:
    """The person list's one read path (the page and the API): the filtered persons in the
    order each search is fastest read in, and for a pinyin search its parts
    (``person_id_sources``) for ``ListPaginator``."""
    id_sources = person_id_sources(persons, search)
    if id_sources is not None:  # a pinyin search's parts have their own order
        return persons, id_sources
    return scope_first(persons, user, unit, search), None


def scope_first(
    persons: QuerySet[Person], user: User, unit: str | None = None, search: str | None = None
) -> QuerySet[Person]:
    """For a list within one community or smaller (the user's jurisdiction, or ``unit``, the
    ``?unit=`` filter), or a search by ten or more characters of an identity number: the
    same order, its leading name key written as an expression no index serves. PostgreSQL then reads the scope's rows by their unit and sorts them (~0.6 ms
    for a community of 2,200 in a city of 1,000,000). Any other list is returned as it is.

    Left to choose, it walked the city's name index and skipped everyone outside the scope
    for one community in six, as the statistics fell (20-33 ms: ~22,000 rows for 50): its
    cost model counts the walk's random row visits as cached and discounts the unit index's
    correlation because the index has several columns. A district is large enough for the
    walk to pay, and keeps it. A city officer's search by "3406031985" walked 15,000 names
    for 50 matches (58 ms); read by the number's index and sorted it takes 3.
    """
    order = list(persons.query.order_by or persons.model._meta.ordering or ())
    if (
        not order
        or not isinstance(order[0], str)
        or order[0].lstrip("-") != "name"
        or not (narrow_scope(user, unit) or _narrow_search(search))
    ):
        return persons
    # || '' changes neither the value nor its collation, so neither the order.
    name = Concat(F("name"), Value(""), output_field=CharField())
    first = name.desc() if order[0].startswith("-") else name.asc()
    return persons.order_by(first, *order[1:])


def person_order(sort: str | None) -> list[str] | None:
    """The order of ``?sort=`` (name, -birth_date …), or None for an unknown key."""
    key = (sort or "").lstrip("-")
    if key not in PERSON_SORTS:
        return None
    sign = "-" if (sort or "").startswith("-") else ""
    return [sign + field for field in PERSON_SORTS[key]]


AGE_BANDS = {
    "0-14": (0, 14),
    "15-49": (15, 49),
    "50-59": (50, 59),
    "60-": (60, 150),
}


WHOLE_ID_IN_URL = format_lazy(
    _(
        "身份证号超过 {} 位（或完整号码）不能放在网址里：请在人员列表的查找框中输入，"
        "接口请用 POST /api/v1/persons/search/。"
    ),
    ID_PREFIX_IN_URL_MAX,
)


class _SearchTokenField(forms.CharField):
    """``?sid=``: a token for a search by a whole identity number (``search_tokens``),
    cleaned into the number it stands for, for the user the filter set was made for."""

    user: User | None = None

    def clean(self, value: Any) -> str:
        token = super().clean(value)
        if not token:
            return ""
        term = person_search_term(self.user, token)
        if term is None:
            raise ValidationError(
                _("这次按身份证号的查找已过期，请在查找框中重新输入号码。"), code="expired"
            )
        return term


class _SearchTokenFilter(django_filters.CharFilter):
    field_class = _SearchTokenField


class PersonFilter(StrictFilterSet):
    """Search and filters of the person list (page, export and API).

    ``?search=`` takes names, pinyin and the beginning of an identity number; a whole
    number (or more than its first 14 characters) never comes in a URL: the page posts it
    and lists by ``?sid=`` (a token), the API takes it in the body of
    ``POST persons/search/`` (``whole_id=True``)."""

    search = django_filters.CharFilter(method="filter_search", label=_("身份证号/姓名/拼音"))
    sid = _SearchTokenFilter(method="filter_search", label=_("按身份证号查找"))
    unit = django_filters.CharFilter(method="filter_unit", label=_("单位代码（含下级）"))
    status = django_filters.ChoiceFilter(
        choices=[*PersonStatus.choices, ("all", _("全部"))],
        method="filter_status",
        label=_("状态"),
        empty_label=None,
    )
    population_type = django_filters.ChoiceFilter(
        choices=PopulationType.choices, label=_("人口类型")
    )
    sex = django_filters.ChoiceFilter(choices=Sex.choices, label=_("性别"))
    age = django_filters.ChoiceFilter(
        choices=[(k, format_lazy("{}{}", k.replace("-", "–"), _("岁"))) for k in AGE_BANDS],
        method="filter_age",
        label=_("年龄段"),
    )
    marital_status = django_filters.ChoiceFilter(choices=MaritalStatus.choices, label=_("婚姻状况"))
    contraception = django_filters.ChoiceFilter(
        choices=[
            ("any", _("采取任何避孕措施")),
            *Contraception.choices,
            ("unprotected", _("未落实（未采取措施或未登记）")),
            ("unknown", _("未登记")),
        ],
        method="filter_contraception",
        label=_("节育措施"),
    )
    eight_clear = django_filters.ChoiceFilter(
        choices=[("complete", _("齐全")), ("incomplete", _("有缺项"))],
        method="filter_eight_clear",
        label=_("八个清楚"),
    )
    overdue = django_filters.ChoiceFilter(
        choices=[("monthly", _("本月未查")), ("quarterly", _("本季度未核对"))],
        method="filter_overdue",
        label=_("核查"),
    )
    household = django_filters.UUIDFilter(
        field_name="household__uid",
        label=_("户"),
        error_messages={"invalid": _("户的编号格式不对：应为户页面链接中的编号（UUID）。")},
    )
    building = django_filters.UUIDFilter(
        field_name="household__building__uid",
        label=_("楼栋"),
        error_messages={"invalid": _("楼栋的编号格式不对：应为楼栋页面链接中的编号（UUID）。")},
    )
    hukou = django_filters.CharFilter(method="filter_hukou", label=_("户籍地代码"))

    class Meta:
        model = Person
        fields = [
            "search",
            "sid",
            "unit",
            "status",
            "population_type",
            "sex",
            "age",
            "marital_status",
        ]

    def __init__(
        self,
        data: QueryDict | dict[str, Any] | None = None,
        *args: Any,
        whole_id: bool = False,
        **kwargs: Any,
    ) -> None:
        data = data.copy() if data is not None else {}
        if not data.get("status"):
            data["status"] = PersonStatus.ACTIVE
        super().__init__(data, *args, **kwargs)
        user = getattr(self.request, "user", None)
        if user is None or not can(user, Action.VIEW_HEALTH):
            self.filters.pop("contraception")
        self.form.fields["sid"].user = user
        if not whole_id:
            self.form.fields["search"].validators.append(_not_a_whole_id_number)

    @property
    def today(self) -> datetime.date:
        return timezone.localdate()

    def filter_search(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return queryset.filter(person_search_q(value))

    def filter_unit(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return queryset.filter(subtree_q("unit_id", value.strip()))

    def filter_status(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return queryset if value == "all" else queryset.filter(status=value)

    def filter_age(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        low, high = AGE_BANDS[value]
        if not shows_birth_date(getattr(self.request, "user", None)):
            # By the age reached this year, as these roles are shown it: by exact ages, the
            # day someone left a band would be their birthday.
            year = self.today.year
            return queryset.filter(
                birth_date__gte=datetime.date(year - high, 1, 1),
                birth_date__lte=datetime.date(year - low, 12, 31),
            )
        earliest, latest = birth_date_bounds_for_age(self.today, low, high)
        return queryset.filter(birth_date__gte=earliest, birth_date__lte=latest)

    def filter_contraception(
        self, queryset: QuerySet[Person], name: str, value: str
    ) -> QuerySet[Person]:
        if value == "unknown":
            return queryset.filter(contraception="")
        # Stored encrypted: the methods are compared after decrypting the recorded ones of
        # the (scoped, filtered) rows, one query; the list then reads its page by id.
        recorded = queryset.exclude(contraception="").order_by().values_list("pk", "contraception")
        if value == "any":
            return queryset.filter(pk__in=[pk for pk, m in recorded if m != Contraception.NONE])
        if value == "unprotected":
            none = [pk for pk, m in recorded if m == Contraception.NONE]
            return queryset.filter(Q(contraception="") | Q(pk__in=none))
        return queryset.filter(pk__in=[pk for pk, m in recorded if m == value])

    def filter_eight_clear(
        self, queryset: QuerySet[Person], name: str, value: str
    ) -> QuerySet[Person]:
        migrants = queryset.filter(
            population_type__in=[PopulationType.INFLOW, PopulationType.OUTFLOW]
        )
        if value == "complete":
            return migrants.filter(eight_clear_missing="")
        return migrants.exclude(eight_clear_missing="")

    def filter_overdue(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return queryset.filter(overdue_q(value, self.today))

    def filter_hukou(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        return queryset.filter(subtree_q("hukou_division_id", value.strip()))


def _not_a_whole_id_number(value: str) -> None:
    if is_identifying_id_term(value):
        raise ValidationError(WHOLE_ID_IN_URL, code="whole_id_in_url")


INACTIVE_HINT_CAP = 100  # the list says "100+" past this: the hint need not be exact


def persons_inactive_matching(
    user: User,
    data: QueryDict | dict[str, Any],
    *,
    request: HttpRequest | None = None,
    cap: int = INACTIVE_HINT_CAP,
) -> int:
    """How many people no longer in the register (迁出、死亡、注销) the list's search and
    filters would find with 状态=全部, counted up to ``cap`` + 1 (one LIMITed query)."""
    data = data.copy()
    data["status"] = "all"
    filterset = PersonFilter(data, queryset=scoped(Person.objects.all(), user), request=request)
    if filterset.problems():
        return 0
    inactive = filterset.qs.exclude(status=PersonStatus.ACTIVE).order_by().values("pk")
    return inactive[: cap + 1].count()


def eight_clear_labels(missing: str) -> list[str]:
    return [str(EIGHT_CLEAR[key]) for key in missing.split(",") if key in EIGHT_CLEAR]


def persons_listed(user: User) -> QuerySet[Person]:
    """The persons of the list page: the grid's community names the grid (every community
    has a 第1网格)."""
    return persons_visible(user).select_related("unit__parent")


def housemates(person: Person) -> list[Person]:
    """The other active people of the person's home."""
    if not person.household_id:
        return []
    return list(household_members(person).exclude(pk=person.pk))


def household_members(person_or_household: Person | Household) -> QuerySet[Person]:
    household_id = getattr(person_or_household, "household_id", None) or person_or_household.pk
    return Person.objects.filter(household_id=household_id, status=PersonStatus.ACTIVE).order_by(
        "birth_date", "id"
    )


def id_number_registration(
    user: User, number: str, *, exclude: UUID | str | None = None
) -> dict[str, Any] | None:
    """Who holds an identity number in the city, as far as the user may learn it: inside the
    jurisdiction the record (name, status, unit); outside only that the number is taken,
    never where or in which state (市内迁入 checks the name on the card before it says more).
    None when the number is free (``exclude``: the uid of the record being edited)."""
    # A Mapping: django-stubs types unit_id (the unit's code) as an int.
    existing: Mapping[str, Any] | None = (
        Person.objects.filter(id_number=number)
        .exclude(uid=exclude)  # type: ignore[misc]  # uid=None excludes nobody
        .values("uid", "name", "status", "unit_id")
        .first()
    )
    if existing is None:
        return None
    if not code_in_scope(user, existing["unit_id"]):
        return {"in_scope": False, "can_transfer": True}
    status = existing["status"]
    return {
        "uid": existing["uid"],
        "name": existing["name"],
        "in_scope": True,
        "status": status,
        "status_label": PersonStatus(status).label,
        "active": status == PersonStatus.ACTIVE,
        "unit": unit_label(existing["unit_id"]),
        "can_transfer": status in (PersonStatus.DEPARTED, PersonStatus.CANCELLED),
    }


def persons_by_uid(user: User, uids: Iterable[UUID | str]) -> list[Person]:
    """The persons of these uids in the user's jurisdiction (others are left out)."""
    return list(persons_visible(user).filter(uid__in=uids))


def person_children(person: Person) -> list[Child]:
    """The person's children, in their order."""
    return list(person.children.select_related("person"))
