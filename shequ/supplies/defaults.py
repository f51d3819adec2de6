"""The supplies' rules as shipped (rules as data: the rulebook holds them, city staff change
them): yearly caps per person and item (DOMAIN-FACTS.md §4: oral pills 13 boards, the
emergency pill 2, injections 13, topical 120, condoms 120), and the follow-up interval in
days after a named dispensing of pills, injections, IUDs and implants (no national interval
exists: a configurable offer, never a compulsory schedule)."""

from shequ.supplies.rules import PROGRAMME, follow_up_key, limits_key

# The national catalogue (§4): code, name, kind, unit, clinician gives the first one, the
# low-stock line of a location.
CATALOGUE: list[tuple[str, str, str, str, bool, int]] = [
    ("pill-21-7", "复方左炔诺孕酮片（21+7）", "oral_pill", "板", True, 50),
    ("pill-triphasic", "左炔诺孕酮炔雌醇（三相）片", "oral_pill", "板", True, 30),
    ("pill-emergency", "左炔诺孕酮片（紧急避孕）", "emergency_pill", "片", False, 30),
    ("topical-film", "壬苯醇醚膜", "topical", "张", False, 100),
    ("topical-pessary", "壬苯醇醚栓", "topical", "枚", False, 100),
    ("topical-gel", "壬苯醇醚凝胶", "topical", "支", False, 50),
    ("condom-male", "男用避孕套", "male_condom", "只", False, 500),
    ("condom-female", "女用避孕套", "female_condom", "只", False, 100),
    ("iud", "宫内节育器", "iud", "个", True, 10),
    ("injection", "复方甲地孕酮注射液", "injection", "支", True, 20),
    ("implant", "左炔诺孕酮硅胶棒（皮下埋植剂）", "implant", "套", True, 5),
]

LIMITS: dict[str, dict[str, int | None]] = {
    "pill-21-7": {"per_year": 13, "min_days": None},
    "pill-triphasic": {"per_year": 13, "min_days": None},
    "pill-emergency": {"per_year": 2, "min_days": None},
    "topical-film": {"per_year": 120, "min_days": None},
    "topical-pessary": {"per_year": 120, "min_days": None},
    "topical-gel": {"per_year": 120, "min_days": None},
    "condom-male": {"per_year": 120, "min_days": None},
    "condom-female": {"per_year": 120, "min_days": None},
    "injection": {"per_year": 13, "min_days": 25},
    "iud": {"per_year": 1, "min_days": None},
    "implant": {"per_year": 1, "min_days": None},
}

FOLLOW_UP_DAYS: dict[str, int] = {
    "oral_pill": 90,
    "injection": 90,
    "iud": 180,
    "implant": 180,
}


def default_settings() -> list[dict]:
    """The entries ``rulebook.services.settings_seed`` and the data migration add."""
    found = [
        {
            "programme": PROGRAMME,
            "key": limits_key(code),
            "value": value,
            "note": "每人每年限量与最短间隔（天）",
        }
        for code, value in LIMITS.items()
    ]
    found += [
        {
            "programme": PROGRAMME,
            "key": follow_up_key(kind),
            "value": days,
            "note": "实名发放后随访间隔（天），0 为不随访",
        }
        for kind, days in FOLLOW_UP_DAYS.items()
    ]
    return found
