"""Checks: 每月一查 and 每季度一核对, one row per person checked."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.org.models import User
from shequ.registry.models.people import Person


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
