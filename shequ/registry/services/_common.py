"""What the registry's services share: role and jurisdiction checks, reasons, dates, the
city, labels and snapshots for the change log, a person's derived fields.

Private to the services package: callers outside it use the public services."""

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from shequ.core.identifiers import mask_id_number
from shequ.org.models import Division, OrgUnit, User
from shequ.org.roles import Action, Level, can
from shequ.org.scoping import code_in_scope
from shequ.registry.models import (
    Person,
    PersonStatus,
    TypingSettings,
)
from shequ.registry.rules import (
    DEFAULT_TYPING,
    MIGRANT_TYPES,
    Typing,
    derive_population_type,
    destination_problem,
    eight_clear_text,
    name_keys,
)
from shequ.registry.validation import PERSON_FIELDS

# Changes to these fields are logged as "changed" without their values (they stay in the
# record's own history, which is read under the same rules as the record).
_MASKED_IN_LOG = {
    "id_number": mask_id_number,
    "birth_date": lambda v: str(v.year) if v else v,  # with the mask, it would rebuild the number
    "contraception": lambda v: "***" if v else v,
    "contraception_since": lambda v: "***" if v else v,
}


def _require(actor: User | None, action: Action = Action.EDIT_REGISTRY) -> None:
    """``actor`` None is the system itself (the command line, the demo): no role to check."""
    if actor is not None and not can(actor, action):
        raise PermissionDenied(_("您的角色不能执行此操作。"))


def _require_scope(actor: User | None, code: str) -> None:
    if actor is not None and not code_in_scope(actor, code):
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写原因。")]})
    return reason


def _not_future(day: datetime.date | None, field: str, today: datetime.date) -> None:
    if day is None:
        raise ValidationError({field: [_("必填。")]})
    if day > today:
        raise ValidationError({field: [_("日期不能晚于今天。")]})


def city_prefix() -> str:
    """The code prefix of the city this deployment serves (its root unit)."""
    root = (
        OrgUnit.objects.filter(level=Level.CITY)
        .order_by("code")
        .values_list("prefix", flat=True)
        .first()
    )
    return root or ""


def typing_current() -> Typing:
    """The deployment's typing settings (``TypingSettings``, its defaults when never saved)."""
    row = (
        TypingSettings.objects.filter(pk=1)
        .values_list("separation_boundary", "migrant_boundary", "service_months")
        .first()
    )
    return Typing(*row) if row else DEFAULT_TYPING


def population_type_for(*, hukou_code: str, residence_code: str, outflow: bool = False) -> str:
    """The population type of someone registered at ``hukou_code`` living at
    ``residence_code``, in the city this deployment serves, by its typing settings
    (``rules.derive_population_type``)."""
    return derive_population_type(
        hukou_code=hukou_code,
        residence_code=residence_code,
        city_prefix=city_prefix(),
        outflow=outflow,
        typing=typing_current(),
    )


def person_label(person: Person) -> str:
    return f"{person.name}（{mask_id_number(person.id_number)}）"


def _snapshot(person: Person) -> dict[str, Any]:
    values = {field: getattr(person, field) for field in PERSON_FIELDS if field != "hukou_division"}
    values["hukou_division"] = person.hukou_division_id
    values.update(
        population_type=person.population_type,
        status=person.status,
        unit=person.unit_id,
        household=str(person.household.uid) if person.household is not None else None,
        flow_out_division=person.flow_out_division_id,
        flow_out_address=person.flow_out_address,
        flow_out_date=person.flow_out_date,
    )
    return values


def refresh_derived(person: Person, *, today: datetime.date, housed: bool | None = None) -> None:
    """Recompute what the record derives from its own facts (``rules``): pinyin keys and
    八个清楚.

    ``housed``: whether the person has a home, for a record whose new home is not written
    yet (None: from ``household_id``)."""
    person.name_initials, person.name_pinyin = name_keys(person.name)
    if person.population_type not in MIGRANT_TYPES:
        person.eight_clear_missing = ""  # a fact list of migrants only (most rows of a city)
        return
    # Built from ids, not from _snapshot(): that reads household.uid, a query per person
    # when the household is not loaded (bulk writes set only household_id).
    facts = {field: getattr(person, field) for field in PERSON_FIELDS if field != "hukou_division"}
    facts.update(
        hukou_division=person.hukou_division_id,
        population_type=person.population_type,
        household=person.household_id if housed is None else housed,
        flow_out_division=person.flow_out_division_id,
        flow_out_address=person.flow_out_address,
        flow_out_date=person.flow_out_date,
    )
    person.eight_clear_missing = eight_clear_text(facts, today=today)


def _raise(errors: Mapping[str, list[str]]) -> None:
    if errors:
        raise ValidationError({k: list(v) for k, v in errors.items()})


def _check_division(code: str | None, field: str, errors: dict) -> None:
    if code and not Division.objects.filter(code=code).exists():
        errors.setdefault(field, []).append(_("区划代码 %(code)s 不存在。") % {"code": code})


def _check_destination(
    code: str | None, errors: dict, *, outflow: bool, unknown: bool = False
) -> None:
    """Where someone went when leaving the city (迁出注销) or living outside it (外出登记):
    required, known and outside the city (inside, the record stays and moves instead).
    A 迁出注销 declared 去向不明 (``unknown``) has none, and may not name one."""
    problem = destination_problem(code, city_prefix=city_prefix(), outflow=outflow, unknown=unknown)
    if problem:
        errors["division"] = [problem]
    else:
        _check_division(code, "division", errors)


def person_inactive_problem(person: Person) -> str:
    """Why no event can be recorded for the person now ("" when they are active)."""
    if person.status != PersonStatus.ACTIVE:
        return _("%(name)s 当前状态为“%(status)s”，不能办理此项。") % {
            "name": person.name,
            "status": person.get_status_display(),
        }
    return ""


def _require_active(person: Person) -> None:
    problem = person_inactive_problem(person)
    if problem:
        raise ValidationError(problem)
