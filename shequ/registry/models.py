"""The population registry: buildings, households, persons, their children and events.

Every model hangs on the organisation tree by a unit code (``scope_field``), so the one
jurisdiction mechanism scopes it. People's data keep simple-history rows; flows (arrival,
move, departure …) and checks are events of their own, never edits in place.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.core.history import History
from shequ.org.models import Division, OrgUnit, User


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class PopulationType(models.TextChoices):
    RESIDENT = "resident", _("户籍常住")
    SEPARATED = "separated", _("人户分离")
    INFLOW = "inflow", _("流入")
    OUTFLOW = "outflow", _("流出")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    DEPARTED = "departed", _("已迁出")
    DECEASED = "deceased", _("已死亡")
    CANCELLED = "cancelled", _("已注销")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("未婚")
    MARRIED = "married", _("已婚")
    DIVORCED = "divorced", _("离婚")
    WIDOWED = "widowed", _("丧偶")


class Contraception(models.TextChoices):
    """节育措施. ``none`` records that no method is used; a blank means not yet known."""

    IUD = "iud", _("宫内节育器")
    FEMALE_STERILIZATION = "female_sterilization", _("女性绝育")
    MALE_STERILIZATION = "male_sterilization", _("男性绝育")
    IMPLANT = "implant", _("皮下埋植")
    INJECTION = "injection", _("避孕针")
    ORAL_PILL = "oral_pill", _("口服避孕药")
    CONDOM = "condom", _("避孕套")
    TOPICAL = "topical", _("外用避孕药")
    OTHER = "other", _("其他方法")
    NONE = "none", _("未采取措施")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("单位就业")
    SELF_EMPLOYED = "self_employed", _("个体经营")
    FLEXIBLE = "flexible", _("灵活就业")
    FARMING = "farming", _("务农")
    UNEMPLOYED = "unemployed", _("无业")
    STUDENT = "student", _("在校学生")
    RETIRED = "retired", _("离退休")
    PRESCHOOL = "preschool", _("学龄前")


class Education(models.TextChoices):
    NONE = "none", _("未上学")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生")


class FlowInReason(models.TextChoices):
    WORK = "work", _("务工经商")
    FAMILY = "family", _("投亲靠友")
    STUDY = "study", _("学习培训")
    FOLLOW = "follow", _("随迁家属")
    MARRIAGE = "marriage", _("婚姻嫁娶")
    HOUSING = "housing", _("拆迁搬家")
    OTHER = "other", _("其他")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    TENANT = "tenant", _("租住人员")
    OTHER = "other", _("其他")


ETHNIC_GROUPS = [
    _("汉族"),
    _("蒙古族"),
    _("回族"),
    _("藏族"),
    _("维吾尔族"),
    _("苗族"),
    _("彝族"),
    _("壮族"),
    _("布依族"),
    _("朝鲜族"),
    _("满族"),
    _("侗族"),
    _("瑶族"),
    _("白族"),
    _("土家族"),
    _("哈尼族"),
    _("哈萨克族"),
    _("傣族"),
    _("黎族"),
    _("傈僳族"),
    _("佤族"),
    _("畲族"),
    _("高山族"),
    _("拉祜族"),
    _("水族"),
    _("东乡族"),
    _("纳西族"),
    _("景颇族"),
    _("柯尔克孜族"),
    _("土族"),
    _("达斡尔族"),
    _("仫佬族"),
    _("羌族"),
    _("布朗族"),
    _("撒拉族"),
    _("毛南族"),
    _("仡佬族"),
    _("锡伯族"),
    _("阿昌族"),
    _("普米族"),
    _("塔吉克族"),
    _("怒族"),
    _("乌孜别克族"),
    _("俄罗斯族"),
    _("鄂温克族"),
    _("德昂族"),
    _("保安族"),
    _("裕固族"),
    _("京族"),
    _("塔塔尔族"),
    _("独龙族"),
    _("鄂伦春族"),
    _("赫哲族"),
    _("门巴族"),
    _("珞巴族"),
    _("基诺族"),
]
ETHNICITY_CHOICES = [(f"{i:02d}", name) for i, name in enumerate(ETHNIC_GROUPS, start=1)]


# References to reference data — org units, division codes and, from history rows, users —
# are checked by the application, not by a database constraint (``db_constraint=False``).
# Those rows are never deleted (no code path deletes them, and ``on_delete=PROTECT`` still
# stops a delete through the ORM), every path that writes a code checks it first (forms,
# API, imports: ``validate_division_code`` + existence, the import's unit lookup), and a
# constraint costs a query per written row: at a million persons these checks were a
# quarter of the database's work in an import (docs/benchmarks.md). References between
# the registry's own records (person -> household, child -> parent, ...) keep theirs.
REFERENCE = {"on_delete": models.PROTECT, "related_name": "+", "db_constraint": False}


def _unit_fk(**kwargs) -> models.ForeignKey:
    """A unit reference stored as the unit's code, so a subtree is a range on this column.

    No index of its own: every model's composite indexes begin with the unit code and serve
    the range; a separate one (two on PostgreSQL for a text key) only slows each insert.
    """
    return models.ForeignKey(
        OrgUnit, to_field="code", db_column="unit_code", db_index=False, **REFERENCE, **kwargs
    )


class Building(models.Model):
    """楼栋/院落: the entry point of 以房管人, in a grid (or a community without grids)."""

    class Kind(models.TextChoices):
        APARTMENT = "apartment", _("住宅楼")
        COURTYARD = "courtyard", _("院落/平房")
        VILLAGE_HOUSE = "village_house", _("农村自建房")
        DORMITORY = "dormitory", _("集体宿舍")
        MIXED = "mixed", _("商住楼")

    scope_field = "unit_id"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = _unit_fk(verbose_name=_("所属网格/社区"))
    name = models.CharField(_("楼栋名称"), max_length=60)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.APARTMENT)
    is_active = models.BooleanField(_("在用"), default=True)
    closed_reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)

    history = History(no_db_index=["uid", "unit"], user_db_constraint=False)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["unit_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="building_unique_name_in_unit")
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """户: a home in a building; a rented home records its landlord (房屋出租户)."""

    scope_field = "unit_id"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    building = models.ForeignKey(
        Building,
        verbose_name=_("楼栋"),
        on_delete=models.PROTECT,
        related_name="households",
        db_index=False,  # household_unique_number_in_building (building, number) serves it
    )
    unit = _unit_fk(verbose_name=_("所属网格/社区"))  # always the building's unit
    number = models.CharField(_("门牌/室号"), max_length=40)
    is_rented = models.BooleanField(_("出租房屋"), default=False)
    landlord = models.ForeignKey(
        "Person",
        verbose_name=_("房东（登记人员）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rented_homes",
        db_index=False,  # household_landlord below
    )
    landlord_name = models.CharField(_("房东姓名"), max_length=50, blank=True)
    landlord_phone = models.CharField(_("房东电话"), max_length=20, blank=True)
    rented_since = models.DateField(_("出租起始"), null=True, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)

    history = History(no_db_index=["uid", "unit", "building", "landlord"], user_db_constraint=False)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["building_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "number"], name="household_unique_number_in_building"
            ),
            models.CheckConstraint(
                condition=Q(is_rented=True) | (Q(landlord__isnull=True) & Q(landlord_name="")),
                name="household_landlord_only_when_rented",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "is_rented"], name="household_unit_rented"),
            # Only a rented home with a registered landlord has one.
            models.Index(
                fields=["landlord"], condition=Q(landlord__isnull=False), name="household_landlord"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.building.name} {self.number}"

    def clean(self) -> None:
        if self.is_rented and not (self.landlord_id or self.landlord_name):
            raise ValidationError(
                {"landlord_name": _("出租房屋须登记房东（已登记人员或姓名和电话）。")}
            )


class Person(models.Model):
    """One person in the registry (全员人口信息), managed where they live."""

    scope_field = "unit_id"
    # Fields whose values are sensitive personal information (PIPL art. 28): masked or
    # hidden unless the role needs them, and every unmasked read is logged.
    SENSITIVE_FIELDS = ("id_number", "contraception", "contraception_since")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    id_number = models.CharField(_("公民身份号码"), max_length=18, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    name_initials = models.CharField(_("拼音首字母"), max_length=50, editable=False)
    name_pinyin = models.CharField(_("拼音"), max_length=200, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=2, choices=ETHNICITY_CHOICES, default="01")
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    education = models.CharField(
        _("文化程度"), max_length=16, choices=Education.choices, blank=True
    )

    hukou_division = models.ForeignKey(
        Division,
        verbose_name=_("户籍地"),
        **REFERENCE,
        db_column="hukou_division",
        # No index: nothing reads persons by 户籍地 yet, divisions are never deleted (the
        # one thing an index would serve) and every person insert paid for it. The
        # 户籍地 exchange will add the one its queries need (by code prefix, with the unit).
        db_index=False,
    )
    hukou_address = models.CharField(_("户籍地址"), max_length=200, blank=True)

    population_type = models.CharField(_("人口类型"), max_length=10, choices=PopulationType.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    unit = _unit_fk(verbose_name=_("现居住网格/社区"))
    household = models.ForeignKey(
        Household,
        verbose_name=_("现居住户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        db_index=False,  # person_household below
    )
    relation = models.CharField(
        _("与户主关系"), max_length=12, choices=Relation.choices, blank=True
    )

    marital_status = models.CharField(_("婚姻状况"), max_length=10, choices=MaritalStatus.choices)
    marriage_date = models.DateField(_("结婚日期"), null=True, blank=True)
    children_count = models.PositiveSmallIntegerField(
        _("现有子女数"), null=True, blank=True, help_text=_("空表示尚未核实。")
    )
    contraception = models.CharField(
        _("节育措施"), max_length=24, choices=Contraception.choices, blank=True
    )
    contraception_since = models.DateField(_("措施起始"), null=True, blank=True)

    employment = models.CharField(
        _("就业情况"), max_length=16, choices=Employment.choices, blank=True
    )
    employer_name = models.CharField(_("工作单位"), max_length=100, blank=True)

    flow_in_date = models.DateField(_("流入日期"), null=True, blank=True)
    flow_in_reason = models.CharField(
        _("流入原因"), max_length=10, choices=FlowInReason.choices, blank=True
    )
    flow_out_date = models.DateField(_("流出日期"), null=True, blank=True)
    flow_out_division = models.ForeignKey(
        Division,
        verbose_name=_("流出去向"),
        **REFERENCE,
        null=True,
        blank=True,
        db_column="flow_out_division",
        db_index=False,  # person_flow_out below
    )
    flow_out_address = models.CharField(_("去向地址"), max_length=200, blank=True)

    ended_on = models.DateField(_("迁出/死亡/注销日期"), null=True, blank=True)
    end_reason = models.CharField(_("迁出/注销原因"), max_length=200, blank=True)

    last_monthly_check = models.DateField(_("最近每月一查"), null=True, blank=True)
    last_quarterly_verification = models.DateField(_("最近季度核对"), null=True, blank=True)
    eight_clear_missing = models.CharField(
        _("八个清楚缺项"), max_length=120, blank=True, editable=False
    )

    registered_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = History(
        excluded_fields=["name_initials", "name_pinyin", "updated_at", "eight_clear_missing"],
        # A person's history is read by the person's id; an index per copied key would
        # only slow every change (and every imported row).
        no_db_index=[
            "uid",
            "id_number",
            "unit",
            "household",
            "hukou_division",
            "flow_out_division",
        ],
        user_db_constraint=False,
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["unit", "status", "name"], name="person_unit_status_name"),
            models.Index(fields=["name", "id"], name="person_name"),
            # A pinyin search reads its page's ids from these alone (no visit to the rows):
            # each holds the other key, the sort (name, id) and the scope (unit, status).
            models.Index(
                fields=["name_initials", "name", "id", "unit", "status", "name_pinyin"],
                name="person_initials_search",
            ),
            models.Index(
                fields=["name_pinyin", "name", "id", "unit", "status", "name_initials"],
                name="person_pinyin_search",
            ),
            models.Index(fields=["unit", "population_type", "status"], name="person_unit_type"),
            models.Index(fields=["household", "status"], name="person_household"),
            # Only the few people who left have a destination: no entry for everyone else.
            models.Index(
                fields=["flow_out_division"],
                condition=Q(flow_out_division__isnull=False),
                name="person_flow_out",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="person_sex_valid"),
            models.CheckConstraint(
                condition=Q(marriage_date__isnull=True) | ~Q(marital_status="single"),
                name="person_single_has_no_marriage_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_migrant(self) -> bool:
        return self.population_type in (PopulationType.INFLOW, PopulationType.OUTFLOW)


class Child(models.Model):
    """A child of a registered person (birth order, date, sex), registered or not."""

    scope_field = "parent__unit_id"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    parent = models.ForeignKey(
        Person,
        verbose_name=_("父/母"),
        on_delete=models.PROTECT,
        related_name="children",
        db_index=False,  # child_unique_order (parent, order) serves it
    )
    order = models.PositiveSmallIntegerField(_("孩次"))
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    person = models.ForeignKey(
        Person,
        verbose_name=_("子女人员档案"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="as_child",
        db_index=False,  # child_person below
    )
    is_living = models.BooleanField(_("健在"), default=True)

    # Read by parent_id and id.
    history = History(no_db_index=["uid", "person"], user_db_constraint=False)

    class Meta:
        verbose_name = _("子女")
        verbose_name_plural = _("子女")
        ordering = ["parent_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "order"], name="child_unique_order"),
            models.CheckConstraint(condition=Q(order__gte=1), name="child_order_positive"),
        ]
        # Few children have a record of their own: no index entry for the others.
        indexes = [
            models.Index(fields=["person"], condition=Q(person__isnull=False), name="child_person")
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} · {self.order}"


class Flow(models.Model):
    """An event in a person's life in the registry: 人来登记, move, 人走注销, death …"""

    class Kind(models.TextChoices):
        ARRIVAL = "arrival", _("流入登记")
        REGISTRATION = "registration", _("建档")
        MOVE = "move", _("市内迁移")
        DEPARTURE = "departure", _("迁出注销")
        OUTFLOW = "outflow", _("外出登记")
        RETURN = "return", _("返回登记")
        DEATH = "death", _("死亡注销")
        CANCELLATION = "cancellation", _("误登注销")
        REACTIVATION = "reactivation", _("恢复在册")

    scope_field = "unit_code"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="flows",
        db_index=False,  # flow_person_date (person, date) serves it
    )
    kind = models.CharField(_("类型"), max_length=14, choices=Kind.choices)
    date = models.DateField(_("日期"))
    unit_code = models.CharField(_("单位代码"), max_length=14)  # where the person is after
    from_unit_code = models.CharField(_("原单位代码"), max_length=14, blank=True)
    from_household = models.ForeignKey(
        Household,
        verbose_name=_("原住户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # flow_from_household below
    )
    to_household = models.ForeignKey(
        Household,
        verbose_name=_("新住户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    division = models.ForeignKey(
        Division,
        verbose_name=_("来源地/去向地"),
        **REFERENCE,
        null=True,
        blank=True,
        # flow_division below: without the second, pattern-matching index Django adds to a
        # text key (nobody searches a division code by pattern here).
        db_index=False,
    )
    address = models.CharField(_("来源/去向地址"), max_length=200, blank=True)
    # A 迁出注销 of someone who left without anyone knowing where: no division, by intent.
    destination_unknown = models.BooleanField(_("去向不明"), default=False)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    actor = models.ForeignKey(
        User, verbose_name=_("登记人"), on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("人口流动")
        verbose_name_plural = _("人口流动")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["unit_code", "date"], name="flow_unit_date"),
            models.Index(fields=["from_unit_code", "date"], name="flow_from_unit_date"),
            models.Index(fields=["person", "date"], name="flow_person_date"),
            models.Index(fields=["division"], name="flow_division"),
            # Only a move within the city has a home it left.
            models.Index(
                fields=["from_household"],
                condition=Q(from_household__isnull=False),
                name="flow_from_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class Check(models.Model):
    """每月一查 / 每季度一核对: someone confirmed the record, on a date, with a result."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("每月一查")
        QUARTERLY = "quarterly", _("季度核对")

    class Result(models.TextChoices):
        CONFIRMED = "confirmed", _("信息无误")
        CORRECTED = "corrected", _("已更正")
        ABSENT = "absent", _("人不在")

    scope_field = "unit_code"

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="checks"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("日期"))
    result = models.CharField(
        _("结果"), max_length=10, choices=Result.choices, default=Result.CONFIRMED
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    unit_code = models.CharField(_("单位代码"), max_length=14)
    actor = models.ForeignKey(
        User, verbose_name=_("核查人"), on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("核查记录")
        verbose_name_plural = _("核查记录")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["person", "kind", "date"], name="check_person_kind_date"),
            models.Index(fields=["unit_code", "date"], name="check_unit_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"
