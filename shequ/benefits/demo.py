"""The benefits' part of ``shequ demo``: a benefit year for 示范街道, computed through the same
``eligibility`` the pages use, so a user sees lists, a confirmed year and payments.

- A few only children who died or are disabled (grade 1–3), recorded on the registry's child
  records through its service: the 特别扶助 families the registry otherwise lacks.
- Declarations of most rural people aged 60+ (1973–2001 无违法生育) and confirmations of the
  hukou nature of their spouses outside the registry, as a worker records them.
- Last year's lists: 奖励扶助 and 特别扶助 confirmed (checked by the communities), payments
  mostly paid, one failed and one returned, 奖励扶助 published; a correction with reason.
- This year's lists computed and partly checked, waiting for the street's confirmation.
All through the services (actor None: the system), deterministic by seed.
"""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from shequ.benefits import services
from shequ.benefits.models import BenefitList, Confirmation, Payment, PaymentState
from shequ.benefits.rules import Programme
from shequ.core.demo import DemoContext
from shequ.core.text import prefix_q
from shequ.registry import services as registry_services
from shequ.registry.models import Child, Marriage, Person, PersonStatus

DEMO_REASON = "示范数据"
SPECIAL_FAMILIES = 12  # only children who died or are disabled, at the default size


def generate(ctx: DemoContext) -> None:
    street = ctx.shared.get("model_street")
    if street is None or BenefitList.objects.filter(unit=street).exists():
        return
    services.defaults_ensure()  # `demo --reset` empties every table, the rulebook too
    rng = ctx.rng("benefits")
    today = timezone.localdate()
    special = _special_families(street, rng, today)
    declared = _declarations(street, rng, today)
    year = today.year
    made = []
    for programme in (Programme.REWARD, Programme.SPECIAL):
        made.append(_confirmed_year(street, programme, year - 1, rng))
    for programme in Programme.values:
        benefit_list = services.benefit_list_start(
            actor=None, unit=street, programme=programme, year=year
        )
        services.benefit_list_compute(benefit_list)
        # The first community has checked its people; the street has not confirmed yet.
        first = benefit_list.rows.order_by("unit_code").values_list("unit_code", flat=True).first()
        if first:
            services.rows_check(
                actor=None,
                benefit_list=benefit_list,
                rows=benefit_list.rows.filter(prefix_q("unit_code", first[:12])),
                note="已入户核对",
            )
        made.append(benefit_list)
    ctx.log(
        f"benefits: {special} special-assistance families, {declared} declarations, "
        + ", ".join(f"{b.year} {b.programme} {b.eligible_count}" for b in made)
    )


def _special_families(street, rng, today: datetime.date) -> int:
    """Only children (of one-child couples) who died or have a disability of grade 1–3."""
    one_child = (
        Child.objects.filter(prefix_q("parent__unit_id", street.prefix), mother__isnull=False)
        .values("mother_id")
        .annotate(n=Count("id"))
        .filter(n=1)
        .values_list("mother_id", flat=True)
    )
    mothers = list(
        Person.objects.filter(
            pk__in=one_child,
            status=PersonStatus.ACTIVE,
            birth_date__lte=datetime.date(today.year - 50, 12, 31),
            birth_date__gte=datetime.date(1940, 1, 1),
        )
        .order_by("id")
        .values_list("pk", flat=True)[:400]
    )
    chosen = rng.sample(mothers, min(SPECIAL_FAMILIES, len(mothers)))
    done = 0
    for index, mother in enumerate(chosen):
        child = Child.objects.select_related("mother", "father").filter(mother_id=mother).first()
        if child is None or child.birth_date > datetime.date(2015, 12, 31):
            continue
        if index % 2 == 0:
            died = child.birth_date + datetime.timedelta(days=rng.randint(3000, 9000))
            values = {"death_date": min(died, today - datetime.timedelta(days=400))}
        else:
            values = {"disability_grade": rng.choice(["1", "2", "3"])}
        registry_services.child_update(
            actor=None, child=child, values=values, reason="示范数据：残疾证/死亡证明登记"
        )
        done += 1
    return done


def _declarations(street, rng, today: datetime.date) -> int:
    """Rural people aged 60+: most have declared no policy-violating birth 1973–2001; the
    spouses outside the registry have their hukou nature confirmed."""
    elderly = list(
        Person.objects.filter(
            Q(prefix_q("unit_id", street.prefix)),
            status=PersonStatus.ACTIVE,
            hukou_nature="agricultural",
            birth_date__lte=datetime.date(today.year - 60, 12, 31),
        )
        .order_by("id")
        .values_list("pk", "unit_id")
    )
    outside = set(
        Marriage.objects.filter(
            Q(husband_id__in=[p for p, _u in elderly], wife__isnull=True)
            | Q(wife_id__in=[p for p, _u in elderly], husband__isnull=True),
            end_reason="",
        ).values_list("husband_id", "wife_id")
    )
    with_outside = {p for pair in outside for p in pair if p}
    rows = []
    for person, unit in elderly:
        if rng.random() < 0.9:
            rows.append(
                Confirmation(
                    person_id=person,
                    unit_code=unit,
                    key="no_violation_1973_2001",
                    value=rng.random() > 0.03,
                    note="本人书面承诺",
                )
            )
        if person in with_outside and rng.random() < 0.7:
            rows.append(
                Confirmation(
                    person_id=person,
                    unit_code=unit,
                    key="spouse_rural",
                    value=True,
                    note="经配偶户籍地核实",
                )
            )
    from shequ.core.bulk import bulk_insert

    bulk_insert(Confirmation, rows, reasons=[DEMO_REASON] * len(rows))
    return len(rows)


def _confirmed_year(street, programme: str, year: int, rng) -> BenefitList:
    """A past year: computed, checked, confirmed; most paid, one failed, one returned."""
    benefit_list = services.benefit_list_start(
        actor=None, unit=street, programme=programme, year=year
    )
    services.benefit_list_compute(benefit_list)
    services.rows_check(
        actor=None, benefit_list=benefit_list, rows=benefit_list.rows.all(), note="已入户核对"
    )
    benefit_list.refresh_from_db()
    services.benefit_list_confirm(actor=None, benefit_list=benefit_list)
    pending = benefit_list.rows.filter(included=False, outcome="pending").order_by("id").first()
    if pending is not None and pending.amount is not None:
        services.row_correct(
            actor=None,
            row=pending,
            include=True,
            reason="补交承诺书，经街道核实符合条件",
        )
    payments = list(Payment.objects.filter(benefit_list=benefit_list).order_by("id"))
    for index, payment in enumerate(payments):
        if index == 0:
            services.payment_result(
                actor=None, payment=payment, state=PaymentState.FAILED, note="账户已销户"
            )
        elif index == 1:
            services.payment_result(actor=None, payment=payment, state=PaymentState.PAID)
            services.payment_result(
                actor=None, payment=payment, state=PaymentState.RETURNED, note="户名不符，银行退回"
            )
        elif rng.random() < 0.97:
            services.payment_result(
                actor=None,
                payment=payment,
                state=PaymentState.PAID,
                on=datetime.date(year, 12, 20),
            )
    if programme == Programme.REWARD:
        services.benefit_list_publish(actor=None, benefit_list=benefit_list)
    benefit_list.refresh_from_db()
    return benefit_list
