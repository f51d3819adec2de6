"""The desk's part of ``shequ demo``: applications in every state at 示范街道, with the status
proofs and service books issued for them, one revoked and one replaced — all through the
services (actor None: the system), so the demo looks exactly like the desk's own work."""

import datetime

from django.db.models import Q
from django.utils import timezone

from shequ.core.demo import DemoContext
from shequ.core.text import prefix_q
from shequ.desk import services
from shequ.desk.models import Application, Channel, DocumentKind
from shequ.registry.models import MaritalStatus, Person, PersonStatus

# How many applications of each end state the model street gets.
PLAN = [
    ("issued", DocumentKind.STATUS_PROOF, 12),
    ("issued", DocumentKind.SERVICE_BOOK, 6),
    ("accepted", DocumentKind.STATUS_PROOF, 5),
    ("applied", DocumentKind.STATUS_PROOF, 4),
    ("reviewed", DocumentKind.GLORY_CERTIFICATE, 2),
    ("applied", DocumentKind.GLORY_CERTIFICATE, 2),
    ("refused", DocumentKind.STATUS_PROOF, 2),
]


def generate(ctx: DemoContext) -> None:
    street = ctx.shared["model_street"]
    if Application.objects.filter(prefix_q("unit_id", street.prefix)).exists():
        return
    rng = ctx.rng("desk")
    candidates = list(
        Person.objects.filter(
            prefix_q("unit_id", street.prefix),
            Q(marital_status=MaritalStatus.MARRIED),
            status=PersonStatus.ACTIVE,
        )
        .select_related("unit", "hukou_division")
        .order_by("id")[:2000]
    )
    if not candidates:
        return
    # 光荣证 replacements: wives of the couples holding one (the registry's demo records 378).
    holders = list(
        Person.objects.filter(
            prefix_q("unit_id", street.prefix),
            status=PersonStatus.ACTIVE,
            marriages_as_wife__honor_certificate_number__gt="",
            marriages_as_wife__end_reason="",
        )
        .select_related("unit", "hukou_division")
        .order_by("id")[:200]
    )
    rng.shuffle(holders)
    chosen = rng.sample(candidates, min(sum(n for _, _, n in PLAN), len(candidates)))
    chosen = [p for p in chosen if p not in holders]
    made = 0
    for state, kind, count in PLAN:
        pool = holders if kind == DocumentKind.GLORY_CERTIFICATE else chosen
        for _ in range(count):
            if not pool:
                break
            person = pool.pop()
            channel = rng.choice([Channel.DESK, Channel.DESK, Channel.WORKER])
            application = services.application_create(
                actor=None, person=person, kind=kind, channel=channel
            )
            made += 1
            if state == "applied":
                continue
            if state == "refused":
                services.application_refuse(
                    actor=None, application=application, reason="申请人户籍地信息待核实，请补充材料"
                )
                continue
            services.application_accept(actor=None, application=application)
            if kind == DocumentKind.GLORY_CERTIFICATE:
                services.application_review(actor=None, application=application)
            if state == "issued":
                services.application_issue(actor=None, application=application)
    issued = list(
        Application.objects.filter(prefix_q("unit_id", street.prefix), document__isnull=False)
        .select_related("document")
        .order_by("id")[:2]
    )
    if len(issued) == 2:
        assert issued[0].document is not None and issued[1].document is not None
        services.document_revoke(actor=None, document=issued[0].document, reason="信息有误，作废")
        services.document_replace(actor=None, document=issued[1].document, reason="原件遗失，换发")
    births = _births(ctx, candidates)
    ctx.log(f"desk: {made} applications, {births} birth registrations at {street.name}")


def _births(ctx: DemoContext, candidates: list[Person]) -> int:
    """Birth registrations of young married women: before the birth (at the desk, by a
    worker, online) and after it (补登)."""
    rng = ctx.rng("desk-births")
    today = timezone.localdate()
    women = [p for p in candidates if p.sex == "F" and 20 <= today.year - p.birth_date.year <= 40]
    made = 0
    for person in rng.sample(women, min(24, len(women))):
        before = rng.random() < 0.6
        values = {
            "stage": "before" if before else "after",
            "expected_on": today + datetime.timedelta(days=rng.randint(20, 250)),
            "born_on": today - datetime.timedelta(days=rng.randint(1, 120)),
            "declaration": True,
            "married": True,
        }
        channel = rng.choice([Channel.DESK, Channel.WORKER, Channel.ONLINE])
        services.birth_registration_create(
            actor=None, person=person, channel=channel, values=values
        )
        made += 1
    return made
