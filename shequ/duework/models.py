"""Due work: a task a rule created (a visit due, a report to file), for whom, which unit,
by when, and who did it with what outcome; and the days staff added to the official
working-day calendar."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.versions import version_field
from shequ.org.models import User
from shequ.registry.models import Person


class Task(models.Model):
    """One piece of work due by a date. ``source_key`` names what created it (the rule and
    the record, e.g. ``health.postnatal:<record uid>``): creating it again finds this row."""

    class State(models.TextChoices):
        OPEN = "open", _("待办")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    scope_field = "unit_code"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("事项"), max_length=120)
    person = models.ForeignKey(
        Person,
        verbose_name=_("对象"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # task_person below
    )
    unit_code = models.CharField(_("责任单位代码"), max_length=14)
    grid_code = models.CharField(_("网格代码"), max_length=14, blank=True)
    assignee = models.ForeignKey(
        User,
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )
    due_date = models.DateField(_("截止日期"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        User,
        verbose_name=_("办结人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )
    outcome = models.CharField(_("办理结果"), max_length=200, blank=True)
    source_key = models.CharField(_("来源"), max_length=120, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    version = version_field()

    class Meta:
        verbose_name = _("待办任务")
        verbose_name_plural = _("待办任务")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["unit_code", "state", "due_date"], name="task_unit_state_due"),
            models.Index(fields=["assignee", "state", "due_date"], name="task_assignee_state_due"),
            models.Index(fields=["person"], name="task_person"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.due_date}"


class CalendarDay(models.Model):
    """A day the staff set as working or not, overriding the official calendar
    (``chinesecalendar``) or filling a year it does not know yet."""

    personal_data = False

    date = models.DateField(_("日期"), unique=True)
    is_working = models.BooleanField(_("工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("录入人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_working else '休'}"
