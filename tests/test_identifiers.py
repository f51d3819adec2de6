"""The identifier validators: identity number, division code, credit code, mobile number."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from shequ.core.identifiers import (
    check_id_number_agrees,
    division_level,
    division_parents,
    division_prefix,
    id_number_for_test,
    mask_id_number,
    parse_id_number,
    redact_id_numbers,
    validate_credit_code,
    validate_division_code,
    validate_id_number,
    validate_mobile,
)

TODAY = datetime.date(2026, 1, 1)


def with_check_digit(body: str) -> str:
    """Seventeen digits plus their correct GB 11643 check digit."""
    return body + ric.calc_check_digit(body + "0")


def messages(excinfo) -> list[str]:
    return excinfo.value.messages


# --- 公民身份号码 -------------------------------------------------------------------------


def test_valid_id_number_gives_birth_date_sex_and_region():
    info = parse_id_number("340602199005170127", today=TODAY)

    assert info.number == "340602199005170127"
    assert info.birth_date == datetime.date(1990, 5, 17)
    assert info.sex == "F"
    assert info.region_code == "340602"


def test_odd_seventeenth_digit_means_male():
    assert parse_id_number("340602199005170119", today=TODAY).sex == "M"


def test_id_number_with_x_check_digit_is_valid():
    assert parse_id_number("34060219850301005X", today=TODAY).number == "34060219850301005X"


def test_lower_case_x_and_spaces_are_normalised():
    assert validate_id_number(" 340602 1985 0301 005x ") == "34060219850301005X"


def test_empty_id_number_is_required():
    with pytest.raises(ValidationError) as excinfo:
        parse_id_number("")
    assert messages(excinfo) == ["请填写身份证号码。"]


@pytest.mark.parametrize(
    ("value", "length"), [("3406021990051701", 16), ("3406021990051701271", 19)]
)
def test_id_number_of_wrong_length_names_its_length(value, length):
    with pytest.raises(ValidationError) as excinfo:
        parse_id_number(value)
    assert messages(excinfo) == [f"身份证号码应为 18 位，当前为 {length} 位。"]


@pytest.mark.parametrize(
    "value", ["34060219900517012A", "3406021990O5170127", "X40602199005170127"]
)
def test_id_number_with_letters_is_refused(value):
    with pytest.raises(ValidationError) as excinfo:
        parse_id_number(value)
    assert messages(excinfo) == ["身份证号码只能包含数字，最后一位可以是 X。"]


def test_wrong_check_digit_names_the_expected_digit():
    with pytest.raises(ValidationError) as excinfo:
        parse_id_number("340602199005170128")
    assert messages(excinfo) == ["身份证号码校验位错误：最后一位应为 7。"]


def test_wrong_check_digit_can_name_x():
    with pytest.raises(ValidationError) as excinfo:
        parse_id_number("340602198503010051")
    assert messages(excinfo) == ["身份证号码校验位错误：最后一位应为 X。"]


def test_impossible_birth_date_is_refused():
    number = with_check_digit("34060219900230001")  # 30 February
    with pytest.raises(ValidationError) as excinfo:
        parse_id_number(number, today=TODAY)
    assert messages(excinfo) == ["身份证号码中的出生日期 19900230 不是有效日期。"]


def test_birth_date_after_today_is_refused():
    number = with_check_digit("34060220260102001")
    with pytest.raises(ValidationError) as excinfo:
        parse_id_number(number, today=TODAY)
    assert messages(excinfo) == ["身份证号码中的出生日期 2026-01-02 晚于今天。"]


def test_birth_date_of_today_is_accepted():
    number = with_check_digit("34060220260101001")
    assert parse_id_number(number, today=TODAY).birth_date == TODAY


def test_birth_date_before_1890_is_refused():
    number = with_check_digit("34060218800101001")
    with pytest.raises(ValidationError) as excinfo:
        parse_id_number(number, today=TODAY)
    assert messages(excinfo) == ["身份证号码中的出生日期 1880-01-01 早于 1890 年。"]


def test_unknown_region_is_refused():
    number = with_check_digit("99010119900101001")
    with pytest.raises(ValidationError) as excinfo:
        parse_id_number(number, today=TODAY)
    assert messages(excinfo) == ["身份证号码前六位 990101 不是出生时有效的行政区划代码。"]


def test_number_composed_for_tests_is_valid_and_encodes_its_parts():
    number = id_number_for_test("340603", datetime.date(1985, 12, 31), 7, "M")
    info = parse_id_number(number, today=TODAY)

    assert (info.region_code, info.birth_date, info.sex) == (
        "340603",
        datetime.date(1985, 12, 31),
        "M",
    )


def test_region_created_after_the_birth_is_refused():
    # 相山区 (340603) exists since 1983: nobody born in 1979 was first registered there.
    number = id_number_for_test("340603", datetime.date(1979, 12, 31), 7, "M")
    with pytest.raises(ValidationError) as excinfo:
        parse_id_number(number, today=TODAY)
    assert excinfo.value.code == "region"


def test_record_agreeing_with_its_id_number_has_no_errors():
    info = parse_id_number("340602199005170127", today=TODAY)
    assert check_id_number_agrees(info, birth_date=datetime.date(1990, 5, 17), sex="F") == {}


def test_birth_date_disagreeing_with_id_number_is_reported():
    info = parse_id_number("340602199005170127", today=TODAY)
    errors = check_id_number_agrees(info, birth_date=datetime.date(1990, 5, 18), sex="F")
    assert errors == {"birth_date": "出生日期 1990-05-18 与身份证号码中的 1990-05-17 不一致。"}


def test_sex_disagreeing_with_id_number_is_reported():
    info = parse_id_number("340602199005170127", today=TODAY)
    errors = check_id_number_agrees(info, birth_date=None, sex="M")
    assert errors == {"sex": "性别与身份证号码不一致：号码第 17 位表示女。"}


def test_missing_birth_date_and_sex_are_not_contradictions():
    info = parse_id_number("340602199005170119", today=TODAY)
    assert check_id_number_agrees(info, birth_date=None, sex=None) == {}


def test_masking_keeps_first_three_and_last_two():
    assert mask_id_number("34060219850301005X") == "340*************5X"


def test_masking_hides_the_birth_date_and_the_county():
    masked = mask_id_number("34060219850301005X")
    assert "19850301" not in masked and "0602" not in masked


def test_redacting_masks_numbers_inside_a_text_and_keeps_other_digits():
    line = '"GET /persons/?search=34060219850301005x&page=2 HTTP/1.1" 200 5120'
    assert redact_id_numbers(line) == (
        '"GET /persons/?search=340*************5X&page=2 HTTP/1.1" 200 5120'
    )
    assert redact_id_numbers("张三（340602********005X）") == "张三（340*************5X）"
    assert redact_id_numbers("unit 340602001001, 2026-12-06") == "unit 340602001001, 2026-12-06"
    assert redact_id_numbers("12345678901234567890") == "12345678901234567890"


def test_masking_empty_and_short_values():
    assert mask_id_number("") == ""
    assert mask_id_number(None) == ""
    assert mask_id_number("12345") == "*****"


# --- 统计用区划代码 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["340000000000", "340600000000", "340603000000", "340603020000", "340603020001"]
)
def test_valid_division_codes_of_every_level(code):
    assert validate_division_code(code) == code


@pytest.mark.parametrize("code", ["34060302000", "3406030200011", "34060302000A", ""])
def test_division_code_must_be_twelve_digits(code):
    with pytest.raises(ValidationError) as excinfo:
        validate_division_code(code)
    assert messages(excinfo) == [f"区划代码应为 12 位数字，当前为“{code}”。"]


def test_division_code_needs_a_province():
    with pytest.raises(ValidationError) as excinfo:
        validate_division_code("990600000000")
    assert messages(excinfo) == ["区划代码的前两位 99 不是省级代码。"]


def test_division_code_with_town_under_empty_county_is_a_broken_chain():
    with pytest.raises(ValidationError) as excinfo:
        validate_division_code("340600001000")
    assert messages(excinfo) == ["区划代码 340600001000 的层级不连续：上级为 0 时下级也必须为 0。"]


def test_division_code_with_village_under_empty_town_is_a_broken_chain():
    with pytest.raises(ValidationError) as excinfo:
        validate_division_code("340603000001")
    assert excinfo.value.code == "chain"


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("340000000000", "province"),
        ("340600000000", "city"),
        ("340603000000", "county"),
        ("340603020000", "town"),
        ("340603020001", "village"),
    ],
)
def test_division_level_is_the_deepest_filled_level(code, level):
    assert division_level(code) == level


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("340000000000", "34"),
        ("340600000000", "3406"),
        ("340603000000", "340603"),
        ("340603020000", "340603020"),
        ("340603020001", "340603020001"),
    ],
)
def test_division_prefix_is_the_significant_part(code, prefix):
    assert division_prefix(code) == prefix


def test_division_parents_of_a_village_is_the_whole_chain_top_first():
    assert division_parents("340603020001") == [
        "340000000000",
        "340600000000",
        "340603000000",
        "340603020000",
    ]


def test_division_parents_of_a_city_is_its_province():
    assert division_parents("340600000000") == ["340000000000"]


def test_province_has_no_parents():
    assert division_parents("340000000000") == []


# --- 统一社会信用代码 -------------------------------------------------------------------


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_valid_credit_codes(code):
    assert validate_credit_code(code) == code


def test_credit_code_is_normalised_to_upper_case_without_spaces():
    assert validate_credit_code("9111 0000 6000 3734 1l") == "91110000600037341L"


def test_credit_code_with_wrong_check_character_names_the_right_one():
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code("91110000600037341A")
    assert messages(excinfo) == ["统一社会信用代码校验位错误：最后一位应为 L。"]


def test_credit_code_of_wrong_length_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code("9111000060003734")
    assert messages(excinfo) == ["统一社会信用代码应为 18 位，当前为 16 位。"]


def test_credit_code_with_forbidden_letter_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code("I1110000600037341L")
    assert excinfo.value.code == "format"


# --- 手机号码 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["13912345678", "+86 139 1234 5678", "+8613912345678", "0086-139-1234-5678", "199 1234 5678"],
)
def test_valid_mobile_numbers_are_normalised_to_eleven_digits(value):
    assert validate_mobile(value) in ("13912345678", "19912345678")


@pytest.mark.parametrize("value", ["12912345678", "11912345678", "1391234567", "139123456789"])
def test_invalid_mobile_numbers_are_refused_with_the_value(value):
    with pytest.raises(ValidationError) as excinfo:
        validate_mobile(value)
    assert messages(excinfo) == [f"手机号码应为 11 位，以 13–19 开头，当前为“{value}”。"]


def test_landline_is_not_a_mobile_number():
    with pytest.raises(ValidationError):
        validate_mobile("0561-3012345")
