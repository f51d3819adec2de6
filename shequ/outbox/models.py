"""The notification outbox: a tracked message from one unit to another place about a person
(a migrant's check-up result to her registration place), with the deadline the law sets.

Today the destination is a unit of this deployment, which sees the message in its inbox;
once the exchange between deployments lands, a message to a place outside the tree
(``to_unit_code`` blank, ``to_division_code`` set) stays ``due`` until the exchange carries
it. Overdue is derived: not acknowledged by ``due_date``.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.org.models import User
from shequ.registry.models import Person


class Notification(models.Model):
    class State(models.TextChoices):
        DUE = "due", _("待发送")
        SENT = "sent", _("已送达")
        ACKNOWLEDGED = "acknowledged", _("已确认")

    # The receiving unit is where the message lives (its inbox); the sender reads it too
    # (``selectors.notifications_visible``).
    scope_field = "to_unit_code"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("标题"), max_length=120)
    summary = models.CharField(_("内容"), max_length=500, blank=True)
    # Health facts in ``summary``: shown only to the health right, each read logged.
    health = models.BooleanField(_("含健康信息"), default=False)
    person = models.ForeignKey(
        Person,
        verbose_name=_("对象"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    person_name = models.CharField(_("对象姓名"), max_length=50, blank=True)
    from_unit_code = models.CharField(_("发送单位"), max_length=14)
    to_unit_code = models.CharField(_("接收单位"), max_length=14, blank=True)
    to_division_code = models.CharField(_("接收地区划代码"), max_length=12, blank=True)
    due_date = models.DateField(_("时限"))
    state = models.CharField(_("状态"), max_length=14, choices=State.choices, default=State.DUE)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        User,
        verbose_name=_("确认人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )
    reply = models.CharField(_("回复"), max_length=200, blank=True)
    key = models.CharField(_("幂等键"), max_length=120, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["to_unit_code", "state", "due_date"], name="notice_to_state_due"),
            models.Index(fields=["from_unit_code", "created_at"], name="notice_from_created"),
        ]

    def __str__(self) -> str:
        return self.title
