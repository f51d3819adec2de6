"""Rules as data: one row is one value of one setting for a region and a period.

A setting is named by ``programme`` (the app or scheme it belongs to, e.g. ``health``) and
``key`` (e.g. ``residence_threshold_months``). ``region_prefix`` is a division-code prefix
("" for the whole country, ``3406`` for 淮北市, ``340603`` for 相山区 …): the row with the
longest prefix matching a place wins, so a district overrides its city. ``valid_from`` and
``valid_to`` (inclusive, open when blank) say when it applies; the periods of one programme,
key and region never overlap (``services``). Rows are never deleted: a value that stops
applying gets an end date.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.history import History
from shequ.core.versions import version_field
from shequ.org.models import User


class Setting(models.Model):
    # Settings are rules, not people's data: administrators and auditors' scoping aside,
    # everyone on the tree reads the ones that apply to their place (``selectors``).
    personal_data = False
    scope_field = "region_prefix"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.CharField(_("业务"), max_length=40)
    key = models.CharField(_("设置项"), max_length=60)
    region_prefix = models.CharField(
        _("适用地区（区划代码前缀）"), max_length=14, blank=True, default=""
    )
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    value = models.JSONField(_("值"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    version = version_field()
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("修改人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    history = History(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("规则设置")
        verbose_name_plural = _("规则设置")
        ordering = ["programme", "key", "region_prefix", "-valid_from"]
        indexes = [
            models.Index(
                fields=["programme", "key", "region_prefix", "valid_from"],
                name="setting_lookup",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme}.{self.key}@{self.region_prefix or '*'}"
