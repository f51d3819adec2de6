"""The registered household (户籍户, the 户口簿): its number, its head, its registration
address and division, and its members with their relation to the head, with history.

Apart from the dwelling (``Household``, 住户): a family registered together may live in
several dwellings, and a dwelling may hold people of several registered households or none
(a dormitory room of unrelated workers)."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.core.history import History
from shequ.core.versions import version_field
from shequ.org.models import Division
from shequ.registry.models.choices import REFERENCE, Relation, unit_fk
from shequ.registry.models.people import Person


class RegisteredHousehold(models.Model):
    """户: one 户口簿. Locals' households are registered here; a migrant family's as far as
    it is known (number and address as shown on the booklet)."""

    scope_field = "unit_id"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The unit that keeps the record: where the head lives (or lived) in the deployment.
    unit = unit_fk(verbose_name=_("管理网格/社区"))
    number = models.CharField(_("户号"), max_length=30, blank=True)
    head = models.ForeignKey(
        Person,
        verbose_name=_("户主"),
        on_delete=models.PROTECT,
        related_name="headed_households",
        db_constraint=False,  # checked by the application: models/choices.py
        db_index=False,  # registered_household_head below
    )
    address = models.CharField(_("户籍地址"), max_length=200, blank=True)
    division = models.ForeignKey(
        Division,
        verbose_name=_("户籍地区划"),
        **REFERENCE,
        null=True,
        blank=True,
        db_column="division",
        db_index=False,
    )
    is_active = models.BooleanField(_("有效"), default=True)
    closed_reason = models.CharField(_("注销原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    version = version_field()

    history = History(no_db_index=["uid", "unit", "head", "division"], user_db_constraint=False)

    class Meta:
        verbose_name = _("户籍户")
        verbose_name_plural = _("户籍户")
        ordering = ["unit_id", "number", "id"]
        indexes = [
            models.Index(fields=["unit", "is_active"], name="reg_household_unit"),
            models.Index(fields=["head"], name="reg_household_head"),
        ]

    def __str__(self) -> str:
        return self.number or str(self.uid)[:8]


class RegisteredHouseholdMember(models.Model):
    """A person on a 户口簿 with their relation to its head, from when until when. A member
    who leaves keeps the row (``left_on`` and the reason): the household's history."""

    scope_field = "household__unit_id"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(
        RegisteredHousehold,
        verbose_name=_("户籍户"),
        on_delete=models.PROTECT,
        related_name="memberships",
        db_constraint=False,
        db_index=False,  # reg_member_household below
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="household_memberships",
        db_constraint=False,
        db_index=False,  # reg_member_one_current below
    )
    relation = models.CharField(_("与户主关系"), max_length=12, choices=Relation.choices)
    joined_on = models.DateField(_("入户日期"), null=True, blank=True)
    join_reason = models.CharField(_("入户原因"), max_length=200, blank=True)
    left_on = models.DateField(_("离户日期"), null=True, blank=True)
    leave_reason = models.CharField(_("离户原因"), max_length=200, blank=True)

    history = History(no_db_index=["uid", "household", "person"], user_db_constraint=False)

    class Meta:
        verbose_name = _("户籍户成员")
        verbose_name_plural = _("户籍户成员")
        ordering = ["household_id", "id"]
        indexes = [
            models.Index(fields=["household", "left_on"], name="reg_member_household"),
            # A person's current 户口簿 is read through reg_member_one_current below (every
            # read asks for the current one): no second index for every import to fill.
        ]
        constraints = [
            # A person is on one 户口簿 at a time.
            models.UniqueConstraint(
                fields=["person"], condition=Q(left_on__isnull=True), name="reg_member_one_current"
            ),
            models.CheckConstraint(
                condition=~Q(relation="tenant"), name="reg_member_relation_not_tenant"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.person_id}"
