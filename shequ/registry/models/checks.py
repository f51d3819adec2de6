"""Checks: 每月一查 is a visit to a home with an outcome per person; 人不在 opens a pending
departure (人走注销) the community resolves; 每季度一核对 is reviewed by the street."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.org.models import User
from shequ.registry.models.choices import REFERENCE
from shequ.registry.models.housing import Household
from shequ.registry.models.people import Person


class Visit(models.Model):
    """每月一查: a worker visited a home (住户) on a day; its checks are the outcome per person."""

    scope_field = "unit_code"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(
        Household, verbose_name=_("住户"), on_delete=models.PROTECT, related_name="visits"
    )
    date = models.DateField(_("走访日期"))
    unit_code = models.CharField(_("单位代码"), max_length=14)
    actor = models.ForeignKey(User, verbose_name=_("核查人"), **REFERENCE, null=True, blank=True)
    newcomers = models.CharField(
        _("新来人员"), max_length=200, blank=True, help_text=_("走访时发现、尚未登记的人员。")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("入户走访")
        verbose_name_plural = _("入户走访")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["unit_code", "date"], name="visit_unit_date"),
            models.Index(fields=["household", "date"], name="visit_household_date"),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.date}"


class Check(models.Model):
    """每月一查 / 每季度一核对: someone confirmed the record, on a date, with a result.

    A monthly check made on a visit names it (``visit``); checks recorded before visits
    existed, or of a person without a home, have none."""

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
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("走访"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checks",
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


class PendingDeparture(models.Model):
    """人走注销 pending: a visit found the person gone; the community confirms the departure
    (a flow out through the flow services) or records them found again."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        DEPARTED = "departed", _("已注销")
        FOUND = "found", _("人员仍在")

    scope_field = "unit_code"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="pending_departures"
    )
    check_row = models.OneToOneField(
        Check,
        verbose_name=_("核查记录"),
        on_delete=models.PROTECT,
        related_name="pending_departure",
        db_column="check_id",
    )
    unit_code = models.CharField(_("单位代码"), max_length=14)
    raised_on = models.DateField(_("发现日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        User, verbose_name=_("处理人"), **REFERENCE, null=True, blank=True
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolution = models.CharField(_("处理说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("待注销人员")
        verbose_name_plural = _("待注销人员")
        ordering = ["-raised_on", "-id"]
        indexes = [models.Index(fields=["unit_code", "status"], name="pending_unit_status")]
        constraints = [
            # One open case per person: a second 人不在 adds to the same case.
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="open"), name="pending_one_open_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.raised_on}"


class QuarterlyReview(models.Model):
    """每季度一核对 reviewed by a street: who reviewed which quarter of its communities'
    checks, when, with what figures and findings."""

    scope_field = "unit_code"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit_code = models.CharField(_("街道代码"), max_length=14)
    quarter = models.DateField(_("季度"), help_text=_("季度的第一天。"))
    reviewer = models.ForeignKey(User, verbose_name=_("核对人"), **REFERENCE, null=True)
    reviewed_at = models.DateTimeField(_("核对时间"), auto_now_add=True)
    figures = models.JSONField(_("核对时的数字"), default=dict)
    findings = models.TextField(_("核对意见"))

    class Meta:
        verbose_name = _("季度核对")
        verbose_name_plural = _("季度核对")
        ordering = ["-quarter", "-id"]
        indexes = [models.Index(fields=["unit_code", "quarter"], name="review_unit_quarter")]

    def __str__(self) -> str:
        return f"{self.unit_code} {self.quarter}"
