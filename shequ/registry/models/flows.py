"""Flows: the events of a person's stay (arrival, move, departure, outflow, return …)."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.org.models import Division, User
from shequ.registry.models.choices import REFERENCE
from shequ.registry.models.housing import Household
from shequ.registry.models.people import Person


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
            # The list's order: a district's or the city's newest flows without a sort (a
            # community's few are read by unit and sorted).
            models.Index(fields=["date", "id"], name="flow_date"),
            # Only a move within the city has a home it left.
            models.Index(
                fields=["from_household"],
                condition=Q(from_household__isnull=False),
                name="flow_from_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"
