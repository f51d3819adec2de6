"""Reads of the rulebook: ``value`` (the one way any app reads a rule) and the lists."""

import datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.db.models.functions import Length
from django.http import Http404
from django.utils.translation import gettext as _

from shequ.org.models import User
from shequ.org.scoping import jurisdiction_prefixes, prefixes_q
from shequ.rulebook.models import Setting

# The significant lengths of a division code: province, city, district, street, community,
# grid (docs/architecture.md "Jurisdiction by code prefix").
PREFIX_LENGTHS = (2, 4, 6, 9, 12, 14)


class RuleMissing(ValidationError, LookupError):
    """No value of the setting applies to the place and day asked for. A ValidationError,
    so that a page shows it on its form and the API answers 400 with the message."""

    def __init__(self, programme: str, key: str, division_code: str, on: datetime.date):
        self.programme, self.key, self.division_code, self.on = programme, key, division_code, on
        super().__init__(
            _(
                "规则设置缺失：%(programme)s.%(key)s 在 %(code)s 于 %(on)s 没有有效值，"
                "请市级工作人员在“规则设置”中补充。"
            )
            % {"programme": programme, "key": key, "code": division_code or "*", "on": on}
        )


def region_prefixes(division_code: str) -> list[str]:
    """The prefixes a setting may be keyed by that contain ``division_code``: "" (everywhere)
    and its province, city, district, street, community and grid parts."""
    code = division_code or ""
    found = [""]
    for length in PREFIX_LENGTHS:
        if len(code) >= length:
            found.append(code[:length])
    return found


def _applying(programme: str, key: str, division_code: str, on: datetime.date) -> QuerySet:
    return (
        Setting.objects.filter(
            programme=programme,
            key=key,
            region_prefix__in=region_prefixes(division_code),
            valid_from__lte=on,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by(Length("region_prefix").desc(), "-valid_from")
    )


def setting_applying(
    programme: str, key: str, *, division_code: str, on: datetime.date
) -> Setting | None:
    """The row that decides the setting for this place and day (longest prefix), or None."""
    return _applying(programme, key, division_code, on).first()


def value(programme: str, key: str, *, division_code: str, on: datetime.date) -> Any:
    """The value of a rule for a place (any division or unit code) on a day, as stored: a
    number, a text or an object. Raises ``RuleMissing`` when none applies. One query."""
    row = setting_applying(programme, key, division_code=division_code, on=on)
    if row is None:
        raise RuleMissing(programme, key, division_code, on)
    return row.value


class RuleTable:
    """The rows of a programme in force on one day for a whole region, read at once: asking
    it for many places (a street's persons) answers as ``value`` would, without a query
    each. ``used`` collects the rows that answered (to keep with what they decided)."""

    def __init__(self, programme: str, on: datetime.date, rows: list[Setting]):
        self.programme, self.on = programme, on
        self._rows: dict[str, list[Setting]] = {}
        for row in sorted(rows, key=lambda r: (-len(r.region_prefix), r.pk or 0)):
            self._rows.setdefault(row.key, []).append(row)
        self.used: dict[int, Setting] = {}

    def row(self, key: str, division_code: str) -> Setting | None:
        for row in self._rows.get(key, ()):
            if division_code.startswith(row.region_prefix):
                return row
        return None

    def value(self, key: str, division_code: str) -> Any:
        row = self.row(key, division_code)
        if row is None:
            raise RuleMissing(self.programme, key, division_code, self.on)
        self.used[row.pk] = row
        return row.value

    def values(self, keys: tuple[str, ...], division_code: str, *, prefix: str = "") -> dict:
        """``{key: value}`` for a place; ``prefix`` is stripped from the keys in the answer
        (``values(("a.x",), code, prefix="a.")`` → ``{"x": …}``)."""
        return {key[len(prefix) :]: self.value(key, division_code) for key in keys}

    def minimum(self, key: str) -> Any:
        """The smallest value of a numeric setting anywhere in the region (a query's bound)."""
        found = [row.value for row in self._rows.get(key, ()) if isinstance(row.value, int | float)]
        return min(found) if found else None


def rules_in_force(programme: str, *, on: datetime.date, within: str = "") -> RuleTable:
    """Every setting of a programme in force on ``on`` that may apply in the region
    ``within`` (a code prefix): its own rows, those above it and those inside it. One query."""
    rows = Setting.objects.filter(programme=programme, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    if within:
        rows = rows.filter(
            Q(region_prefix__in=region_prefixes(within)) | prefixes_q((within,), "region_prefix")
        )
    return RuleTable(programme, on, list(rows))


def settings_visible(user: User) -> QuerySet[Setting]:
    """The settings a user may read: those that apply to their place (their unit's code and
    every prefix above it) and those of the regions in their jurisdiction."""
    prefixes = jurisdiction_prefixes(user, personal=False)
    if prefixes is None:
        return Setting.objects.all()
    above: set[str] = set()
    for prefix in prefixes:
        above.update(region_prefixes(prefix))
    return Setting.objects.filter(
        Q(region_prefix__in=above) | prefixes_q(prefixes, "region_prefix")
    )


def setting_get(user: User, uid: Any) -> Setting:
    """One setting the user may read, or 404 (missing, malformed or not theirs alike)."""
    try:
        found = settings_visible(user).filter(uid=uid).first()
    except (ValueError, ValidationError):
        found = None
    if found is None:
        raise Http404
    return found


def setting_may_edit(user: User, region_prefix: str) -> bool:
    """Whether the user's jurisdiction holds the region (the whole country: superuser only)."""
    prefixes = jurisdiction_prefixes(user, personal=False)
    if prefixes is None:
        return True
    return bool(region_prefix) and any(region_prefix.startswith(p) for p in prefixes)


class SettingFilter(django_filters.FilterSet):
    programme = django_filters.CharFilter(label=_("业务"))
    key = django_filters.CharFilter(lookup_expr="icontains", label=_("设置项"))
    region = django_filters.CharFilter(field_name="region_prefix", label=_("地区前缀"))
    on = django_filters.DateFilter(method="filter_on", label=_("于某日有效"))

    class Meta:
        model = Setting
        fields = ["programme", "key", "region", "on"]

    def filter_on(self, queryset: QuerySet, name: str, on: datetime.date) -> QuerySet:
        return queryset.filter(valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
