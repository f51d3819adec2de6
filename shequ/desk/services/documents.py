"""Documents (issue, revoke, replace, print) and the public verification look."""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core.identifiers import mask_id_number
from shequ.core.pdf import PdfDocument, render_pdf
from shequ.core.versions import lock_row
from shequ.desk import rules
from shequ.desk import selectors as desk_selectors
from shequ.desk.models import (
    Document,
    DocumentCounter,
    DocumentKind,
    DocumentStatus,
    VerificationLook,
)
from shequ.desk.services._common import (
    _reason,
    _require_scope,
    _street_of,
    _today,
)
from shequ.org.audit import (
    SensitiveTarget,
    audit_change,
    audit_sensitive_read,
    save_with_history,
)
from shequ.org.models import OrgUnit, User
from shequ.registry import services as registry_services
from shequ.registry.models import Person

# --- Documents --------------------------------------------------------------------------


def _next_serial(issuer: OrgUnit, year: int) -> int:
    counter, _created = DocumentCounter.objects.get_or_create(unit=issuer, year=year)
    counter = DocumentCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def _content(kind: str, person: Person) -> dict:
    masked = mask_id_number(person.id_number)
    if kind in (DocumentKind.STATUS_PROOF, DocumentKind.LEGACY_STATUS_CERTIFICATE):
        children = person.children_count
        rows = desk_selectors.children_of(person.pk)
        marriage = registry_services.marriage_in_force(person)
        facts = rules.ProofFacts(
            name=person.name,
            sex=person.get_sex_display(),
            birth_date=person.birth_date.isoformat(),
            id_number=masked,
            marital_status=person.get_marital_status_display(),
            marriage_date=person.marriage_date.isoformat() if person.marriage_date else "",
            spouse=marriage.spouse_name_of(person) if marriage is not None else "",
            # From the child rows once there are any; before, what registration stated.
            children=rules.children_text(
                [
                    (c.birth_date, c.get_sex_display(), c.is_living and not c.death_date)
                    for c in rows
                ]
            )
            if rows
            else _("%(n)s个") % {"n": children}
            if children is not None
            else _("未核实"),
            hukou=person.hukou_division.name if person.hukou_division_id else "",
            residence=person.unit.name,
        )
        return rules.status_proof_content(facts)
    content = rules.simple_content(str(DocumentKind(kind).label), person.name, masked)
    if kind == DocumentKind.GLORY_CERTIFICATE:
        marriage = registry_services.marriage_in_force(person)
        if marriage is not None:
            content["fields"].append(
                [
                    _("夫妻"),
                    f"{marriage.husband_display}、{marriage.wife_display}",
                ]
            )
            if marriage.honor_certificate_number:
                content["fields"].append([_("原证号"), marriage.honor_certificate_number])
    return content


def _document_create(
    *, actor: User | None, kind: str, person: Person, today: datetime.date
) -> Document:
    issuer = _street_of(person.unit_id)
    serial = _next_serial(issuer, today.year)
    document = Document(
        kind=kind,
        unit_id=person.unit_id,
        issuer=issuer,
        year=today.year,
        serial=serial,
        number=rules.document_number(issuer.name, today.year, serial),
        person=person,
        holder_name=person.name,
        content=_content(kind, person),
        code=secrets.token_urlsafe(24),  # 192 random bits
        issued_on=today,
        valid_until=rules.valid_until(kind, today),
        issued_by=actor,
    )
    save_with_history(document, actor=actor, reason=_("开具"))
    audit_change(
        actor=actor,
        action="desk.document_issue",
        target=document,
        unit_code=document.unit_id,
        label=document.number,
        changes={"kind": kind, "holder": rules.mask_name(person.name)},
    )
    return document


def _require_document_role(actor: User | None, document: Document) -> None:
    if not rules.may_manage_documents(actor):
        raise PermissionDenied(_("只有开具单位（街道）可以作废或换发文书。"))
    _require_scope(actor, document.unit_id)


@transaction.atomic
def document_revoke(*, actor: User | None, document: Document, reason: str) -> Document:
    """作废: the document stays, marked revoked with the reason; verification says so."""
    reason = _reason(reason)
    lock_row(document)
    _require_document_role(actor, document)
    if document.status != DocumentStatus.VALID:
        raise ValidationError(_("该文书已作废或已换发。"))
    document.status, document.status_reason = DocumentStatus.REVOKED, reason
    save_with_history(document, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="desk.document_revoke",
        target=document,
        unit_code=document.unit_id,
        label=document.number,
        reason=reason,
        changes={"status": [DocumentStatus.VALID, DocumentStatus.REVOKED]},
    )
    return document


@transaction.atomic
def document_replace(*, actor: User | None, document: Document, reason: str) -> Document:
    """换发: a new number and code with today's facts; the old one points at the new."""
    reason = _reason(reason)
    lock_row(document)
    _require_document_role(actor, document)
    if document.status != DocumentStatus.VALID:
        raise ValidationError(_("该文书已作废或已换发。"))
    new = _document_create(actor=actor, kind=document.kind, person=document.person, today=_today())
    document.status, document.status_reason = DocumentStatus.REPLACED, reason
    document.replaced_by = new
    save_with_history(document, actor=actor, reason=reason)
    audit_change(
        actor=actor,
        action="desk.document_replace",
        target=document,
        unit_code=document.unit_id,
        label=document.number,
        reason=reason,
        changes={"status": [DocumentStatus.VALID, DocumentStatus.REPLACED], "new": new.number},
    )
    return new


def document_pdf(*, actor: User, document: Document, verify_url: str, channel: str) -> bytes:
    """The printed page: the frozen content with the whole identity number (a logged read)
    and the QR code of the verification address."""
    _require_scope(actor, document.unit_id)
    fields = []
    for row in document.content.get("fields", []):
        value = document.person.id_number if row[2:] == [rules.ID_ROW] else row[1]
        fields.append((str(row[0]), str(value)))
    audit_sensitive_read(
        actor=actor,
        targets=[
            SensitiveTarget(
                target_type="registry.person",
                target_id=str(document.person.uid),
                label=document.holder_name,
                unit_code=document.person.unit_id,
            )
        ],
        fields=["id_number"],
        purpose="print",
        channel=channel,
    )
    issuer = document.issuer.name
    valid = (
        _("有效期至 %(day)s") % {"day": document.valid_until.isoformat()}
        if document.valid_until
        else ""
    )
    return render_pdf(
        PdfDocument(
            title=str(DocumentKind(document.kind).label),
            number=document.number,
            fields=fields,
            paragraphs=[str(p) for p in document.content.get("paragraphs", [])],
            issuer=issuer,
            issued_on=f"{document.issued_on:%Y年%m月%d日}",
            qr_text=verify_url,
            qr_caption=_("扫描二维码核验真伪。%(valid)s") % {"valid": valid},
        )
    )


# --- Public verification ----------------------------------------------------------------


@dataclass(frozen=True)
class VerificationAnswer:
    """All the public learns of a document: what it is, its state, a masked name."""

    found: bool
    limited: bool = False
    kind: str = ""
    state: str = ""
    masked_name: str = ""
    valid_until: datetime.date | None = None


_LOOKS_KEY = "verify-looks:{}"


def _count_look(ip: str | None) -> int:
    key = _LOOKS_KEY.format(ip or "-")
    cache.add(key, 0, 3600)
    return cache.incr(key)


def verification_look(*, code: str, ip: str | None) -> VerificationAnswer:
    """Look a code up for the public page: every look is logged, and an address past
    ``VERIFY_LIMIT_PER_HOUR`` looks is refused without looking (guessing is pointless at
    192 bits, but the page must not become a free oracle either)."""
    if _count_look(ip) > settings.VERIFY_LIMIT_PER_HOUR:
        VerificationLook.objects.create(ip=ip, outcome=VerificationLook.Outcome.LIMITED)
        return VerificationAnswer(found=False, limited=True)
    document = (
        Document.objects.filter(code=code)
        .only("id", "kind", "status", "valid_until", "holder_name")
        .first()
        if 20 <= len(code) <= 64
        else None
    )
    VerificationLook.objects.create(
        ip=ip,
        document=document,
        outcome=VerificationLook.Outcome.FOUND if document else VerificationLook.Outcome.UNKNOWN,
    )
    if document is None:
        return VerificationAnswer(found=False)
    return VerificationAnswer(
        found=True,
        kind=document.kind,
        state=rules.verification_state(document.status, document.valid_until, _today()),
        masked_name=rules.mask_name(document.holder_name),
        valid_until=document.valid_until,
    )
