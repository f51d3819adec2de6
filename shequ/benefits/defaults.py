"""The national rows of the benefits' rules (DOMAIN-FACTS.md §3): what a new deployment
starts with. City staff add their region's rows (higher amounts, local extensions) in
规则设置; the row with the longest region prefix wins, by year (valid_from / valid_to).

Each entry: key (``<programme>.<key>``), value, valid from, note (the source)."""

import datetime

from shequ.benefits.rules import RULE_PROGRAMME

D = datetime.date

DEFAULTS: list[tuple[str, object, datetime.date, str]] = [
    # 农村部分计划生育家庭奖励扶助 (国办发〔2004〕21号): the central standard since 2012.
    (
        "reward_assistance.annual_amount",
        960,
        D(2012, 1, 1),
        "每人每年（元），中央标准；各地可另加",
    ),
    ("reward_assistance.min_age", 60, D(2004, 1, 1), "年满周岁数（按年度末计）"),
    ("reward_assistance.born_after", "1933-01-01", D(2004, 1, 1), "本人出生日期不早于此日"),
    ("reward_assistance.payment_periods", 1, D(2004, 1, 1), "每年发放次数：1、2、4 或 12"),
    # 计划生育家庭特别扶助: national minimums from 2014-01-01 (国卫家庭发〔2013〕41号).
    ("special_assistance.min_woman_age", 49, D(2008, 1, 1), "女方年满周岁数"),
    ("special_assistance.born_after", "1933-01-01", D(2008, 1, 1), "本人出生日期不早于此日"),
    (
        "special_assistance.only_child_born_by",
        "2015-12-31",
        D(2008, 1, 1),
        "独生子女出生日期不晚于此日（全面两孩政策前）；各地可调整",
    ),
    (
        "special_assistance.disability_grades",
        ["1", "2", "3"],
        D(2008, 1, 1),
        "子女残疾等级（三级以上）",
    ),
    ("special_assistance.monthly_urban_disability", 270, D(2014, 1, 1), "城镇伤残，每人每月（元）"),
    ("special_assistance.monthly_urban_death", 340, D(2014, 1, 1), "城镇死亡，每人每月（元）"),
    ("special_assistance.monthly_rural_disability", 150, D(2014, 1, 1), "农村伤残，每人每月（元）"),
    ("special_assistance.monthly_rural_death", 170, D(2014, 1, 1), "农村死亡，每人每月（元）"),
    ("special_assistance.payment_periods", 4, D(2008, 1, 1), "每年发放次数：1、2、4 或 12"),
    # 独生子女父母奖励费: local amounts; e.g. Heilongjiang at least 10 yuan a month.
    (
        "only_child_reward.monthly_amount",
        10,
        D(2002, 1, 1),
        "每对夫妻每月（元），由母亲领取；各地标准不同",
    ),
    ("only_child_reward.max_child_age", 18, D(2002, 1, 1), "发放至子女满此周岁"),
    (
        "only_child_reward.child_born_by",
        "2015-12-31",
        D(2002, 1, 1),
        "2016年1月1日以后出生的子女不再发放光荣证",
    ),
    ("only_child_reward.payment_periods", 1, D(2002, 1, 1), "每年发放次数：1、2、4 或 12"),
]


def default_settings() -> list[dict]:
    """The entries the data migration and ``rulebook.services.settings_seed`` add."""
    return [
        {"programme": RULE_PROGRAMME, "key": key, "value": value, "since": since, "note": note}
        for key, value, since, note in DEFAULTS
    ]
