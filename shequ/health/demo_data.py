"""The demo's health services (see ``demo.py``): deterministic by the demo's seed."""

import datetime
from decimal import Decimal

from django.utils import timezone

from shequ.core.demo import DemoContext
from shequ.health import rules, selectors, services
from shequ.health.models import Facility, MonthlyReport, ServiceKind, ServiceRecord
from shequ.org.models import OrgUnit, User
from shequ.org.roles import Level
from shequ.registry.models import Contraception, Pregnancy

# What a target woman receives in a month she is served, by her situation. A woman with no
# method (newly married, planning a child or pregnant) comes for the pre-pregnancy check or
# pregnancy care; a woman using a method for counselling on it (at times a procedure at a
# designated hospital) or the yearly reproductive-health check.
_KINDS_NO_METHOD = [ServiceKind.PREPREGNANCY_CHECK, ServiceKind.PREGNANCY_REGISTRATION]
_KINDS_WITH_METHOD = [ServiceKind.CONTRACEPTION_COUNSELLING, ServiceKind.REPRODUCTIVE_CHECK]


def build(ctx: DemoContext) -> None:
    rng = ctx.rng("health")
    today = timezone.localdate()
    services.seed_defaults(datetime.date(2020, 1, 1))
    model_street: OrgUnit = ctx.shared["model_street"]

    hospitals: dict[str, list[Facility]] = {}
    for district in OrgUnit.objects.filter(level=Level.DISTRICT, is_active=True).order_by("code"):
        names = [f"{district.name}妇幼保健院", f"{district.name}人民医院", f"{district.name}中医院"]
        hospitals[district.code] = [
            services.facility_create(
                actor=None, name=name, kind=Facility.Kind.HOSPITAL, unit=district
            )
            for name in names[: 2 + rng.randint(0, 1)]
        ]
    station = services.facility_create(
        actor=None,
        name=f"{model_street.name}计生服务站",
        kind=Facility.Kind.STATION,
        unit=model_street,
    )
    provider = User.objects.filter(username="provider", unit_id=model_street.code).first()
    if provider is not None:
        services.facility_staff_set(actor=None, facility=station, user=provider)
    district_hospitals = hospitals.get(model_street.code[:6] + "000000", [])

    # A year of services: each month about a fifth of the month's targets are served.
    records = 0
    this_month = rules.month_start(today)
    pregnant = set(Pregnancy.objects.filter(outcome="").values_list("person_id", flat=True))
    for back in range(12, -1, -1):
        month = rules.month_start(rules.months_before(this_month, back))
        end = min(rules.month_end(month), today)
        targets = list(selectors.target_list(model_street.prefix, month)[:2000])
        rng.shuffle(targets)
        for person in targets[: min(300, max(1, len(targets) // 5))]:
            day = month + datetime.timedelta(days=rng.randint(0, (end - month).days))
            no_method = person.contraception in ("", Contraception.NONE)
            kind = rng.choice(_KINDS_NO_METHOD if no_method else _KINDS_WITH_METHOD)
            values: dict = {"facility": station, "place": station.name}
            if kind in (ServiceKind.REPRODUCTIVE_CHECK, ServiceKind.PREPREGNANCY_CHECK):
                high = rng.random() < 0.12
                values.update(
                    result="未见异常" if not high else "建议复查",
                    risk_level="high" if high else "low",
                )
            if (
                kind == ServiceKind.CONTRACEPTION_COUNSELLING
                and district_hospitals
                and rng.random() < 0.25
            ):
                kind = ServiceKind.PROCEDURE
                values = {
                    "facility": rng.choice(district_hospitals),
                    "cost": Decimal(rng.choice([380, 520, 860, 1200])),
                    "result": "手术顺利",
                }
            if kind == ServiceKind.PREGNANCY_REGISTRATION and person.pk not in pregnant:
                # Only a woman the registry knows as pregnant is registered for pregnancy care
                # (it would record a pregnancy that never ends); the others come for a
                # follow-up. No draw here, so the rest of the year stays as it was.
                kind = ServiceKind.PREPREGNANCY_FOLLOWUP
            services.service_record_create(actor=None, person=person, kind=kind, date=day, **values)
            records += 1

    # Reports: two months ago approved up to the district; last month, the communities
    # submitted and one returned by the street.
    communities = list(
        OrgUnit.objects.filter(parent=model_street, level=Level.COMMUNITY, is_active=True).order_by(
            "code"
        )
    )
    street_user = User.objects.filter(username="street", unit_id=model_street.code).first()
    district_user = User.objects.filter(
        username="district", unit_id=model_street.code[:6] + "000000"
    ).first()
    returned = 0
    if street_user is not None and district_user is not None and communities:
        for back, finish in ((2, True), (1, False)):
            month = rules.months_before(this_month, back)
            for n, community in enumerate(communities):
                report = services.report_generate(actor=None, unit=community, month=month)
                report.state = MonthlyReport.State.DRAFT
                _submit(report, street_user)
                if not finish and n == 0:
                    services.report_return(
                        actor=street_user,
                        report=report,
                        reason="新婚登记与入户核实不一致，请核对后重报",
                    )
                    returned += 1
                else:
                    services.report_approve(actor=street_user, report=report)
            if finish:
                street_report = services.report_generate(actor=None, unit=model_street, month=month)
                _submit(street_report, street_user)
                services.report_approve(actor=district_user, report=street_report)
        # Claims: last month's procedures compiled and submitted; the month before approved.
        for back, approve in ((2, True), (1, False)):
            month = rules.months_before(this_month, back)
            for hospital in district_hospitals:
                if not ServiceRecord.objects.filter(
                    facility=hospital, date__gte=month, date__lte=rules.month_end(month)
                ).exists():
                    continue
                batch = services.claim_compile(
                    actor=None, street=model_street, month=month, hospital=hospital
                )
                if batch.count:
                    services.claim_submit(actor=street_user, batch=batch)
                    if approve:
                        services.claim_decide(actor=district_user, batch=batch, approve=True)
    ctx.log(
        f"    health: {sum(len(h) for h in hospitals.values())} designated hospitals, 1 station, "
        f"{records:,} service records in a year, {returned} report returned"
    )


def _submit(report: MonthlyReport, actor: User) -> None:
    """Submit as the unit would (the demo's set-up writes past the page's role check)."""
    report.figures = selectors.report_figures(OrgUnit.prefix_for(report.unit_code), report.month)
    report.state = MonthlyReport.State.SUBMITTED
    report.submitted_at = timezone.now()
    report.save(update_fields=["figures", "state", "submitted_at"])
