"""How this deployment types its people (人户分离, 流动): one row of settings edited by city
staff, with history, and the re-typing jobs a change starts (with their report)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.history import History
from shequ.core.versions import version_field


class SeparationBoundary(models.TextChoices):
    """What a person must cross from their 户籍地 to be 人户分离."""

    STREET = "street", _("跨乡镇街道（统计口径）")
    COMMUNITY = "community", _("跨社区/村")


class MigrantBoundary(models.TextChoices):
    """What a person must leave to be 流动 (流入 here)."""

    COUNTY = "county", _("离开户籍所在县（市、区），市辖区之间不算（2009年条例第二条）")
    CITY = "city", _("离开本市")


class TypingSettings(models.Model):
    """The one row of typing settings (pk 1); absent, the defaults (DOMAIN-FACTS §9) apply."""

    separation_boundary = models.CharField(
        _("人户分离的界线"),
        max_length=10,
        choices=SeparationBoundary.choices,
        default=SeparationBoundary.STREET,
    )
    migrant_boundary = models.CharField(
        _("流动人口的界线"),
        max_length=10,
        choices=MigrantBoundary.choices,
        default=MigrantBoundary.COUNTY,
    )
    service_months = models.PositiveSmallIntegerField(
        _("享受服务的居住月数"),
        default=6,
        help_text=_("流入人员在现居住地居住满此月数，方享受按居住地提供的服务。"),
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    version = version_field()

    history = History(user_db_constraint=False)

    class Meta:
        verbose_name = _("人口分类设置")
        verbose_name_plural = _("人口分类设置")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class RetypeJob(models.Model):
    """One re-typing of the registry after a settings change, run by the task worker: how
    many records changed from which type to which (``report``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    scope_field = "unit_code"
    personal_data = False  # counts only: the city's administrator follows the job

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    unit_code = models.CharField(_("单位代码"), max_length=14, blank=True)
    reason = models.CharField(_("原因"), max_length=500)
    settings_before = models.JSONField(_("修改前设置"), default=dict)
    settings_after = models.JSONField(_("修改后设置"), default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    checked_count = models.PositiveIntegerField(_("核对人数"), default=0)
    changed_count = models.PositiveIntegerField(_("改变类型人数"), default=0)
    # {"<from>→<to>": count}: what changed from what to what.
    report = models.JSONField(_("变化统计"), default=dict, blank=True)
    message = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("重新分类任务")
        verbose_name_plural = _("重新分类任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.created_at:%Y-%m-%d %H:%M}"
