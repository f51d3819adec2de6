"""Persons and the children recorded with them."""

import uuid

from django.db import models
from django.db.models import Q
from django.db.models.functions import Left
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import (
    BlindIndexField,
    DerivedFieldsMixin,
    EncryptedCharField,
    EncryptedDateField,
    IdAreaField,
)
from shequ.core.history import History
from shequ.core.versions import version_field
from shequ.org.models import Division
from shequ.registry.models.choices import (
    ETHNICITY_CHOICES,
    REFERENCE,
    Contraception,
    DisabilityGrade,
    Education,
    Employment,
    FlowInReason,
    HukouNature,
    MaritalStatus,
    PersonStatus,
    PopulationType,
    Sex,
    unit_fk,
)
from shequ.registry.models.housing import Household

# Persons who may live outside their registration place (户在人不在): everyone whose 户籍地
# is not the community (the first 12 digits of the unit code) they live in. The outflow list
# of a registration place reads them from a partial index on this condition, which leaves
# out the locals living at home — most of the registry.
AWAY_FROM_HUKOU = ~Q(hukou_division=Left("unit", 12))

# The active migrants (流入 and 流出), whom 每月一查 and 八个清楚 concern: the checks' figures
# of a unit read them from the partial index ``person_migrant_checks`` alone. A query must
# repeat this condition as it is (the same list, in this order) for the index to serve it.
ACTIVE_MIGRANTS = Q(
    status=PersonStatus.ACTIVE,
    population_type__in=[PopulationType.INFLOW, PopulationType.OUTFLOW],
)


class Person(DerivedFieldsMixin, models.Model):
    """One person in the registry (全员人口信息), managed where they live."""

    scope_field = "unit_id"
    # The registration place's read-only scope (org.scoping.registered_elsewhere): 户籍地.
    registration_scope_field = "hukou_division_id"
    # Fields whose values are sensitive personal information (PIPL art. 28): masked or
    # hidden unless the role needs them, and every unmasked read is logged.
    SENSITIVE_FIELDS = ("id_number", "contraception", "contraception_since")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Stored encrypted (docs/security.md "Encryption at rest"); found by its blind index
    # (unique), searched by its beginning through the area code and the birth date.
    # Nullable: a newborn may have no number yet.
    id_number = EncryptedCharField(
        _("公民身份号码"), max_length=18, null=True, digest_field="id_number_digest"
    )
    id_number_digest = BlindIndexField(source="id_number", unique=True)
    id_area = IdAreaField(_("身份证号码地区码"), source="id_number")
    birth_certificate_number = models.CharField(_("出生医学证明编号"), max_length=20, blank=True)
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
    # 户口性质 as registered (农业/非农业): abolished by the 2014 hukou reform but still what
    # benefits for rural families ask; its history (simple-history) keeps past values.
    hukou_nature = models.CharField(
        _("户口性质"), max_length=12, choices=HukouNature.choices, blank=True
    )

    population_type = models.CharField(_("人口类型"), max_length=10, choices=PopulationType.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE
    )
    unit = unit_fk(verbose_name=_("现居住网格/社区"))
    household = models.ForeignKey(
        Household,
        verbose_name=_("现居住户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        db_index=False,  # person_household below
    )

    # Derived caches, kept in step by the services (rules.marital_status_of,
    # rules.children_count_of): the marriage and child rows decide once there are any; before
    # that, what registration or the import stated.
    marital_status = models.CharField(_("婚姻状况"), max_length=10, choices=MaritalStatus.choices)
    marriage_date = models.DateField(_("结婚日期"), null=True, blank=True)
    children_count = models.PositiveSmallIntegerField(
        _("现有子女数"), null=True, blank=True, help_text=_("空表示尚未核实。")
    )
    # Health facts: stored encrypted. The method has a blind index of its own so that the
    # health and supplies lists can ask "who uses pills" in the database (docs/security.md).
    contraception = EncryptedCharField(
        _("节育措施"),
        max_length=24,
        choices=Contraception.choices,
        blank=True,
        digest_field="contraception_digest",
    )
    contraception_digest = BlindIndexField(source="contraception", db_index=True)
    contraception_since = EncryptedDateField(_("措施起始"), null=True, blank=True)

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
    version = version_field()

    history = History(
        excluded_fields=["name_initials", "name_pinyin", "updated_at", "eight_clear_missing"],
        # A person's history is read by the person's id; an index per copied key would
        # only slow every change (and every imported row).
        no_db_index=[
            "uid",
            "id_number",
            "id_number_digest",
            "id_area",
            "unit",
            "household",
            "hukou_division",
            "flow_out_division",
            "contraception_digest",
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
            # A search by an identity number's beginning (area code, birth date).
            models.Index(fields=["id_area", "birth_date"], name="person_id_area_birth"),
            # The health services' monthly target list reads married women only (a fifth
            # of the persons): their own index, by place and age.
            models.Index(
                fields=["unit", "birth_date"],
                condition=Q(sex="F", marital_status="married", status="active"),
                name="person_married_women",
            ),
            # Sex and age over a place (women 15-49, the services' first filter): the capped
            # count read from this index alone; by a seq scan it took 4-650 ms for a district
            # at 1,000,000 persons, with it 4-13 ms (docs/benchmarks.md).
            models.Index(
                fields=["unit", "sex", "birth_date"],
                condition=Q(status="active"),
                name="person_unit_sex_birth",
            ),
            models.Index(fields=["household", "status"], name="person_household"),
            # The outflow list's ids, its sort and its count from this index alone, its sex
            # and 人口类型 filters too (PostgreSQL; without them a filtered count was a
            # parallel scan of the table: 230-300 ms for a district at 1,000,000 persons,
            # 5-9 ms from the index).
            models.Index(
                fields=["hukou_division", "unit", "status", "name", "id"],
                condition=AWAY_FROM_HUKOU,
                include=["sex", "population_type"],
                name="person_hukou_away",
            ),
            models.Index(
                fields=["unit", "last_monthly_check", "eight_clear_missing"],
                condition=ACTIVE_MIGRANTS,
                name="person_migrant_checks",
            ),
            # Only the few people who left have a destination: no entry for everyone else.
            models.Index(
                fields=["flow_out_division"],
                condition=Q(flow_out_division__isnull=False),
                name="person_flow_out",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="person_sex_valid"),
            models.UniqueConstraint(
                fields=["birth_certificate_number"],
                condition=~Q(birth_certificate_number=""),
                name="person_birth_certificate_unique",
            ),
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
    """A child (birth order, date, sex), registered here or not, on both its parents.

    ``parent`` is the registry parent whose record lists the child (the mother where she is
    registered, else the father): forms, import and export work through it, and ``order``
    is that parent's 孩次. ``mother`` and ``father`` are the registry parents (one of them
    is ``parent``); a parent outside the registry is the outside side of ``marriage``, and
    with neither the parent is unknown. A child living here is a person (``person``)."""

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
    death_date = models.DateField(_("死亡日期"), null=True, blank=True)
    disability_grade = models.CharField(
        _("残疾等级"), max_length=2, choices=DisabilityGrade.choices, blank=True
    )
    mother = models.ForeignKey(
        Person,
        verbose_name=_("母亲"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children_as_mother",
        db_index=False,  # child_mother below
    )
    father = models.ForeignKey(
        Person,
        verbose_name=_("父亲"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children_as_father",
        db_index=False,  # child_father below
    )
    marriage = models.ForeignKey(
        "registry.Marriage",
        verbose_name=_("父母婚姻"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        db_index=False,  # child_marriage below
    )

    # Read by parent_id and id.
    history = History(
        no_db_index=["uid", "person", "mother", "father", "marriage"], user_db_constraint=False
    )

    class Meta:
        verbose_name = _("子女")
        verbose_name_plural = _("子女")
        ordering = ["parent_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "order"], name="child_unique_order"),
            models.CheckConstraint(condition=Q(order__gte=1), name="child_order_positive"),
            models.CheckConstraint(
                condition=Q(death_date__isnull=True) | Q(is_living=False),
                name="child_dead_is_not_living",
            ),
        ]
        # Few children have a record of their own: no index entry for the others.
        indexes = [
            models.Index(fields=["person"], condition=Q(person__isnull=False), name="child_person"),
            models.Index(fields=["mother"], condition=Q(mother__isnull=False), name="child_mother"),
            models.Index(fields=["father"], condition=Q(father__isnull=False), name="child_father"),
            models.Index(
                fields=["marriage"], condition=Q(marriage__isnull=False), name="child_marriage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} · {self.order}"
