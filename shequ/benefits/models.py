"""The benefits' records: a programme's list of a year for a street (computed, checked by
the communities, confirmed and then frozen), its rows (one person each, with the facts and
reasons as they were), the payments of a row, and the declarations the registry cannot know.

Every record hangs on the tree by a unit code: a list by its street (``unit``), a row and a
payment by the community where the person lives or is registered (``unit_code``), so a
community worker sees their own people's rows and the street sees all."""

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from shequ.benefits.rules import Outcome, Programme
from shequ.core.history import History
from shequ.core.versions import version_field
from shequ.org.models import User
from shequ.org.roles import Role
from shequ.registry.models import REFERENCE, Person, unit_fk

# Who confirms a year's list: the street office (街道), which answers for it to the district.
CONFIRM_ROLES = frozenset({Role.STREET})
# Who checks rows (核对): the community of the person, or the street itself.
CHECK_ROLES = frozenset({Role.COMMUNITY, Role.STREET})


def may_confirm(user) -> bool:
    if user is None or getattr(user, "is_superuser", False):
        return True
    return getattr(user, "role", "") in CONFIRM_ROLES


def may_check(user) -> bool:
    if user is None or getattr(user, "is_superuser", False):
        return True
    return getattr(user, "role", "") in CHECK_ROLES


class ListState(models.TextChoices):
    COMPUTING = "computing", _("计算中")
    COMPUTED = "computed", _("待核对确认")
    CONFIRMED = "confirmed", _("已确认（冻结）")
    FAILED = "failed", _("计算失败")


class BenefitList(FSMModelMixin, models.Model):
    """One programme's list of one year for one street (年度名单). Computed from the
    registry through ``eligibility`` (a background job with progress), checked row by row by
    the communities, confirmed by the street: from then on its rows are frozen."""

    scope_field = "unit_id"
    personal_data = True

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.CharField(_("项目"), max_length=24, choices=Programme.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    unit = unit_fk(verbose_name=_("街道/乡镇"))
    state = FSMField(
        _("状态"),
        max_length=10,
        choices=ListState.choices,
        default=ListState.COMPUTING,
        protected=True,
    )
    basis_on = models.DateField(_("规则适用日期"))
    # The rule rows that decided the amounts and thresholds: {setting uid: {key, region, value}}.
    rules = models.JSONField(_("适用规则"), default=dict, blank=True)
    progress_done = models.PositiveIntegerField(_("已计算人数"), default=0)
    progress_total = models.PositiveIntegerField(_("待计算人数"), default=0)
    message = models.TextField(_("说明"), blank=True)
    eligible_count = models.PositiveIntegerField(_("符合人数"), default=0)
    pending_count = models.PositiveIntegerField(_("待核实人数"), default=0)
    ineligible_count = models.PositiveIntegerField(_("不符合人数"), default=0)
    total_amount = models.DecimalField(_("合计金额"), max_digits=14, decimal_places=2, default=0)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    computed_by = models.ForeignKey(
        User, verbose_name=_("计算人"), **REFERENCE, null=True, blank=True
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User, verbose_name=_("确认人"), **REFERENCE, null=True, blank=True
    )
    published = models.BooleanField(_("已公示"), default=False)
    version = version_field()

    history = History(no_db_index=["uid", "unit", "computed_by", "confirmed_by"])

    class Meta:
        verbose_name = _("扶助年度名单")
        verbose_name_plural = _("扶助年度名单")
        ordering = ["-year", "programme", "unit_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "year", "unit"], name="benefit_list_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_programme_display()}"

    @property
    def frozen(self) -> bool:
        return self.state == ListState.CONFIRMED

    @transition(
        field=state, source=[ListState.COMPUTED, ListState.FAILED], target=ListState.COMPUTING
    )
    def recompute(self) -> None:
        pass

    @transition(field=state, source=ListState.COMPUTING, target=ListState.COMPUTED)
    def finish(self) -> None:
        pass

    @transition(field=state, source=ListState.COMPUTING, target=ListState.FAILED)
    def fail(self) -> None:
        pass

    @transition(field=state, source=ListState.COMPUTING, target=ListState.FAILED)
    def reset(self) -> None:
        """A computation whose job died: the list may be computed again."""

    def _all_checked(self) -> bool:
        return not self.rows.filter(checked_at__isnull=True).exists()

    @transition(
        field=state,
        source=ListState.COMPUTED,
        target=ListState.CONFIRMED,
        conditions=[_all_checked],
        permission=lambda benefit_list, user: may_confirm(user),
    )
    def confirm(self) -> None:
        pass


class BenefitRow(models.Model):
    """One person on a list: the outcome, the amount, the reason for each condition, and the
    facts they were computed from — kept as they were, so the list reads the same later
    whatever the registry says then. After confirmation only a correction (with reason)
    changes whether the person is paid (``included``)."""

    scope_field = "unit_code"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    benefit_list = models.ForeignKey(
        BenefitList, verbose_name=_("年度名单"), on_delete=models.PROTECT, related_name="rows"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit_code = models.CharField(_("所在单位代码"), max_length=14)
    name = models.CharField(_("姓名"), max_length=50)
    id_masked = models.CharField(_("公民身份号码（遮蔽）"), max_length=20, blank=True)
    sex = models.CharField(_("性别"), max_length=1)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"))
    hukou_code = models.CharField(_("户籍地代码"), max_length=12)
    outcome = models.CharField(_("计算结果"), max_length=10, choices=Outcome.choices)
    category = models.CharField(_("类别"), max_length=24, blank=True)
    amount = models.DecimalField(
        _("年度金额"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    reasons = models.JSONField(_("各项条件"), default=list)
    facts = models.JSONField(_("计算依据"), default=dict)
    included = models.BooleanField(_("列入发放"), default=False)
    checked_at = models.DateTimeField(_("核对时间"), null=True, blank=True)
    checked_by = models.ForeignKey(
        User, verbose_name=_("核对人"), **REFERENCE, null=True, blank=True
    )
    check_note = models.CharField(_("核对意见"), max_length=200, blank=True)
    # A correction after confirmation: added (not computed onto the list), or its
    # inclusion changed; the reason says why (the history keeps who and when).
    corrected = models.BooleanField(_("已更正"), default=False)
    added_by_correction = models.BooleanField(_("更正增补"), default=False)
    correction_reason = models.CharField(_("更正原因"), max_length=200, blank=True)
    version = version_field()

    history = History(
        no_db_index=["uid", "benefit_list", "person", "checked_by"],
        excluded_fields=["facts", "reasons"],
    )

    class Meta:
        verbose_name = _("名单人员")
        verbose_name_plural = _("名单人员")
        ordering = ["unit_code", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["benefit_list", "person"], name="benefit_row_person"),
        ]
        indexes = [
            models.Index(
                fields=["benefit_list", "unit_code", "name", "id"], name="benefit_row_list"
            ),
            models.Index(fields=["unit_code"], name="benefit_row_unit"),
        ]

    def __str__(self) -> str:
        return self.name


class PaymentState(models.TextChoices):
    DUE = "due", _("待发放")
    PAID = "paid", _("已发放")
    FAILED = "failed", _("发放失败")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已取消")


def _bank_reference() -> str:
    return "BF" + secrets.token_hex(6).upper()


class Payment(FSMModelMixin, models.Model):
    """One payment of a row for one period, its amount taken from the frozen row. The bank
    pays by the file exported for it and answers paid, failed or returned."""

    scope_field = "unit_code"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    row = models.ForeignKey(
        BenefitRow, verbose_name=_("名单人员"), on_delete=models.PROTECT, related_name="payments"
    )
    benefit_list = models.ForeignKey(
        BenefitList,
        verbose_name=_("年度名单"),
        on_delete=models.PROTECT,
        related_name="payments",
        db_index=False,
    )
    unit_code = models.CharField(_("所在单位代码"), max_length=14)
    period = models.CharField(_("发放期"), max_length=10)
    amount = models.DecimalField(_("金额"), max_digits=10, decimal_places=2)
    reference = models.CharField(
        _("付款参考号"), max_length=20, unique=True, default=_bank_reference, editable=False
    )
    state = FSMField(
        _("状态"),
        max_length=10,
        choices=PaymentState.choices,
        default=PaymentState.DUE,
        protected=True,
    )
    result_on = models.DateField(_("银行处理日期"), null=True, blank=True)
    result_note = models.CharField(_("说明"), max_length=200, blank=True)
    exported_at = models.DateTimeField(_("导出给银行时间"), null=True, blank=True)
    version = version_field()

    history = History(no_db_index=["uid", "row", "benefit_list", "reference"])

    class Meta:
        verbose_name = _("发放记录")
        verbose_name_plural = _("发放记录")
        ordering = ["period", "unit_code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["row", "period"], name="benefit_payment_period"),
        ]
        indexes = [
            models.Index(fields=["benefit_list", "state", "period"], name="benefit_payment_list"),
            models.Index(fields=["unit_code"], name="benefit_payment_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.period}"

    @transition(field=state, source=PaymentState.DUE, target=PaymentState.PAID)
    def pay(self) -> None:
        pass

    @transition(field=state, source=PaymentState.DUE, target=PaymentState.FAILED)
    def fail(self) -> None:
        pass

    @transition(field=state, source=PaymentState.PAID, target=PaymentState.RETURNED)
    def give_back(self) -> None:
        pass

    @transition(
        field=state, source=[PaymentState.FAILED, PaymentState.RETURNED], target=PaymentState.DUE
    )
    def reissue(self) -> None:
        pass

    @transition(
        field=state,
        source=[PaymentState.DUE, PaymentState.FAILED, PaymentState.RETURNED],
        target=PaymentState.CANCELLED,
    )
    def cancel(self) -> None:
        pass


class Confirmation(models.Model):
    """A fact the registry cannot know, declared by the person (承诺) or confirmed by staff
    (核实) for a programme: e.g. no policy-violating birth 1973–2001, or the hukou nature of
    a spouse outside the registry. Replaced by a newer one, never deleted."""

    scope_field = "unit_code"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+"
    )
    unit_code = models.CharField(_("所在单位代码"), max_length=14)
    key = models.CharField(_("事项"), max_length=40)
    value = models.BooleanField(_("结论"))
    note = models.CharField(_("说明（材料、核实方式）"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("登记人"), **REFERENCE, null=True, blank=True
    )
    version = version_field()

    history = History(no_db_index=["uid", "person", "recorded_by"])

    class Meta:
        verbose_name = _("承诺与核实")
        verbose_name_plural = _("承诺与核实")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "key"], name="benefit_confirmation_key"),
        ]
        indexes = [models.Index(fields=["unit_code", "key"], name="benefit_confirmation_unit")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.key}"


__all__ = [
    "CHECK_ROLES",
    "CONFIRM_ROLES",
    "BenefitList",
    "BenefitRow",
    "Confirmation",
    "ListState",
    "Payment",
    "PaymentState",
    "may_check",
    "may_confirm",
]
