"""Identifiers used across Shequ: validation, parsing and masking in one place.

Forms, serializers, imports and the demo all call these functions, so a number is judged the
same way wherever it enters. Each validator raises ``django.core.exceptions.ValidationError``
with a message a worker can act on, and returns the number in its canonical form.
"""

import calendar
import datetime
import functools
import re
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum import numdb
from stdnum.cn import ric, uscc

# --- 公民身份号码 (GB 11643) ------------------------------------------------------------


class IdNumberInfo(NamedTuple):  # a tuple: built for every imported row, 4x cheaper
    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F", from the parity of the 17th digit
    region_code: str  # the six-digit division code of the place of first registration


def normalize_id_number(value: str) -> str:
    """Strip spaces and make a trailing check letter upper case."""
    value = value or ""
    if not value.isalnum():  # the usual number has no space: skip the regex (imports)
        value = re.sub(r"\s+", "", value)
    return value.upper()


_ID_DIGITS = re.compile(r"\d{17}[\dX]")


def parse_id_number(value: str, *, today: datetime.date | None = None) -> IdNumberInfo:
    """Validate an 18-digit identity number and return what it encodes."""
    number = normalize_id_number(value)
    if not number:
        raise ValidationError(_("请填写身份证号码。"), code="required")
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为 18 位，当前为 %(n)d 位。") % {"n": len(number)}, code="length"
        )
    if not _ID_DIGITS.fullmatch(number):
        raise ValidationError(_("身份证号码只能包含数字，最后一位可以是 X。"), code="format")
    expected = ric.calc_check_digit(number)
    if number[-1] != expected:
        raise ValidationError(
            _("身份证号码校验位错误：最后一位应为 %(expected)s。") % {"expected": expected},
            code="checksum",
        )
    try:  # the digits are checked above; slicing them is much cheaper than ric's parser
        birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError(
            _("身份证号码中的出生日期 %(d)s 不是有效日期。") % {"d": number[6:14]},
            code="birth_date",
        ) from exc
    today = today or timezone.localdate()
    if birth_date > today:
        raise ValidationError(
            _("身份证号码中的出生日期 %(d)s 晚于今天。") % {"d": birth_date.isoformat()},
            code="birth_date_future",
        )
    if birth_date.year < 1890:
        raise ValidationError(
            _("身份证号码中的出生日期 %(d)s 早于 1890 年。") % {"d": birth_date.isoformat()},
            code="birth_date_past",
        )
    if not _region_valid_at_birth(number[:6], birth_date.year):
        raise ValidationError(
            _("身份证号码前六位 %(code)s 不是出生时有效的行政区划代码。") % {"code": number[:6]},
            code="region",
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumberInfo(number=number, birth_date=birth_date, sex=sex, region_code=number[:6])


@functools.lru_cache(maxsize=65536)
def _region_valid_at_birth(region: str, year: int) -> bool:
    """Whether the six-digit region code was assigned in the birth year (as stdnum's
    ``ric.get_birth_place`` decides it). Cached: a city's numbers share a few hundred
    codes and a hundred birth years."""
    spans = _region_spans(region)
    if spans is None:  # a code stdnum describes otherwise: ask it, year by year
        return _region_valid_at_birth_slow(region, year)
    return any(
        (start is None or year >= start) and (end is None or year <= end) for start, end in spans
    )


@functools.lru_cache(maxsize=8192)
def _region_spans(region: str) -> tuple[tuple[int | None, int | None], ...] | None:
    """The years each county that held this code had it (None, None: still has it); empty:
    no such code. Looked up once per code: stdnum's lookup costs more than the rest of the
    check, and an import asks it for every row with a different birth year."""
    results = numdb.get("cn/loc").info(region)
    info = {k: v for _part, props in results for k, v in props.items()}
    if not info:
        return ()
    if "county" not in info:
        return None
    spans: list[tuple[int | None, int | None]] = []
    for county in info["county"].split(","):
        if not county.startswith("["):
            spans.append((None, None))
            continue
        start, end = county[1:].split("]")[0].split("-")
        spans.append((int(start) if start else None, int(end) if end else None))
    return tuple(spans)


@functools.lru_cache(maxsize=4096)
def _region_valid_at_birth_slow(region: str, year: int) -> bool:
    try:
        ric.get_birth_place(f"{region}{year:04d}0101")
    except stdnum_exceptions.ValidationError:
        return False
    return True


def validate_id_number(value: str) -> str:
    return parse_id_number(value).number


def check_id_number_agrees(
    info: IdNumberInfo, *, birth_date: datetime.date | None, sex: str | None
) -> dict[str, str]:
    """Return field → message for the facts on a record that contradict its identity number."""
    errors: dict[str, str] = {}
    if birth_date and birth_date != info.birth_date:
        errors["birth_date"] = _("出生日期 %(given)s 与身份证号码中的 %(encoded)s 不一致。") % {
            "given": birth_date.isoformat(),
            "encoded": info.birth_date.isoformat(),
        }
    if sex and sex != info.sex:
        errors["sex"] = _("性别与身份证号码不一致：号码第 17 位表示%(sex)s。") % {
            "sex": _("男") if info.sex == "M" else _("女")
        }
    return errors


def mask_id_number(value: str | None) -> str:
    """Keep the first three and the last two characters: 340*************34.

    The birth date (characters 7–14) and the county (4–6) stay hidden, so that no fact shown
    beside the mask (a birth year, an age, the 户籍地) rebuilds the number."""
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


# An identity number (or an older, longer mask of one) standing alone in a text: 17 digits or
# stars and a last digit, X or star, not inside a longer run of digits or letters.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z*])[0-9*]{17}[0-9Xx*](?![0-9A-Za-z*])")


def redact_id_numbers(text: str) -> str:
    """Mask every identity number in a text (a log line, a label written before the mask
    was shortened); a text without one comes back unchanged."""
    if not text or len(text) < 18:
        return text
    return _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0).upper()), text)


def birth_year_age(birth_date: datetime.date, today: datetime.date) -> int:
    """The age a person reaches in ``today``'s year: what is shown instead of the exact age
    to a role that may not see birth dates, since the day an exact age changes is the
    birthday."""
    return today.year - birth_date.year


def mask_phone(value: str | None) -> str:
    """Keep the first three and the last four digits: 139****5678 (a short number: its end)."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) < 8:
        return "*" * max(len(digits) - 2, 1) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def id_number_for_test(region: str, birth_date: datetime.date, serial: int, sex: str) -> str:
    """Compose a valid number from its parts (demo data and tests); serial is 0..499."""
    sequence = serial * 2 + (1 if sex == "M" else 0)
    body = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


# --- 统计用区划代码 (12 digits: province 2, city 2, county 2, town 3, village 3) ----------

DIVISION_LEVELS = ("province", "city", "county", "town", "village")
_DIVISION_SLICES = ((0, 2), (2, 4), (4, 6), (6, 9), (9, 12))
_PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)


@functools.lru_cache(maxsize=8192)  # a bad code raises, and exceptions are not cached
def validate_division_code(value: str) -> str:
    """A 12-digit statistical division code whose levels are filled from the top down."""
    code = (value or "").strip()
    if not re.fullmatch(r"\d{12}", code):
        raise ValidationError(
            _("区划代码应为 12 位数字，当前为“%(value)s”。") % {"value": code}, code="format"
        )
    if code[:2] not in _PROVINCES:
        raise ValidationError(
            _("区划代码的前两位 %(p)s 不是省级代码。") % {"p": code[:2]}, code="province"
        )
    parts = [code[a:b] for a, b in _DIVISION_SLICES]
    seen_empty = False
    for part in parts[1:]:
        empty = set(part) == {"0"}
        if seen_empty and not empty:
            raise ValidationError(
                _("区划代码 %(code)s 的层级不连续：上级为 0 时下级也必须为 0。") % {"code": code},
                code="chain",
            )
        seen_empty = seen_empty or empty
    return code


@functools.lru_cache(maxsize=8192)  # pure, and asked for every row of an import
def division_level(code: str) -> str:
    """province, city, county, town or village: the deepest level the code fills."""
    level = "province"
    for name, (a, b) in zip(DIVISION_LEVELS, _DIVISION_SLICES, strict=True):
        if set(code[a:b]) != {"0"}:
            level = name
    return level


@functools.lru_cache(maxsize=8192)
def division_prefix(code: str) -> str:
    """The significant digits of a code: 340602000000 → 340602."""
    end = dict(zip(DIVISION_LEVELS, (b for _a, b in _DIVISION_SLICES), strict=True))[
        division_level(code)
    ]
    return code[:end]


def division_parents(code: str) -> list[str]:
    """The codes of every level above this one, top first: the parent chain."""
    prefix = division_prefix(code)
    chain = []
    for _level, (_a, b) in zip(DIVISION_LEVELS, _DIVISION_SLICES, strict=True):
        if b >= len(prefix):
            break
        chain.append(prefix[:b].ljust(12, "0"))
    return chain


# --- 统一社会信用代码 (GB 32100) --------------------------------------------------------


def validate_credit_code(value: str) -> str:
    code = re.sub(r"\s+", "", value or "").upper()
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位，当前为 %(n)d 位。") % {"n": len(code)}, code="length"
        )
    try:
        return uscc.validate(code)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise ValidationError(
            _("统一社会信用代码校验位错误：最后一位应为 %(c)s。")
            % {"c": uscc.calc_check_digit(code[:17])},
            code="checksum",
        ) from exc
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(
            _("统一社会信用代码格式不正确（不能含 I、O、Z、S、V，第 9–17 位为组织机构代码）。"),
            code="format",
        ) from exc


# --- 大陆手机号码 ------------------------------------------------------------------------

MOBILE_RE = re.compile(r"1[3-9]\d{9}")


def validate_mobile(value: str) -> str:
    number = re.sub(r"[\s-]", "", value or "")
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    if not MOBILE_RE.fullmatch(number):
        raise ValidationError(
            _("手机号码应为 11 位，以 13–19 开头，当前为“%(value)s”。") % {"value": value},
            code="mobile",
        )
    return number


def birth_date_range(digits: str) -> tuple[datetime.date, datetime.date] | None:
    """The birth dates whose YYYYMMDD begins with ``digits`` (the 7th to 14th characters
    of an identity number, 0 to 8 of them), as the first and last such date; None when no
    date begins so.

    Every 8-digit number between ``digits`` padded with 0s and padded with 9s begins with
    ``digits``, so the dates are those between the first valid date at or above the low
    end and the last at or below the high end."""
    if len(digits) > 8 or (digits and not digits.isdigit()):
        return None
    low, high = _first_date_from(digits.ljust(8, "0")), _last_date_to(digits.ljust(8, "9"))
    if low is None or high is None or low > high:
        return None
    return low, high


def _first_date_from(text: str) -> datetime.date | None:
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    if year < 1:
        year, month, day = 1, 1, 1
    if month > 12:
        year, month, day = year + 1, 1, 1
    month, day = max(month, 1), max(day, 1)
    if day > calendar.monthrange(year, month)[1]:
        year, month, day = (year + 1, 1, 1) if month == 12 else (year, month + 1, 1)
    return datetime.date(year, month, day) if year <= 9999 else None


def _last_date_to(text: str) -> datetime.date | None:
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    if month == 0:
        year, month, day = year - 1, 12, 31
    month = min(month, 12)
    if day == 0:
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        day = 31
    if year < 1:
        return None
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))
