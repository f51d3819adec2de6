"""The organisation tree, staff users and the two audit logs."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.history import History
from shequ.core.identifiers import DIVISION_LEVELS, division_prefix
from shequ.core.versions import version_field
from shequ.org.roles import Duty, Level, Role, rights_labels


class Division(models.Model):
    """A national statistical division (统计用区划代码): reference data, not our tree.

    Holds every province, city and county of the country (for 户籍地 pickers) and the streets
    and villages of the cities we serve. Loaded from ``core/data/divisions.csv``.
    """

    class DivisionLevel(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("地市")
        COUNTY = "county", _("区县")
        TOWN = "town", _("乡镇街道")
        VILLAGE = "village", _("村居委会")

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=80)
    level = models.CharField(_("层级"), max_length=8, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    full_name = models.CharField(_("全称"), max_length=200)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"], name="division_level_code")]

    def __str__(self) -> str:
        return f"{self.full_name}（{self.code}）"


assert tuple(Division.DivisionLevel.values) == DIVISION_LEVELS


class OrgUnit(models.Model):
    """A node of the tree a deployment manages: city > district > street > community > grid.

    ``code`` is the 12-digit statistical division code (a grid extends its community's code
    by two digits); ``prefix`` is its significant part, which every code below it starts
    with, so a whole subtree is one indexed range query.
    """

    class Kind(models.TextChoices):
        CITY = "city", _("市")
        DISTRICT = "district", _("市辖区")
        COUNTY = "county", _("县/县级市")
        STREET = "street", _("街道")
        TOWN = "town", _("镇/乡")
        COMMUNITY = "community", _("社区居委会")
        VILLAGE = "village", _("村委会")
        COMPOUND = "compound", _("未建社区的新建小区（盲区）")
        GRID = "grid", _("网格")

    KIND_LEVEL: dict[str, Level] = {
        Kind.CITY: Level.CITY,
        Kind.DISTRICT: Level.DISTRICT,
        Kind.COUNTY: Level.DISTRICT,
        Kind.STREET: Level.STREET,
        Kind.TOWN: Level.STREET,
        Kind.COMMUNITY: Level.COMMUNITY,
        Kind.VILLAGE: Level.COMMUNITY,
        Kind.COMPOUND: Level.COMMUNITY,
        Kind.GRID: Level.GRID,
    }

    scope_field = "code"
    personal_data = False  # see scoping.scoped

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("代码"), max_length=14, unique=True)
    prefix = models.CharField(_("代码前缀"), max_length=14, unique=True, editable=False)
    name = models.CharField(_("名称"), max_length=80)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    delegate = models.ForeignKey(
        "self",
        verbose_name=_("代管单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delegated_zones",
        help_text=_("盲区由所在街道或街道指定的相邻社区代管。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    closed_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    closed_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    version = version_field()

    history = History(excluded_fields=["prefix"])

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "code"], name="orgunit_parent_code")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="orgunit_level_range"
            ),
            models.CheckConstraint(
                condition=models.Q(delegate__isnull=True) | models.Q(kind="compound"),
                name="orgunit_only_compounds_delegated",
            ),
            # The services say it in words first (_check_sibling_name); this holds it.
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=models.Q(is_active=True),
                name="orgunit_active_sibling_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def prefix_for(code: str) -> str:
        """The prefix every code in this unit's subtree starts with."""
        if len(code) == 12 and code.isdigit():
            return division_prefix(code)
        return code

    def clean(self) -> None:
        if self.kind and self.level and self.KIND_LEVEL[self.kind] != self.level:
            raise ValidationError({"kind": _("单位类型与层级不符。")})
        if self.code:
            self.prefix = self.prefix_for(self.code)


class User(AbstractUser):
    """A staff user: belongs to exactly one unit and has one role (its level) and one duty
    (data work, administration or audit). Data rights are granted explicitly and only take
    effect once a second person approved them (``RightRequest``)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所属单位"),
        to_field="code",
        db_column="unit_code",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, blank=True)
    duty = models.CharField(_("职责"), max_length=8, choices=Duty.choices, default=Duty.DATA)
    data_rights = models.JSONField(_("数据权限"), default=list, blank=True)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    created_by = models.ForeignKey(
        "self",
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deactivated_reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    version = version_field()

    history = History(excluded_fields=["password", "last_login"])

    scope_field = "unit_id"
    personal_data = False

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_superuser=True)
                | (models.Q(unit__isnull=False) & ~models.Q(role="")),
                name="user_staff_has_unit_and_role",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username


class AuditEvent(models.Model):
    """One change made by someone, with the reason given: the change log auditors browse.

    Written by services in the same transaction as the change itself; field-level snapshots
    live in the models' simple-history tables.
    """

    scope_field = "unit_code"
    personal_data = False  # read only with Action.VIEW_AUDIT

    # Set by the chain writer under its lock (org/audit_chain.py), so it is part of the hash.
    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), on_delete=models.PROTECT, null=True, blank=True
    )
    action = models.CharField(_("操作"), max_length=40)
    target_type = models.CharField(_("对象类型"), max_length=40)
    target_id = models.CharField(_("对象标识"), max_length=40)
    target_label = models.CharField(_("对象"), max_length=120)
    unit_code = models.CharField(_("单位代码"), max_length=14)
    reason = models.TextField(_("原因"), blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    chain_hash = models.CharField(_("链式校验值"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["unit_code", "at"], name="auditevent_unit_at"),
            models.Index(fields=["actor", "at"], name="auditevent_actor_at"),
            models.Index(fields=["target_type", "target_id"], name="auditevent_target"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"


class SensitiveAccess(models.Model):
    """One read of sensitive data (an unmasked identity number, health facts), with purpose."""

    class Purpose(models.TextChoices):
        SERVICE = "service", _("办理服务")
        VERIFY = "verify", _("信息核查")
        EXCHANGE = "exchange", _("协查通报")
        SUPERVISION = "supervision", _("监督检查")
        API = "api", _("接口调用")

    class Channel(models.TextChoices):
        WEB = "web", _("网页")
        API = "api", _("接口")
        EXPORT = "export", _("导出")

    scope_field = "unit_code"
    personal_data = False  # read only with Action.VIEW_AUDIT

    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(User, verbose_name=_("查看人"), on_delete=models.PROTECT)
    target_type = models.CharField(_("对象类型"), max_length=40)
    target_id = models.CharField(_("对象标识"), max_length=40)
    target_label = models.CharField(_("对象"), max_length=120)
    unit_code = models.CharField(_("单位代码"), max_length=14)
    fields = models.CharField(_("查看内容"), max_length=200)
    purpose = models.CharField(_("目的"), max_length=12, choices=Purpose.choices)
    channel = models.CharField(_("途径"), max_length=8, choices=Channel.choices)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    chain_hash = models.CharField(_("链式校验值"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("敏感信息查看记录")
        verbose_name_plural = _("敏感信息查看记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["unit_code", "at"], name="sensitive_unit_at"),
            models.Index(fields=["actor", "at"], name="sensitive_actor_at"),
            models.Index(fields=["target_type", "target_id"], name="sensitive_target"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.target_label}"


class ApiToken(models.Model):
    """An API token. Only the SHA-256 of its key is kept: the client is shown the key once,
    at login, and a copy of the database cannot be used to call the API."""

    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        indexes = [models.Index(fields=["user", "expires"], name="apitoken_user_expires")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created:%Y-%m-%d %H:%M}"


class RightRequest(models.Model):
    """A request to grant data rights to an account, decided by a second person: an
    administrator of a unit above the account's, never the one who asked or created it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("已拒绝")
        SUPERSEDED = "superseded", _("已被新申请取代")

    scope_field = "unit_code"
    personal_data = False

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        User, verbose_name=_("账号"), on_delete=models.PROTECT, related_name="right_requests"
    )
    unit_code = models.CharField(_("单位代码"), max_length=14)
    rights = models.JSONField(_("申请的数据权限"), default=list)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        User,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    reason = models.TextField(_("申请理由"), blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("审批人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("数据权限申请")
        verbose_name_plural = _("数据权限申请")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "unit_code"], name="rightrequest_status_unit")]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="rightrequest_one_pending_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {','.join(self.rights)} ({self.status})"

    def rights_labels(self) -> list[str]:
        return rights_labels(self.rights)


class AuditChain(models.Model):
    """The heads of the two audit logs' hash chains (one row): for each log the hash of its
    newest row, and the anchor it starts from after old rows were pruned (the last pruned
    row's id and hash).

    Every writer of either log locks this one row before it appends, so each chain follows
    insertion order, two transactions cannot continue from the same row, and a transaction
    writing to both logs cannot deadlock with another.
    """

    events_head = models.CharField(_("变更记录链头"), max_length=64, blank=True)
    events_anchor_id = models.BigIntegerField(_("变更记录已清理至"), default=0)
    events_anchor_hash = models.CharField(_("变更记录清理锚点"), max_length=64, blank=True)
    reads_head = models.CharField(_("查看记录链头"), max_length=64, blank=True)
    reads_anchor_id = models.BigIntegerField(_("查看记录已清理至"), default=0)
    reads_anchor_hash = models.CharField(_("查看记录清理锚点"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("审计链")
        verbose_name_plural = _("审计链")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
