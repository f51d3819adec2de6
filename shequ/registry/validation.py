"""Validation of a person's facts, shared by the form, the API, the import and the demo.

``validate_person`` is pure (no database): it checks one record's fields against each other
and against the identity number, fills birth date and sex from the number when they are
missing, and returns the errors per field. Checks that need the database (the 户籍地 code
exists, the number is not registered yet) live in the services, which do them in bulk.
"""

import datetime
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core.identifiers import (
    MOBILE_RE,
    check_id_number_agrees,
    parse_id_number,
    validate_division_code,
    validate_mobile,
)
from shequ.registry.models import (
    ETHNICITY_CHOICES,
    Contraception,
    Education,
    Employment,
    FlowInReason,
    MaritalStatus,
    Sex,
)
from shequ.registry.rules import age_on

# The facts a person's record takes from a form, the API or a file (besides housing).
PERSON_FIELDS = (
    "id_number",
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "phone",
    "education",
    "hukou_division",
    "hukou_address",
    "marital_status",
    "marriage_date",
    "children_count",
    "contraception",
    "contraception_since",
    "employment",
    "employer_name",
    "flow_in_date",
    "flow_in_reason",
)
REQUIRED = ("id_number", "name", "hukou_division", "marital_status")
_PERSON_FIELD_SET = frozenset(PERSON_FIELDS)

CHOICES = {
    "sex": Sex,
    "ethnicity": dict(ETHNICITY_CHOICES),
    "education": Education,
    "marital_status": MaritalStatus,
    "contraception": Contraception,
    "employment": Employment,
    "flow_in_reason": FlowInReason,
}
_NAME = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffffA-Za-z·• ]{1,50}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")


def _choice_values(choices) -> set[str]:
    if isinstance(choices, dict):
        return set(choices)
    return set(choices.values)


# Computed once: an import validates every row against them.
_CHOICE_VALUES = {field: frozenset(_choice_values(choices)) for field, choices in CHOICES.items()}


# Lazy labels, made once: translated only when a message is shown.
_LIFE_DATES = (
    ("contraception_since", gettext_lazy("措施起始日期")),
    ("flow_in_date", gettext_lazy("流入日期")),
)


def validate_phone(value: str) -> str:
    """A mainland mobile number, or a landline with its area code."""
    if MOBILE_RE.fullmatch(value):  # the usual case, as typed: no spaces, no prefix
        return value
    if _LANDLINE.fullmatch(value.replace(" ", "")):
        return value.replace(" ", "")
    return validate_mobile(value)


def validate_person(
    values: Mapping[str, Any],
    *,
    today: datetime.date,
    children: Sequence[Mapping[str, Any]] = (),
    choices_checked: bool = False,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Return (cleaned values, {field: [messages]}) for one person's facts.

    ``choices_checked``: the choice fields hold codes already (an import's cells were
    parsed into them), so they are not checked against the choices again."""
    cleaned = {key: value for key, value in values.items() if key in _PERSON_FIELD_SET}
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field in REQUIRED:
        if cleaned.get(field) in (None, ""):
            fail(field, _("必填。"))

    info = None
    if cleaned.get("id_number"):
        try:
            info = parse_id_number(str(cleaned["id_number"]), today=today)
        except ValidationError as exc:
            fail("id_number", " ".join(exc.messages))
        else:
            cleaned["id_number"] = info.number
            cleaned["birth_date"] = cleaned.get("birth_date") or info.birth_date
            cleaned["sex"] = cleaned.get("sex") or info.sex
            for field, message in check_id_number_agrees(
                info, birth_date=cleaned["birth_date"], sex=cleaned["sex"]
            ).items():
                fail(field, message)

    name = (cleaned.get("name") or "").strip()
    cleaned["name"] = name
    if name and not _NAME.fullmatch(name):
        fail("name", _("姓名只能包含汉字、字母和间隔号“·”。"))

    for field, allowed in () if choices_checked else _CHOICE_VALUES.items():
        value = cleaned.get(field)
        if value not in (None, "") and value not in allowed:
            fail(field, _("“%(value)s”不是有效的选项。") % {"value": value})

    birth = cleaned.get("birth_date")
    if birth and birth > today:
        fail("birth_date", _("出生日期不能晚于今天。"))

    if cleaned.get("hukou_division"):
        try:
            cleaned["hukou_division"] = validate_division_code(str(cleaned["hukou_division"]))
        except ValidationError as exc:
            fail("hukou_division", " ".join(exc.messages))

    phone = (cleaned.get("phone") or "").strip()
    if phone:
        try:
            cleaned["phone"] = validate_phone(phone)
        except ValidationError as exc:
            fail("phone", " ".join(exc.messages))

    marital = cleaned.get("marital_status")
    marriage = cleaned.get("marriage_date")
    if marriage:
        if marital == MaritalStatus.SINGLE:
            fail("marriage_date", _("未婚者不能有结婚日期。"))
        if marriage > today:
            fail("marriage_date", _("结婚日期不能晚于今天。"))
        if birth and age_on(birth, marriage) < 16:
            fail("marriage_date", _("结婚日期与出生日期不符（结婚时不满 16 岁）。"))

    for field, label in _LIFE_DATES:  # neither in the future nor before birth
        day = cleaned.get(field)
        if not day:
            continue
        if day > today:
            fail(field, _("%(label)s不能晚于今天。") % {"label": label})
        if birth and day < birth:
            fail(field, _("%(label)s不能早于出生日期。") % {"label": label})
    if cleaned.get("contraception_since") and cleaned.get("contraception") in (
        None,
        "",
        Contraception.NONE,
    ):
        fail("contraception_since", _("未填写节育措施时不能填写措施起始日期。"))

    count = cleaned.get("children_count")
    if count not in (None, "") and (not isinstance(count, int) or not 0 <= count <= 20):
        fail("children_count", _("子女数应为 0–20 的整数。"))
    if children:
        orders = [c.get("order") for c in children]
        if len(set(orders)) != len(orders):
            fail("children", _("孩次不能重复。"))
        for child in children:
            day = child.get("birth_date")
            if not day or child.get("sex") not in ("M", "F") or not child.get("order"):
                fail("children", _("每个子女须填写孩次、出生日期和性别。"))
                continue
            if day > today:
                fail("children", _("子女出生日期不能晚于今天。"))
            elif birth and age_on(birth, day) < 14:
                fail(
                    "children",
                    _("子女出生日期 %(d)s 与本人出生日期不符。") % {"d": day.isoformat()},
                )
        # 子女数 is the living children (rules.children_count_of): a child recorded as dead
        # (child_update) is on the record but not in the count.
        living = [c for c in children if c.get("is_living", True) and not c.get("death_date")]
        if isinstance(count, int) and count < len(living):
            fail("children_count", _("子女数少于登记的子女人数（%(n)d）。") % {"n": len(living)})
        if count is None:
            cleaned["children_count"] = len(children)

    if cleaned.get("employer_name") and cleaned.get("employment") in (
        Employment.UNEMPLOYED,
        Employment.STUDENT,
        Employment.PRESCHOOL,
    ):
        fail("employer_name", _("无业、学生和学龄前人员不应填写工作单位。"))
    return cleaned, errors
