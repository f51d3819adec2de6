"""Figures, names and mixes the demo draws from (the seed's numbers among them)."""

import datetime

REASON = "演示数据"
DAY = datetime.timedelta(days=1)

# Seed 001, third plan: "总人口21333人 … 已婚育龄妇女5227人，采取各种节育措施4827人 … 现登记流动
# 人口总人数4873人，育龄妇女1213人，采取各种节育措施1037人".
MODEL_PERSONS = 21_333
MODEL_INFLOW = 4_873
MODEL_MARRIED_WCBA = 5_227
MODEL_MARRIED_WCBA_METHOD = 4_827
MODEL_INFLOW_WCBA = 1_213
MODEL_INFLOW_WCBA_METHOD = 1_037
# Not in the seed: how many of the 1,213 migrant women are married (those with a method all
# are), how many people left or died in the last year (natural increase 85 = 141 − 56).
MODEL_INFLOW_MARRIED_WCBA = 1_100
MODEL_DEPARTED = 180
MODEL_DECEASED = 56
OTHER_COMMUNITY_PERSONS = 40

# Share of the model street's people per unit, and of migrants among them (villages next to
# the city rent rooms to migrants too). The blind zone is a new compound, a few buildings.
MODEL_UNIT_WEIGHTS = {
    "340603020001": (0.34, 0.27),  # 丽景社区, 18 grids
    "340603020002": (0.17, 0.25),  # 文苑社区
    "340603020201": (0.13, 0.20),  # 满春村
    "340603020202": (0.13, 0.22),  # 红旗村
    "340603020203": (0.11, 0.18),  # 丰收村
    "340603020204": (0.105, 0.18),  # 新华村
}
BLIND_ZONE_WEIGHT = (0.015, 0.30)

# Where migrants come from (4-digit city prefixes and weight): mostly the neighbouring
# provinces, many from the rest of Anhui, a few from far away.
MIGRANT_SOURCES = [
    ("4114", 14),  # 河南 商丘
    ("4116", 8),  # 河南 周口
    ("4117", 4),  # 河南 驻马店
    ("4102", 3),  # 河南 开封
    ("3203", 9),  # 江苏 徐州
    ("3213", 4),  # 江苏 宿迁
    ("3708", 5),  # 山东 济宁
    ("3717", 5),  # 山东 菏泽
    ("3704", 3),  # 山东 枣庄
    ("1304", 2),  # 河北 邯郸
    ("5113", 2),  # 四川 南充
    ("3607", 1),  # 江西 赣州
    ("4211", 2),  # 湖北 黄冈
    ("3413", 13),  # 安徽 宿州
    ("3416", 9),  # 安徽 亳州
    ("3412", 8),  # 安徽 阜阳
    ("3403", 4),  # 安徽 蚌埠
]
# Where people registered here went to work (流出).
OUTFLOW_DESTINATIONS = [
    "310115000000",  # 上海 浦东新区
    "310112000000",  # 上海 闵行区
    "320506000000",  # 苏州 吴中区
    "320115000000",  # 南京 江宁区
    "330106000000",  # 杭州 西湖区
    "330110000000",  # 杭州 余杭区
    "440306000000",  # 深圳 宝安区
    "340104000000",  # 合肥 蜀山区
    "110105000000",  # 北京 朝阳区
]
NOT_COUNTIES = ("开发区", "园区", "新区", "管理区", "聚集区", "示范区", "产业")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严武戴孔汤"
)
# Roughly their frequency in north Anhui: the first ten cover about 40% of people.
SURNAME_WEIGHTS = [14, 13, 12, 10, 8, 6, 5, 5, 4, 4] + [2] * 30 + [1] * (len(SURNAMES) - 40)
# Given-name characters by sex and generation: (first characters, second characters, single).
GIVEN_NAMES = {
    ("M", 0): ("建国德志永保振文玉金学长福宝庆树", "国华明刚强林山生文军民平忠义胜福", "明林山军"),
    ("F", 0): ("秀桂玉凤兰淑翠金春素", "英兰珍芳梅华琴荣云花香", "英兰芳珍"),
    ("M", 1): (
        "伟志海建东晓俊文明国永立红小",
        "伟强军勇涛斌明刚平辉鹏华峰亮杰波龙林东",
        "伟强磊军勇杰涛斌超明刚平辉鹏华飞",
    ),
    ("F", 1): (
        "丽秀美晓海红春玉小雪",
        "娟艳霞燕玲红梅萍丽芳敏静洁琳",
        "芳娜敏静丽艳娟霞燕玲红梅萍",
    ),
    ("M", 2): (
        "子浩宇俊梓一天博思嘉皓家明文佳",
        "轩涵宇睿泽然铭辰杰豪博航阳瑞宸",
        "浩宇杰磊鑫鹏帅凯睿",
    ),
    ("F", 2): (
        "欣梓子雨诗思佳一可若嘉紫语雅",
        "怡涵萱琪雯彤妍悦瑶琳婷颖晴菲然",
        "婷颖倩悦琪妍雪晨",
    ),
}
ETHNICITIES = [("01", 990), ("03", 5), ("11", 2), ("08", 1), ("06", 1), ("15", 1)]  # 汉回满壮苗土家
EMPLOYERS = [
    "淮北矿业集团",
    "淮北市人民医院",
    "淮北供电公司",
    "淮北市公共交通公司",
    "相山区实验小学",
    "淮北市第二中学",
    "淮北华联超市",
    "淮北恒达建材有限公司",
    "淮北宏远物流有限公司",
    "淮北新城建设工程有限公司",
    "淮北凤凰山食品有限公司",
    "淮北市相山区人民政府",
    "淮北农村商业银行",
    "淮北经济开发区电子厂",
    "淮北市自来水公司",
]
MIGRANT_EMPLOYERS = [
    "淮北鑫达建筑劳务有限公司",
    "淮北新城建设工程有限公司",
    "淮北宏远物流有限公司",
    "淮北经济开发区电子厂",
    "淮北顺通快递有限公司",
    "淮北凤凰山食品有限公司",
    "淮北华联超市",
    "淮北恒达建材有限公司",
    "相山区好邻居家政服务部",
]
SHOPS = ["早餐店", "水果店", "便利店", "理发店", "五金店", "服装店", "餐馆", "修车铺", "菜摊"]
LANES = ["前街", "后街", "东街", "西街", "中心街", "南巷", "北巷", "新村路"]
TOWNS = ["城关镇", "新集镇", "李集镇", "张庄乡", "王楼乡", "马庄镇", "刘集镇", "孙圩镇"]
VILLAGES = ["张庄", "李楼", "王营", "刘寨", "陈庄", "赵集", "孙圩", "周楼", "郭庙", "杨湖"]
ROADS = ["人民路", "淮海路", "长山路", "孟山路", "南黎路", "古城路", "相山路", "惠黎路"]

# Contraception of married women by their number of children (a realistic mix: IUDs first,
# sterilisation after the second child, condoms for the young and childless).
METHODS_BY_PARITY = {
    0: [
        ("condom", 62),
        ("oral_pill", 18),
        ("topical", 6),
        ("injection", 5),
        ("implant", 4),
        ("other", 5),
    ],
    1: [
        ("iud", 56),
        ("condom", 30),
        ("oral_pill", 5),
        ("implant", 3),
        ("injection", 2),
        ("topical", 2),
        ("male_sterilization", 1),
        ("female_sterilization", 1),
    ],
    2: [
        ("iud", 50),
        ("female_sterilization", 30),
        ("condom", 12),
        ("male_sterilization", 4),
        ("implant", 2),
        ("injection", 1),
        ("oral_pill", 1),
    ],
}


LOCAL_ANCHOR_AGES = [((20, 24), 4), ((25, 29), 12), ((30, 34), 18), ((35, 39), 20)]
LOCAL_ANCHOR_AGES += [((40, 44), 22), ((45, 49), 24)]
INFLOW_ANCHOR_AGES = [((20, 24), 10), ((25, 29), 22), ((30, 34), 25), ((35, 39), 20)]
INFLOW_ANCHOR_AGES += [((40, 44), 14), ((45, 49), 9)]
RECENT_FERTILITY = {year: 0.85 for year in range(2018, 2022)} | {
    year: 0.7 for year in range(2022, 2100)
}
PARITY = {
    "community": [(0, 7), (1, 55), (2, 35), (3, 3)],
    "village": [(0, 5), (1, 35), (2, 52), (3, 8)],
    "migrant": [(0, 5), (1, 40), (2, 48), (3, 7)],
}
