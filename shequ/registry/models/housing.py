"""Buildings and the dwellings (住户/居所) in them.

The Python model of a dwelling keeps its historical name ``Household`` (and its table): a
dwelling is where people live, not the household register. The registered household of a
户口簿 (户) is ``RegisteredHousehold`` (models/registered.py)."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shequ.core.history import History
from shequ.core.versions import version_field
from shequ.registry.models.choices import unit_fk


class Building(models.Model):
    """楼栋/院落: the entry point of 以房管人, in a grid (or a community without grids)."""

    class Kind(models.TextChoices):
        APARTMENT = "apartment", _("住宅楼")
        COURTYARD = "courtyard", _("院落/平房")
        VILLAGE_HOUSE = "village_house", _("农村自建房")
        DORMITORY = "dormitory", _("集体宿舍")
        MIXED = "mixed", _("商住楼")

    scope_field = "unit_id"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = unit_fk(verbose_name=_("所属网格/社区"))
    name = models.CharField(_("楼栋名称"), max_length=60)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.APARTMENT)
    is_active = models.BooleanField(_("在用"), default=True)
    closed_reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    version = version_field()

    history = History(no_db_index=["uid", "unit"], user_db_constraint=False)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["unit_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="building_unique_name_in_unit")
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """住户/居所: a dwelling in a building; a rented one records its landlord (房屋出租户),
    the lease and its use. It has no 户主: who heads a family is a fact of the registered
    household (户口簿), and a dormitory room of unrelated workers has none at all."""

    class Use(models.TextChoices):
        HOME = "home", _("居住")
        BUSINESS = "business", _("经营")
        GROUP = "group", _("群租")

    scope_field = "unit_id"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    building = models.ForeignKey(
        Building,
        verbose_name=_("楼栋"),
        on_delete=models.PROTECT,
        related_name="households",
        db_index=False,  # household_unique_number_in_building (building, number) serves it
    )
    unit = unit_fk(verbose_name=_("所属网格/社区"))  # always the building's unit
    number = models.CharField(_("门牌/室号"), max_length=40)
    is_rented = models.BooleanField(_("出租房屋"), default=False)
    landlord = models.ForeignKey(
        "Person",
        verbose_name=_("房东（登记人员）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rented_homes",
        db_index=False,  # household_landlord below
    )
    landlord_name = models.CharField(_("房东姓名"), max_length=50, blank=True)
    landlord_phone = models.CharField(_("房东电话"), max_length=20, blank=True)
    rented_since = models.DateField(_("出租起始"), null=True, blank=True)
    lease_start = models.DateField(_("租期起"), null=True, blank=True)
    lease_end = models.DateField(_("租期止"), null=True, blank=True)
    use = models.CharField(_("用途"), max_length=10, choices=Use.choices, default=Use.HOME)
    # A dormitory an employer provides for its workers (集体宿舍): its name, blank otherwise.
    dormitory_of = models.CharField(_("宿舍所属单位"), max_length=100, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    version = version_field()

    history = History(no_db_index=["uid", "unit", "building", "landlord"], user_db_constraint=False)

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")
        ordering = ["building_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "number"], name="household_unique_number_in_building"
            ),
            models.CheckConstraint(
                condition=Q(is_rented=True) | (Q(landlord__isnull=True) & Q(landlord_name="")),
                name="household_landlord_only_when_rented",
            ),
            models.CheckConstraint(
                condition=Q(lease_start__isnull=True)
                | Q(lease_end__isnull=True)
                | Q(lease_end__gte=F("lease_start")),
                name="household_lease_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "is_rented"], name="household_unit_rented"),
            # Only a rented home with a registered landlord has one.
            models.Index(
                fields=["landlord"], condition=Q(landlord__isnull=False), name="household_landlord"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.building.name} {self.number}"

    def clean(self) -> None:
        if self.is_rented and not (self.landlord_id or self.landlord_name):
            raise ValidationError(
                {"landlord_name": _("出租房屋须登记房东（已登记人员或姓名和电话）。")}
            )
        if self.lease_start and self.lease_end and self.lease_end < self.lease_start:
            raise ValidationError({"lease_end": _("租期止不能早于租期起。")})
