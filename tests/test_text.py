"""Pinyin search keys for names and the index-friendly prefix filter."""

import pytest
from pypinyin import Style, lazy_pinyin

from shequ.core.text import name_syllables, pinyin_keys, prefix_q, prefix_upper_bound
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


def test_a_phrase_inside_a_name_keeps_its_phrase_reading():
    # 长 alone is zhang; in the phrase 长江 it is chang. Names are read character by character
    # (cached) only when no phrase can begin in them.
    assert pinyin_keys("王长江") == ("wcj", "wangchangjiang")
    assert pinyin_keys("李行长")[1] == "lihangzhang"


@pytest.mark.parametrize(
    "name",
    [
        "张伟",
        "王秀英",
        "李长江",
        "刘朝阳",
        "陈乐乐",
        "赵〇",
        "杨A",
        "周 杰",
        "吴·敏",
        "郑重",
        "孙行",
    ],
)
def test_name_syllables_read_like_pypinyin_after_the_surname(name):
    rest = lazy_pinyin(name[1:], style=Style.NORMAL, v_to_u=False)
    assert name_syllables(name) == [name_syllables(name[0])[0], *rest]


@pytest.mark.parametrize(
    "name",
    [
        "夏刚",
        "邓小娟",
        "王语琪",
        "李长江",
        "王行",
        "刘朝阳",
        "赵〇",
        "杨A",
        "Mary·李",
        "阿卜杜·热合曼",
        "曾小明",
        "单于雪",
        "欧阳修",
        "吕布",
        "张",
        "𠀾一",
        "Ana",
        " 周 杰 ",
    ],
)
def test_pinyin_keys_read_by_character_equal_the_whole_name_reading(name):
    # Most names take a path that joins each character's cached keys; it must give what
    # reading the whole name gives (surnames, phrases, non-Chinese characters included).
    syllables = [s.lower() for s in name_syllables(name) if s and s.isascii() and s.isalpha()]
    assert pinyin_keys(name) == ("".join(s[0] for s in syllables), "".join(syllables))


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
