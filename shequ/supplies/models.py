"""Free contraceptives: the catalogue, locations on the tree, lots, the append-only ledger
with its current balances, requisitions, dispensing records and physical counts.

The ledger (``Movement``) is only ever appended to; each entry carries the balance of its
location × item × lot after it, and ``Balance`` holds the current one, updated in the same
transaction under a row lock. Both have a CHECK that the balance is not negative, so the
database itself refuses a dispensing of a box that is no longer there (services.ledger).
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from shequ.core.history import History
from shequ.core.versions import version_field
from shequ.org.models import User
from shequ.registry.models import Contraception, Person


class ItemKind(models.TextChoices):
    ORAL_PILL = "oral_pill", _("口服避孕药")
    EMERGENCY_PILL = "emergency_pill", _("紧急避孕药")
    TOPICAL = "topical", _("外用避孕药（膜、栓、凝胶）")
    MALE_CONDOM = "male_condom", _("男用避孕套")
    FEMALE_CONDOM = "female_condom", _("女用避孕套")
    IUD = "iud", _("宫内节育器")
    INJECTION = "injection", _("避孕针")
    IMPLANT = "implant", _("皮下埋植剂")


# The person's contraception fact a dispensing of the kind may record (with consent).
KIND_METHOD: dict[str, str] = {
    ItemKind.ORAL_PILL: Contraception.ORAL_PILL,
    ItemKind.TOPICAL: Contraception.TOPICAL,
    ItemKind.MALE_CONDOM: Contraception.CONDOM,
    ItemKind.FEMALE_CONDOM: Contraception.CONDOM,
    ItemKind.IUD: Contraception.IUD,
    ItemKind.INJECTION: Contraception.INJECTION,
    ItemKind.IMPLANT: Contraception.IMPLANT,
}


class Item(models.Model):
    """One product of the catalogue (reference data, the same for every unit)."""

    personal_data = False

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类别"), max_length=20, choices=ItemKind.choices)
    unit = models.CharField(_("计量单位"), max_length=10, help_text=_("盒、只、支、个"))
    clinician_first = models.BooleanField(_("首次须由医务人员提供"), default=False)
    low_stock = models.PositiveIntegerField(_("低库存线"), default=20)
    is_active = models.BooleanField(_("在用"), default=True)
    version = version_field()
    # Who changed the catalogue, when and why (a retired item keeps its reason here).
    history = History(user_db_constraint=False)

    class Meta:
        verbose_name = _("药具品种")
        verbose_name_plural = _("药具品种")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """Where stock is kept or given out, hanging on a unit of the tree."""

    class Kind(models.TextChoices):
        DISTRICT_STORE = "district_store", _("区级药具库")
        STREET_STORE = "street_store", _("街道药具库")
        SERVICE_ROOM = "service_room", _("社区服务室")
        FIXED_POINT = "fixed_point", _("固定发放点")
        MACHINE = "machine", _("自助发放机")
        POSTAL = "postal", _("网上申领邮寄")

    scope_field = "unit_code"
    personal_data = False

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit_code = models.CharField(_("所属单位代码"), max_length=14)
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    supplier = models.ForeignKey(
        "self",
        verbose_name=_("上级供货点"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("药具存放发放点")
        verbose_name_plural = _("药具存放发放点")
        ordering = ["unit_code", "kind", "name"]
        indexes = [models.Index(fields=["unit_code", "kind"], name="supplies_location_unit")]

    def __str__(self) -> str:
        return self.name


class Lot(models.Model):
    """A batch of one item with its expiry; recalled lots are never given out."""

    personal_data = False

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(Item, verbose_name=_("品种"), on_delete=models.PROTECT)
    number = models.CharField(_("批号"), max_length=40)
    expiry = models.DateField(_("有效期至"))
    manufacturer = models.CharField(_("生产企业"), max_length=80, blank=True)
    recalled = models.BooleanField(_("已召回"), default=False)

    class Meta:
        verbose_name = _("批次")
        verbose_name_plural = _("批次")
        ordering = ["expiry", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="supplies_lot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.number}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("入库（上级调拨）")
    TRANSFER_OUT = "transfer_out", _("调出")
    TRANSFER_IN = "transfer_in", _("调入")
    DISPENSE = "dispense", _("实名发放")
    PICKUP = "pickup", _("自助机匿名领取")
    POSTAL = "postal", _("邮寄发放")
    WRITE_OFF = "write_off", _("报损")
    COUNT = "count", _("盘点调整")
    REFILL_OUT = "refill_out", _("补机调出")
    REFILL_IN = "refill_in", _("自助机补货")


class Movement(models.Model):
    """One entry of the ledger (append-only): ``quantity`` signed, ``balance`` the location ×
    item × lot's balance after it, so a sub-ledger's last entry is its balance (帐帐相符)."""

    scope_field = "unit_code"
    personal_data = False

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    location = models.ForeignKey(Location, verbose_name=_("地点"), on_delete=models.PROTECT)
    item = models.ForeignKey(Item, verbose_name=_("品种"), on_delete=models.PROTECT)
    lot = models.ForeignKey(Lot, verbose_name=_("批次"), on_delete=models.PROTECT)
    unit_code = models.CharField(_("单位代码"), max_length=14)
    kind = models.CharField(_("类型"), max_length=16, choices=MovementKind.choices)
    quantity = models.IntegerField(_("数量"))
    balance = models.IntegerField(_("结存"))
    day = models.DateField(_("日期"))
    at = models.DateTimeField(_("记帐时间"))
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    counterpart = models.ForeignKey(
        Location,
        verbose_name=_("对方地点"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requisition = models.ForeignKey(
        "Requisition", on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, db_constraint=False
    )

    class Meta:
        verbose_name = _("药具出入库记录")
        verbose_name_plural = _("药具出入库记录")
        ordering = ["-id"]
        indexes = [
            # Covering (PostgreSQL): a unit's report sums its period from the index alone.
            models.Index(
                fields=["unit_code", "day"],
                include=["location", "item", "kind", "quantity"],
                name="supplies_move_unit_day",
            ),
            models.Index(fields=["location", "item", "lot", "id"], name="supplies_move_sub"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="supplies_movement_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d}"


class Balance(models.Model):
    """The current balance of one location × item × lot (总帐 row), kept with the ledger."""

    scope_field = "unit_code"
    personal_data = False

    location = models.ForeignKey(Location, on_delete=models.PROTECT)
    item = models.ForeignKey(Item, on_delete=models.PROTECT)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT)
    unit_code = models.CharField(max_length=14)
    quantity = models.IntegerField(_("结存"))
    last_movement = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["location", "item", "lot"], name="supplies_balance_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="supplies_balance_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["unit_code", "item"], name="supplies_balance_unit")]

    def __str__(self) -> str:
        return f"{self.location_id}/{self.lot_id}: {self.quantity}"


class Requisition(models.Model):
    """申领: a location asks its supplier for items; approve → send → receive."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("已申领")
        APPROVED = "approved", _("已批准")
        SENT = "sent", _("已发出")
        RECEIVED = "received", _("已签收")
        REJECTED = "rejected", _("已驳回")
        CANCELLED = "cancelled", _("已撤销")

    scope_field = "unit_code"
    personal_data = False

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    location = models.ForeignKey(
        Location, verbose_name=_("申领点"), on_delete=models.PROTECT, related_name="+"
    )
    supplier = models.ForeignKey(
        Location, verbose_name=_("供货点"), on_delete=models.PROTECT, related_name="+"
    )
    # The requester's unit: the supplier sits above it, so both see the requisition.
    unit_code = models.CharField(_("单位代码"), max_length=14)
    status = FSMField(_("状态"), default=Status.SUBMITTED, choices=Status.choices, protected=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    decision_reason = models.CharField(_("审批意见"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="+", db_constraint=False
    )
    created_at = models.DateTimeField(_("申领时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_constraint=False
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发出时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("药具申领单")
        verbose_name_plural = _("药具申领单")
        ordering = ["-id"]
        indexes = [models.Index(fields=["unit_code", "status"], name="supplies_req_unit")]

    def __str__(self) -> str:
        return f"{self.location} {self.get_status_display()}"

    # The workflow (django-fsm): each transition names the states it may start from; the
    # services ask ``can_proceed`` first and refuse with the state's name otherwise.
    @transition(field=status, source=Status.SUBMITTED, target=Status.APPROVED)
    def approve(self) -> None:
        """批准"""

    @transition(field=status, source=Status.SUBMITTED, target=Status.REJECTED)
    def reject(self) -> None:
        """驳回"""

    @transition(field=status, source=Status.APPROVED, target=Status.SENT)
    def send(self) -> None:
        """发出"""

    @transition(field=status, source=Status.SENT, target=Status.RECEIVED)
    def receive(self) -> None:
        """签收"""

    @transition(field=status, source=[Status.SUBMITTED, Status.APPROVED], target=Status.CANCELLED)
    def cancel(self) -> None:
        """撤销"""


class RequisitionLine(models.Model):
    requisition = models.ForeignKey(Requisition, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("品种"), on_delete=models.PROTECT)
    requested = models.PositiveIntegerField(_("申领数量"))
    approved = models.PositiveIntegerField(_("批准数量"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["requisition", "item"], name="supplies_req_line")
        ]

    def __str__(self) -> str:
        return f"{self.item} ×{self.requested}"


class Dispensing(models.Model):
    """A named dispensing: a service record on the person's file (health data)."""

    scope_field = "unit_code"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(Location, verbose_name=_("发放点"), on_delete=models.PROTECT)
    item = models.ForeignKey(Item, verbose_name=_("品种"), on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(_("数量"))
    day = models.DateField(_("发放日期"))
    unit_code = models.CharField(_("单位代码"), max_length=14)
    fact_updated = models.BooleanField(_("经本人同意更新节育措施"), default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, db_constraint=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("实名发放记录")
        verbose_name_plural = _("实名发放记录")
        ordering = ["-day", "-id"]
        indexes = [
            models.Index(fields=["person", "item", "day"], name="supplies_disp_person"),
            models.Index(fields=["unit_code", "day"], name="supplies_disp_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.item} ×{self.quantity} {self.day}"


class StockCount(models.Model):
    """A physical count (盘点) of a location: counted against the books, variance explained."""

    scope_field = "unit_code"
    personal_data = False

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    location = models.ForeignKey(Location, verbose_name=_("地点"), on_delete=models.PROTECT)
    unit_code = models.CharField(_("单位代码"), max_length=14)
    day = models.DateField(_("盘点日期"))
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, db_constraint=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("盘点")
        verbose_name_plural = _("盘点")
        ordering = ["-day", "-id"]

    def __str__(self) -> str:
        return f"{self.location} {self.day}"


class CountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT)
    booked = models.IntegerField(_("帐面数"))
    counted = models.IntegerField(_("实盘数"))
    explanation = models.CharField(_("差异说明"), max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.lot} {self.counted}"

    @property
    def variance(self) -> int:
        return self.counted - self.booked
