"""The desk's records: applications (a small state machine), printed documents with their
per-unit numbers, and the log of public verification looks.

Every record hangs on the tree by the code of the unit that handles it (``unit_code``)."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from shequ.core.fields import EncryptedDateField
from shequ.core.history import History
from shequ.core.versions import version_field
from shequ.desk import rules
from shequ.org.models import OrgUnit, User
from shequ.registry.models import REFERENCE, Person, unit_fk


class DocumentKind(models.TextChoices):
    STATUS_PROOF = "status_proof", _("婚育情况证明")
    SERVICE_BOOK = "service_book", _("生殖保健服务手册")
    GLORY_CERTIFICATE = "glory_certificate", _("独生子女父母光荣证（补发）")
    LEGACY_STATUS_CERTIFICATE = "legacy_status", _("流动人口婚育证明")


class DocumentStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已作废")
    REPLACED = "replaced", _("已换发")


class DocumentCounter(models.Model):
    """The last number a unit (the issuing street) gave its documents in a year."""

    scope_field = "unit_id"
    personal_data = False

    unit = unit_fk(verbose_name=_("开具单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用编号"), default=0)

    class Meta:
        verbose_name = _("文书编号")
        verbose_name_plural = _("文书编号")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="desk_counter_unit_year")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}: {self.last}"


class Document(models.Model):
    """A printed, numbered document. Its text is frozen in ``content`` when issued, so the PDF
    printed again later says exactly what the first did; ``code`` is what the QR code carries
    to the public verification page (unguessable: 192 random bits)."""

    scope_field = "unit_id"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("文书种类"), max_length=20, choices=DocumentKind.choices)
    # The holder's unit when issued (who may see it); the issuer numbers and seals it.
    unit = unit_fk(verbose_name=_("持证人所在单位"))
    issuer = models.ForeignKey(
        OrgUnit,
        verbose_name=_("开具单位"),
        to_field="code",
        db_column="issuer_code",
        db_index=False,  # desk_document_number (issuer, year, serial) serves it
        **REFERENCE,
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("文号"), max_length=80)
    person = models.ForeignKey(
        Person, verbose_name=_("持证人"), on_delete=models.PROTECT, related_name="desk_documents"
    )
    holder_name = models.CharField(_("持证人姓名"), max_length=50)
    content = models.JSONField(_("文书内容"), default=dict)
    code = models.CharField(_("核验码"), max_length=64, unique=True, editable=False)
    issued_on = models.DateField(_("开具日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.VALID
    )
    status_reason = models.CharField(_("作废/换发原因"), max_length=200, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        verbose_name=_("换发后的文书"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
    )
    issued_by = models.ForeignKey(
        User, verbose_name=_("开具人"), **REFERENCE, null=True, blank=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    version = version_field()

    history = History(
        no_db_index=["uid", "code", "unit", "issuer", "person", "replaced_by", "issued_by"]
    )

    class Meta:
        verbose_name = _("证明文书")
        verbose_name_plural = _("证明文书")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "serial"], name="desk_document_number"
            ),
        ]
        indexes = [models.Index(fields=["unit", "issued_on"], name="desk_document_unit")]

    def __str__(self) -> str:
        return self.number


class VerificationLook(models.Model):
    """One look at the public verification page: when, from where, what it answered. Not
    personal data of a unit (no ``scope_field``): auditors read it through the admin."""

    class Outcome(models.TextChoices):
        FOUND = "found", _("已找到")
        UNKNOWN = "unknown", _("无此文书")
        LIMITED = "limited", _("超过次数限制")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    ip = models.GenericIPAddressField(_("地址"), null=True, blank=True)
    document = models.ForeignKey(
        Document, verbose_name=_("文书"), on_delete=models.PROTECT, null=True, blank=True
    )
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)

    class Meta:
        verbose_name = _("公开核验记录")
        verbose_name_plural = _("公开核验记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.ip or '-'} {self.outcome}"


class Channel(models.TextChoices):
    DESK = "desk", _("窗口受理")
    WORKER = "worker", _("社区代办")
    ONLINE = "online", _("网上申请")


class ApplicationState(models.TextChoices):
    APPLIED = "applied", _("已申请")
    ACCEPTED = "accepted", _("已受理")
    REVIEWED = "reviewed", _("已审核")
    ISSUED = "issued", _("已办结")
    REFUSED = "refused", _("不予办理")


class Application(FSMModelMixin, models.Model):
    """A request at the desk for a document: apply → accept → (review) → issue or refuse.

    The states and the allowed moves are django-fsm's (``state`` is protected: only the
    transitions below change it, and only ``services`` call them); each transition names
    the roles that may make it (``rules.may_step``, through django-fsm's permission) and
    whether the kind takes that road (a review only for ``rules.REVIEWED_KINDS``)."""

    scope_field = "unit_id"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("事项"), max_length=20, choices=DocumentKind.choices)
    person = models.ForeignKey(
        Person, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="desk_applications"
    )
    unit = unit_fk(verbose_name=_("受理单位"))
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    note = models.CharField(_("申请说明"), max_length=500, blank=True)
    state = FSMField(
        _("状态"),
        max_length=10,
        choices=ApplicationState.choices,
        default=ApplicationState.APPLIED,
        protected=True,
    )
    applied_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    applied_by = models.ForeignKey(
        User, verbose_name=_("登记人"), **REFERENCE, null=True, blank=True
    )
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, verbose_name=_("受理人"), **REFERENCE, null=True, blank=True
    )
    due_on = models.DateField(_("承诺办结日期"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, verbose_name=_("审核人"), **REFERENCE, null=True, blank=True
    )
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("办结人"), **REFERENCE, null=True, blank=True
    )
    refusal_reason = models.CharField(_("不予办理原因"), max_length=500, blank=True)
    document = models.OneToOneField(
        Document,
        verbose_name=_("出具文书"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
    )
    version = version_field()

    history = History(
        no_db_index=[
            "uid",
            "person",
            "unit",
            "applied_by",
            "accepted_by",
            "reviewed_by",
            "decided_by",
            "document",
        ]
    )

    class Meta:
        verbose_name = _("办事申请")
        verbose_name_plural = _("办事申请")
        ordering = ["-applied_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "state", "due_on"], name="desk_application_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="refused") | ~Q(refusal_reason=""),
                name="desk_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.person.name}"

    # The moves of the state machine; who may make each is rules.STEP_ROLES.
    def _needs_review(self) -> bool:
        return self.kind in rules.REVIEWED_KINDS

    def _issuable(self) -> bool:
        return self.state == ApplicationState.REVIEWED or not self._needs_review()

    def _may_refuse(self, user) -> bool:
        step = rules.next_step(self.kind, self.state)
        return step is not None and rules.may_step(user, step)

    @transition(
        field=state,
        source=ApplicationState.APPLIED,
        target=ApplicationState.ACCEPTED,
        permission=lambda application, user: rules.may_step(user, "accept"),
    )
    def accept(self) -> None:
        pass

    @transition(
        field=state,
        source=ApplicationState.ACCEPTED,
        target=ApplicationState.REVIEWED,
        conditions=[_needs_review],
        permission=lambda application, user: rules.may_step(user, "review"),
    )
    def review(self) -> None:
        pass

    @transition(
        field=state,
        source=[ApplicationState.ACCEPTED, ApplicationState.REVIEWED],
        target=ApplicationState.ISSUED,
        conditions=[_issuable],
        permission=lambda application, user: rules.may_step(user, "issue"),
    )
    def issue(self) -> None:
        pass

    @transition(
        field=state,
        source=[ApplicationState.APPLIED, ApplicationState.ACCEPTED, ApplicationState.REVIEWED],
        target=ApplicationState.REFUSED,
        permission=_may_refuse,
    )
    def refuse(self) -> None:
        pass


class BirthStage(models.TextChoices):
    BEFORE = "before", _("孕期登记（出生前）")
    AFTER = "after", _("出生后登记（补登）")


class BirthRegistration(models.Model):
    """生育登记: a registration with an immediate receipt, never an approval. Made by either
    spouse at the desk, by a community worker for the family, or online by the resident.

    ``person`` is the registering spouse as recorded in the registry (the place that keeps
    the record is theirs: ``unit``); the other spouse is named as declared. After the birth
    ``child`` links the registry's child record. ``receipt_code`` is what the resident comes
    back with (128 random bits)."""

    scope_field = "unit_id"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    receipt_code = models.CharField(_("回执码"), max_length=32, unique=True, editable=False)
    person = models.ForeignKey(
        Person, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    unit = unit_fk(verbose_name=_("登记地单位"))
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    spouse_name = models.CharField(_("配偶姓名"), max_length=50, blank=True)
    married = models.BooleanField(_("已婚"), default=True)
    stage = models.CharField(_("登记时点"), max_length=10, choices=BirthStage.choices)
    # The expected date is a pregnancy's (a health fact): stored encrypted, as the
    # registry's Pregnancy.expected_on. The birth date is the child's, clear as its record.
    expected_on = EncryptedDateField(_("预产期"), null=True, blank=True)
    born_on = models.DateField(_("出生日期"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("本次为第几孩"))
    mobile = models.CharField(_("联系电话"), max_length=20, blank=True)
    declaration = models.BooleanField(_("已承诺所填属实"), default=False)
    other_place = models.CharField(
        _("另一地（户籍地或现居住地）区划代码"), max_length=12, blank=True
    )
    child = models.ForeignKey(
        "registry.Child",
        verbose_name=_("出生后关联的子女"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    registered_by = models.ForeignKey(
        User, verbose_name=_("经办人"), **REFERENCE, null=True, blank=True
    )
    version = version_field()

    history = History(
        no_db_index=["uid", "receipt_code", "person", "unit", "child", "registered_by"]
    )

    class Meta:
        verbose_name = _("生育登记")
        verbose_name_plural = _("生育登记")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "registered_at"], name="desk_birth_unit"),
            models.Index(fields=["person"], name="desk_birth_person"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(declaration=True), name="desk_birth_declared"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.get_stage_display()}"


class DisclosureCategory(models.TextChoices):
    """政务公开's five categories (阳光计生)."""

    POLICY = "policy", _("政策类")
    PROCEDURE = "procedure", _("程序类")
    SERVICE = "service", _("服务类")
    RIGHTS = "rights", _("维权类")
    NEWS = "news", _("动态类")


class Disclosure(models.Model):
    """An item of public disclosure, shown at ``/public/`` from its publish date until it is
    withdrawn (with reason; nothing is deleted). Public text: never a full name."""

    scope_field = "unit_id"
    personal_data = False  # what is published is for everyone; staff edit their unit's

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = unit_fk(verbose_name=_("发布单位"))
    category = models.CharField(_("类别"), max_length=10, choices=DisclosureCategory.choices)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"), max_length=20000)
    published_on = models.DateField(_("发布日期"))
    withdrawn = models.BooleanField(_("已撤下"), default=False)
    withdrawn_reason = models.CharField(_("撤下原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("编辑人"), **REFERENCE, null=True, blank=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    version = version_field()

    history = History(no_db_index=["uid", "unit", "created_by"])

    class Meta:
        verbose_name = _("政务公开")
        verbose_name_plural = _("政务公开")
        ordering = ["-published_on", "-id"]
        indexes = [
            models.Index(
                fields=["withdrawn", "published_on", "category"], name="desk_disclosure_public"
            ),
            models.Index(fields=["unit", "published_on"], name="desk_disclosure_unit"),
        ]

    def __str__(self) -> str:
        return self.title
