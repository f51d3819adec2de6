"""Text helpers: pinyin search keys for Chinese names and index-friendly prefix matching."""

from django.db.models import Q
from pypinyin import Style, lazy_pinyin

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


def name_syllables(name: str) -> list[str]:
    """The pinyin syllables of a person's name, with the surname read as a surname."""
    name = (name or "").strip()
    for length in range(_LONGEST_SURNAME, 0, -1):
        reading = SURNAME_READINGS.get(name[:length])
        if reading:
            rest = name[length:]
            return reading + (lazy_pinyin(rest, style=Style.NORMAL, v_to_u=False) if rest else [])
    return lazy_pinyin(name, style=Style.NORMAL, v_to_u=False)


def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) in lower-case ASCII: 张三 → ("zs", "zhangsan")."""
    syllables = [s.lower() for s in name_syllables(name) if s and s.isascii() and s.isalpha()]
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
