"""Family health services for married women of childbearing age: the facilities that give
them, the service records, the monthly verification reports and the hospitals' claims.

Health facts are sensitive (PIPL art. 28): a service record's kind, date and next due date
are shown to the coordinating workers with the health right (``view_health``); its clinical
results (``result``, ``items``, ``risk_level``, ``advice``) only to the clinical right
(``view_clinical``: the provider role, and those it is granted to), each read logged.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import EncryptedCharField, EncryptedJSONField
from shequ.core.history import History
from shequ.core.versions import version_field
from shequ.org.models import User
from shequ.registry.models import Person


class Facility(models.Model):
    """A service station or a designated hospital (2–3 per district), on the tree."""

    class Kind(models.TextChoices):
        STATION = "station", _("计生服务站/卫生服务站")
        HOSPITAL = "hospital", _("定点医院")

    scope_field = "unit_code"
    personal_data = False

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    unit_code = models.CharField(_("所属单位代码"), max_length=14)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    version = version_field()
    history = History(user_db_constraint=False)

    class Meta:
        verbose_name = _("服务机构")
        verbose_name_plural = _("服务机构")
        ordering = ["unit_code", "kind", "name"]
        indexes = [models.Index(fields=["unit_code", "kind"], name="facility_unit_kind")]

    def __str__(self) -> str:
        return self.name


class FacilityStaff(models.Model):
    """A ``provider`` account belongs to one facility."""

    scope_field = "facility__unit_code"
    personal_data = False

    user = models.OneToOneField(
        User, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="health_facility"
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="staff"
    )
    since = models.DateField(_("起始日期"), auto_now_add=True)

    class Meta:
        verbose_name = _("机构人员")
        verbose_name_plural = _("机构人员")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.facility_id}"


class ServiceKind(models.TextChoices):
    REPRODUCTIVE_CHECK = "reproductive_check", _("生殖健康检查")
    PREPREGNANCY_CHECK = "prepregnancy_check", _("孕前优生健康检查")
    PREPREGNANCY_FOLLOWUP = "prepregnancy_followup", _("孕前检查随访（早孕/妊娠结局）")
    PREGNANCY_REGISTRATION = "pregnancy_registration", _("孕产期保健登记（早孕建册）")
    PREGNANCY_VISIT = "pregnancy_visit", _("孕期访视")
    BIRTH = "birth", _("分娩（妊娠结局）")
    POSTNATAL_VISIT = "postnatal_visit", _("产后访视")
    CONTRACEPTION_COUNSELLING = "contraception_counselling", _("避孕节育知情选择")
    PROCEDURE = "procedure", _("定点医院手术")
    PROCEDURE_FOLLOWUP = "procedure_followup", _("术后随访")


class RiskLevel(models.TextChoices):
    LOW = "low", _("一般人群")
    HIGH = "high", _("高风险人群")


# The 19 items of the national free pre-pregnancy check (DOMAIN-FACTS §5), each coded
# normal/abnormal per spouse.
PREPREGNANCY_ITEMS = [
    ("education", _("优生健康教育")),
    ("history", _("病史询问")),
    ("physical", _("体格检查")),
    ("vaginal", _("阴道分泌物")),
    ("blood", _("血常规")),
    ("urine", _("尿常规")),
    ("blood_type", _("血型（ABO/Rh）")),
    ("glucose", _("血糖")),
    ("liver", _("肝功能")),
    ("hepatitis_b", _("乙肝五项")),
    ("kidney", _("肾功能")),
    ("thyroid", _("甲状腺功能（TSH）")),
    ("syphilis", _("梅毒螺旋体")),
    ("rubella", _("风疹病毒IgG")),
    ("cmv", _("巨细胞病毒")),
    ("toxoplasma", _("弓形体")),
    ("ultrasound", _("妇科超声")),
    ("risk", _("风险评估")),
    ("counselling", _("咨询指导")),
]
PREPREGNANCY_ITEM_CODES = [code for code, _label in PREPREGNANCY_ITEMS]


class ServiceRecord(models.Model):
    """One service given to a woman (and, for the pre-pregnancy check, her husband): who,
    when, where, the result, and the next due date (a ``duework`` task)."""

    class Status(models.TextChoices):
        DONE = "done", _("已完成")
        REFERRED = "referred", _("已转诊")
        DECLINED = "declined", _("本人拒绝")

    scope_field = "unit_code"
    # Fields shown only to the clinical right (``view_clinical``).
    CLINICAL_FIELDS = ("result", "items", "risk_level", "advice")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("服务类型"), max_length=30, choices=ServiceKind.choices)
    person = models.ForeignKey(
        Person,
        verbose_name=_("服务对象"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # service_person_kind below
    )
    spouse = models.ForeignKey(
        Person,
        verbose_name=_("配偶"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    unit_code = models.CharField(_("单位代码"), max_length=14)
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("服务机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
    )
    date = models.DateField(_("服务日期"))
    place = models.CharField(_("服务地点"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DONE)
    # Clinical: the provider role and those it is shared with.
    # Stored encrypted (docs/security.md): no list filters or sorts on them in the database.
    result = EncryptedCharField(_("结果"), max_length=500, blank=True)
    items = EncryptedJSONField(_("检查项目"), default=dict, blank=True)
    risk_level = EncryptedCharField(
        _("风险等级"), max_length=6, choices=RiskLevel.choices, blank=True
    )
    advice = EncryptedCharField(_("指导意见"), max_length=500, blank=True)
    # A migrant's check-up is notified to her registration place (outbox) with its kind and
    # date; its clinical result and risk level go with it only when the provider shares them
    # for this record (PIPL art. 28/29: the separate consent a health fact asks for).
    share_clinical = models.BooleanField(
        _("临床结果通报户籍地"),
        default=False,
        help_text=_("勾选后，流动人口的检查结果和风险等级随通报发给户籍地（须本人同意）。"),
    )
    # A procedure at a designated hospital: what the street claims from the district.
    cost = models.DecimalField(
        _("费用（元）"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    claim = models.ForeignKey(
        "ClaimBatch",
        verbose_name=_("报销批次"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
    )
    next_due_date = models.DateField(_("下次服务日期"), null=True, blank=True)
    # The record that asked for this one (a follow-up of a check, a visit of a registration).
    follows = models.ForeignKey(
        "self", verbose_name=_("随访自"), on_delete=models.PROTECT, null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        User,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    version = version_field()
    history = History(no_db_index=["uid", "person", "spouse"], user_db_constraint=False)

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["unit_code", "date"], name="service_unit_date"),
            models.Index(fields=["person", "kind", "date"], name="service_person_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


class MonthlyReport(models.Model):
    """信息核对、补充报告单 of one unit (community, street or district) for one month: its
    figures generated from that month's records, submitted up the chain by a deadline,
    returned with a reason or approved. Approval locks the unit's month."""

    class State(models.TextChoices):
        DRAFT = "draft", _("待上报")
        SUBMITTED = "submitted", _("已上报")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已审核")

    scope_field = "unit_code"
    personal_data = False  # counts only

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit_code = models.CharField(_("单位代码"), max_length=14)
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    figures = models.JSONField(_("数据"), default=dict)
    note = models.CharField(_("补充说明"), max_length=500, blank=True)
    deadline = models.DateField(_("上报截止"))
    submitted_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, db_constraint=False, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, db_constraint=False, related_name="+"
    )
    return_reason = models.CharField(_("退回原因"), max_length=500, blank=True)
    locked = models.BooleanField(_("已锁定"), default=False)
    version = version_field()
    history = History(user_db_constraint=False)

    class Meta:
        verbose_name = _("信息核对、补充报告单")
        verbose_name_plural = _("信息核对、补充报告单")
        ordering = ["-month", "unit_code"]
        constraints = [
            models.UniqueConstraint(fields=["unit_code", "month"], name="report_unit_month")
        ]

    def __str__(self) -> str:
        return f"{self.unit_code} {self.month:%Y-%m}"


class ClaimBatch(models.Model):
    """A street's claim for one month's procedures at one designated hospital, approved or
    returned by the district."""

    class State(models.TextChoices):
        DRAFT = "draft", _("待提交")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已批准")

    scope_field = "unit_code"
    personal_data = False

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit_code = models.CharField(_("街道代码"), max_length=14)
    month = models.DateField(_("月份"))
    hospital = models.ForeignKey(
        Facility, verbose_name=_("定点医院"), on_delete=models.PROTECT, related_name="claims"
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    count = models.PositiveIntegerField(_("例数"), default=0)
    total = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2, default=0)
    return_reason = models.CharField(_("退回原因"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, db_constraint=False, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, db_constraint=False, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    version = version_field()
    history = History(user_db_constraint=False)

    class Meta:
        verbose_name = _("报销批次")
        verbose_name_plural = _("报销批次")
        ordering = ["-month", "unit_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit_code", "month", "hospital"], name="claim_unit_month_hospital"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_code} {self.month:%Y-%m} {self.hospital_id}"
