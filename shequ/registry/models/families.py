"""Couples and the facts the services need: marriages, 婚育证明 shown by migrants, pregnancies.

A marriage links two persons; each side is a person of the registry or someone outside it
(name, identity number and registration place kept on the marriage). Marital status is
derived from these rows (``rules.marital_status_of``), never typed beside them. A pregnancy
is a health fact: read only with the health right, every read logged (services.sensitive).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.core.fields import EncryptedCharField, EncryptedDateField
from shequ.core.history import History
from shequ.core.versions import version_field
from shequ.org.models import Division
from shequ.registry.models.choices import REFERENCE
from shequ.registry.models.people import Child, Person


class MarriageEnd(models.TextChoices):
    DIVORCE = "divorce", _("离婚")
    DEATH = "death", _("丧偶（配偶死亡）")
    ANNULMENT = "annulment", _("婚姻无效/被撤销")


class Marriage(models.Model):
    """结婚登记: a husband and a wife, each a registry person or someone outside it."""

    # A marriage is seen wherever one of its spouses is managed: selectors.marriages_scoped
    # ORs both; this field serves the generic helpers (the wife's unit, else the husband's).
    scope_field = "wife__unit_id"
    SENSITIVE_FIELDS = ("husband_id_number", "wife_id_number")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    husband = models.ForeignKey(
        Person,
        verbose_name=_("丈夫"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="marriages_as_husband",
        db_index=False,  # marriage_husband below
    )
    wife = models.ForeignKey(
        Person,
        verbose_name=_("妻子"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="marriages_as_wife",
        db_index=False,  # marriage_wife below
    )
    # The side outside the registry (blank when that side is a registry person). The
    # identity number is stored encrypted (docs/security.md); nothing looks a marriage up
    # by it, so it has no blind index.
    husband_name = models.CharField(_("丈夫姓名（非本库人员）"), max_length=50, blank=True)
    husband_id_number = EncryptedCharField(_("丈夫身份证号码"), max_length=18, blank=True)
    husband_hukou_division = models.ForeignKey(
        Division,
        verbose_name=_("丈夫户籍地"),
        **REFERENCE,
        null=True,
        blank=True,
        db_column="husband_hukou_division",
        db_index=False,
    )
    husband_hukou_address = models.CharField(_("丈夫户籍地址"), max_length=200, blank=True)
    wife_name = models.CharField(_("妻子姓名（非本库人员）"), max_length=50, blank=True)
    wife_id_number = EncryptedCharField(_("妻子身份证号码"), max_length=18, blank=True)
    wife_hukou_division = models.ForeignKey(
        Division,
        verbose_name=_("妻子户籍地"),
        **REFERENCE,
        null=True,
        blank=True,
        db_column="wife_hukou_division",
        db_index=False,
    )
    wife_hukou_address = models.CharField(_("妻子户籍地址"), max_length=200, blank=True)

    married_on = models.DateField(_("结婚日期"), null=True, blank=True)
    certificate_number = models.CharField(_("结婚证字号"), max_length=40, blank=True)
    certificate_place = models.CharField(_("登记机关"), max_length=100, blank=True)
    end_reason = models.CharField(
        _("婚姻终止原因"), max_length=10, choices=MarriageEnd.choices, blank=True
    )
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    # 独生子女父母光荣证: issued to the couple (or the parent, on a marriage that ended).
    honor_certificate_number = models.CharField(
        _("独生子女父母光荣证编号"), max_length=40, blank=True
    )
    honor_certificate_date = models.DateField(_("光荣证发证日期"), null=True, blank=True)

    registered_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = version_field()

    history = History(
        excluded_fields=["updated_at"],
        no_db_index=["uid", "husband", "wife", "husband_hukou_division", "wife_hukou_division"],
        user_db_constraint=False,
    )

    class Meta:
        verbose_name = _("婚姻")
        verbose_name_plural = _("婚姻")
        ordering = ["-married_on", "id"]
        indexes = [
            models.Index(
                fields=["husband"], condition=Q(husband__isnull=False), name="marriage_husband"
            ),
            models.Index(fields=["wife"], condition=Q(wife__isnull=False), name="marriage_wife"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(husband__isnull=False) | Q(wife__isnull=False),
                name="marriage_has_a_registry_spouse",
            ),
            models.CheckConstraint(
                condition=Q(end_reason="") | Q(end_reason__in=MarriageEnd.values),
                name="marriage_end_reason_valid",
            ),
            models.CheckConstraint(
                condition=~Q(end_reason="") | Q(ended_on__isnull=True),
                name="marriage_in_force_has_no_end_date",
            ),
            # One marriage in force per person (the services say so in words first).
            models.UniqueConstraint(
                fields=["husband"], condition=Q(end_reason=""), name="marriage_one_in_force_husband"
            ),
            models.UniqueConstraint(
                fields=["wife"], condition=Q(end_reason=""), name="marriage_one_in_force_wife"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.husband_display} · {self.wife_display}"

    @property
    def in_force(self) -> bool:
        return not self.end_reason

    @property
    def husband_display(self) -> str:
        return self.husband.name if self.husband_id else (self.husband_name or "—")  # type: ignore[union-attr]

    @property
    def wife_display(self) -> str:
        return self.wife.name if self.wife_id else (self.wife_name or "—")  # type: ignore[union-attr]

    def spouse_of(self, person: Person) -> Person | None:
        """The other side when it is a registry person."""
        if person.pk == self.husband_id:
            return self.wife
        return self.husband if person.pk == self.wife_id else None

    def spouse_name_of(self, person: Person) -> str:
        return self.wife_display if person.pk == self.husband_id else self.husband_display


class FertilityCertificate(models.Model):
    """婚育证明 (流动人口婚育证明) shown by a migrant: number, issuing place, date; who
    verified it, when, and how (in person, or asking the registration place)."""

    class Verification(models.TextChoices):
        IN_PERSON = "in_person", _("本人出示查验")
        REGISTRATION_PLACE = "registration_place", _("经户籍地核实")

    scope_field = "person__unit_id"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person,
        verbose_name=_("持证人"),
        on_delete=models.PROTECT,
        related_name="fertility_certificates",
    )
    number = models.CharField(_("证明编号"), max_length=40)
    issuing_division = models.ForeignKey(
        Division,
        verbose_name=_("发证地"),
        **REFERENCE,
        null=True,
        blank=True,
        db_column="issuing_division",
        db_index=False,
    )
    issuing_authority = models.CharField(_("发证机关"), max_length=100, blank=True)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("查验人"),
        **REFERENCE,
        null=True,
        blank=True,
        db_index=False,
    )
    verified_on = models.DateField(_("查验日期"), null=True, blank=True)
    verified_how = models.CharField(
        _("查验方式"), max_length=20, choices=Verification.choices, blank=True
    )
    registered_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    version = version_field()

    history = History(
        no_db_index=["uid", "person", "issuing_division", "verified_by"], user_db_constraint=False
    )

    class Meta:
        verbose_name = _("婚育证明")
        verbose_name_plural = _("婚育证明")
        ordering = ["person_id", "-issued_on", "id"]

    def __str__(self) -> str:
        return self.number

    @property
    def verified(self) -> bool:
        return self.verified_on is not None


class PregnancyOutcome(models.TextChoices):
    LIVE_BIRTH = "live_birth", _("活产")
    STILLBIRTH = "stillbirth", _("死胎/死产")
    MISCARRIAGE = "miscarriage", _("自然流产")
    INDUCED = "induced", _("人工流产/引产")
    OTHER = "other", _("其他")


class Pregnancy(models.Model):
    """孕情: a health fact (expected date, outcome). Shown only with the health right
    (``Action.VIEW_HEALTH``), every read logged."""

    scope_field = "person__unit_id"
    SENSITIVE_FIELDS = ("expected_on", "outcome", "outcome_on")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person, verbose_name=_("孕妇"), on_delete=models.PROTECT, related_name="pregnancies"
    )
    recorded_on = models.DateField(_("登记日期"))
    # Encrypted (health facts). ``outcome`` empty stays empty, so "ongoing" (outcome="")
    # is still a database filter; ``outcome_on`` stays clear: the monthly objects query
    # (health.selectors) asks "ended after the month" as a range, and the date alone says
    # that a pregnancy ended, not how (a birth is on the child's record anyway).
    expected_on = EncryptedDateField(_("预产期"), null=True, blank=True)
    outcome = EncryptedCharField(
        _("妊娠结局"), max_length=12, choices=PregnancyOutcome.choices, blank=True
    )
    outcome_on = models.DateField(_("结局日期"), null=True, blank=True)
    child = models.ForeignKey(
        Child,
        verbose_name=_("所生子女"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    registered_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    version = version_field()

    history = History(no_db_index=["uid", "person", "child"], user_db_constraint=False)

    class Meta:
        verbose_name = _("孕情")
        verbose_name_plural = _("孕情")
        ordering = ["person_id", "-recorded_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome_on__isnull=False),
                name="pregnancy_outcome_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.recorded_on}"

    @property
    def ongoing(self) -> bool:
        return not self.outcome
