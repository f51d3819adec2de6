"""Pinyin search keys for names and the index-friendly prefix filter."""

import pytest

from shequ.core.text import pinyin_keys, prefix_q, prefix_upper_bound
from shequ.org.models import OrgUnit


def test_pinyin_keys_of_a_plain_name():
    assert pinyin_keys("张三") == ("zs", "zhangsan")


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("曾小雯", ("zxw", "zengxiaowen")),
        ("单雄信", ("sxx", "shanxiongxin")),
        ("解缙", ("xj", "xiejin")),
        ("区寄", ("oj", "ouji")),
        ("仇英", ("qy", "qiuying")),
    ],
)
def test_polyphonic_surnames_are_read_as_surnames(name, keys):
    assert pinyin_keys(name) == keys


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("欧阳修", ("oyx", "ouyangxiu")),
        ("诸葛亮", ("zgl", "zhugeliang")),
        ("司马光", ("smg", "simaguang")),
        ("单于丹", ("cyd", "chanyudan")),
        ("尉迟恭", ("ycg", "yuchigong")),
    ],
)
def test_compound_surnames_are_read_whole(name, keys):
    assert pinyin_keys(name) == keys


def test_polyphonic_character_inside_a_given_name_keeps_its_common_reading():
    # 曾 as a surname is zeng; after the surname it is read like any other character.
    assert pinyin_keys("李曾")[0] == "lc"


def test_pinyin_keys_of_lv_use_v():
    assert pinyin_keys("吕布") == ("lb", "lvbu")


def test_pinyin_keys_ignore_spaces_and_punctuation():
    assert pinyin_keys(" 张 三 ") == pinyin_keys("张三")
    assert pinyin_keys("阿卜杜·热合曼")[0] == "abdrhm"


def test_pinyin_keys_of_empty_name():
    assert pinyin_keys("") == ("", "")


def test_prefix_upper_bound_is_the_next_string_after_the_prefix():
    assert prefix_upper_bound("3406") == "3407"
    assert prefix_upper_bound("34060") == "34061"
    assert prefix_upper_bound("3409") == "340:"


def test_prefix_q_is_a_range_not_a_like():
    q = prefix_q("code", "3406")
    assert q.children == [("code__gte", "3406"), ("code__lt", "3407")]


def test_empty_prefix_matches_everything():
    assert not prefix_q("code", "").children


def test_prefix_q_selects_exactly_the_subtree(tree):
    codes = set(
        OrgUnit.objects.filter(prefix_q("code", "340603020001")).values_list("code", flat=True)
    )
    assert codes == {"340603020001", "34060302000101", "34060302000102"}


def test_prefix_q_with_a_prefix_ending_in_nine_keeps_the_boundary(tree):
    codes = set(OrgUnit.objects.filter(prefix_q("code", "3406030")).values_list("code", flat=True))
    assert "340602000000" not in codes
    assert "340603020001" in codes
