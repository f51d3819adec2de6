"""Text helpers: pinyin search keys for Chinese names and index-friendly prefix matching."""

import functools

from django.db.models import Q
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import RE_HANS

try:  # every beginning of a phrase of pypinyin's dictionary, as its segmenter sees them
    from pypinyin.seg.mmseg import p_set

    _PHRASE_PREFIXES = getattr(p_set, "_set", p_set)  # the plain set when it is there
except ImportError:  # pragma: no cover — another pypinyin layout: always the full path
    _PHRASE_PREFIXES = None

# pypinyin reads a character with its most common reading; as a surname many read otherwise
# (曾 zeng not ceng, 单 shan not dan). Compound surnames first, so 单于 wins over 单.
SURNAME_READINGS: dict[str, list[str]] = {
    "尉迟": ["yu", "chi"],
    "万俟": ["mo", "qi"],
    "单于": ["chan", "yu"],
    "长孙": ["zhang", "sun"],
    "澹台": ["tan", "tai"],
    "令狐": ["ling", "hu"],
    "皇甫": ["huang", "fu"],
    "欧阳": ["ou", "yang"],
    "上官": ["shang", "guan"],
    "司马": ["si", "ma"],
    "诸葛": ["zhu", "ge"],
    "夏侯": ["xia", "hou"],
    "曾": ["zeng"],
    "单": ["shan"],
    "解": ["xie"],
    "区": ["ou"],
    "仇": ["qiu"],
    "查": ["zha"],
    "朴": ["piao"],
    "覃": ["qin"],
    "翟": ["zhai"],
    "乐": ["yue"],
    "盖": ["ge"],
    "缪": ["miao"],
    "秘": ["bi"],
    "繁": ["po"],
    "员": ["yun"],
    "句": ["gou"],
    "能": ["nai"],
    "召": ["shao"],
    "种": ["chong"],
    "折": ["she"],
    "祭": ["zhai"],
    "宿": ["su"],
    "薄": ["bo"],
    "藏": ["zang"],
    "莘": ["shen"],
    "蕃": ["pi"],
    "牟": ["mou"],
    "柏": ["bai"],
    "黑": ["he"],
    "沈": ["shen"],
    "贾": ["jia"],
    "宓": ["mi"],
    "隗": ["wei"],
    "阚": ["kan"],
    "吕": ["lv"],
}
_LONGEST_SURNAME = max(len(s) for s in SURNAME_READINGS)


@functools.lru_cache(maxsize=100_000)
def _char_syllables(char: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(char, style=Style.NORMAL, v_to_u=False))


def _syllables(text: str) -> list[str]:
    """``lazy_pinyin(text)``, character by character when that gives the same.

    pypinyin segments a text into phrases of its dictionary and reads a phrase as a whole
    (长江 chang-jiang). When the text is all Chinese characters and no two neighbours begin a
    phrase, every segment is one character read as it is alone, so the reading of each
    character can be cached: an import of a city asks for hundreds of thousands of names
    made of a few thousand characters (nearly every name takes this path).
    """
    if (
        _PHRASE_PREFIXES is not None
        and RE_HANS.match(text)
        and not any(text[i : i + 2] in _PHRASE_PREFIXES for i in range(len(text) - 1))
    ):
        return [syllable for char in text for syllable in _char_syllables(char)]
    return lazy_pinyin(text, style=Style.NORMAL, v_to_u=False)


def name_syllables(name: str) -> list[str]:
    """The pinyin syllables of a person's name, with the surname read as a surname."""
    name = (name or "").strip()
    for length in range(_LONGEST_SURNAME, 0, -1):
        reading = SURNAME_READINGS.get(name[:length])
        if reading:
            rest = name[length:]
            return reading + (_syllables(rest) if rest else [])
    return _syllables(name)


def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) in lower-case ASCII: 张三 → ("zs", "zhangsan")."""
    name = (name or "").strip()
    keys = _keys_by_character(name)
    if keys is not None:
        return keys
    syllables = [s.lower() for s in name_syllables(name) if s and s.isascii() and s.isalpha()]
    return "".join(s[0] for s in syllables), "".join(syllables)


# The first characters of the surnames read otherwise than alone (a name beginning so takes
# the full path, which knows them).
_SURNAME_STARTS = frozenset(surname[0] for surname in SURNAME_READINGS)


def _keys_by_character(name: str) -> tuple[str, str] | None:
    """``pinyin_keys`` of a name that ``_syllables`` reads character by character, from
    each character's keys, cached; None for any other name.

    Most names of a city take this path: the keys of each character are joined, where
    the full path made a list of syllables and filtered and lowered them again for every
    name (a third of an imported row's derived fields)."""
    if _PHRASE_PREFIXES is None or not name or name[0] in _SURNAME_STARTS:
        return None
    for i in range(len(name) - 1):
        if name[i : i + 2] in _PHRASE_PREFIXES:
            return None
    initials = full = ""
    for char in name:
        keys = _char_keys(char)
        if keys is None:
            return None
        initials += keys[0]
        full += keys[1]
    return initials, full


@functools.lru_cache(maxsize=100_000)
def _char_keys(char: str) -> tuple[str, str] | None:
    """A Chinese character's keys read alone; None for any other character (a name with
    one is read as a whole: pypinyin keeps a run of them together)."""
    if not RE_HANS.match(char):
        return None
    syllables = [s.lower() for s in _char_syllables(char) if s and s.isascii() and s.isalpha()]
    return "".join(s[0] for s in syllables), "".join(syllables)


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string that starts with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def prefix_q(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, as a range a plain b-tree index can serve.

    Django's ``startswith`` becomes LIKE, which SQLite and a non-C PostgreSQL collation cannot
    answer from an index; ``>= prefix AND < successor`` can, on both.
    """
    if not prefix:
        return Q()
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix_upper_bound(prefix)})
