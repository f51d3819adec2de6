"""The health programme's rules as data: the defaults every deployment starts with (the
whole country, from 2020), so that ``rulebook.value`` answers from the first day. City
staff override them for their region on 规则设置."""

import datetime

from django.db import migrations

# A copy, not an import: a migration must not change when the code does.
DEFAULTS = {
    "residence_threshold_months": (6, "流动人口居住满几个月纳入服务对象"),
    "report_deadline_working_days": (
        {"community": 3, "street": 6},
        "月报上报截止：次月第几个工作日（社区、街道）",
    ),
    "migrant_notice_working_days": (10, "流动人口检查结果、分娩通报户籍地的时限（工作日）"),
    "next_service": (
        {
            "prepregnancy_check": {"kind": "prepregnancy_followup", "days": 90},
            "pregnancy_registration": {"kind": "pregnancy_visit", "days": 30},
            "pregnancy_visit": {"kind": "pregnancy_visit", "days": 30},
            "birth": {"kind": "postnatal_visit", "working_days": 7},
            "procedure": {"kind": "procedure_followup", "days": 30},
            "reproductive_check": {"kind": "reproductive_check", "days": 365},
        },
        "各类服务的下次服务：类型和间隔（天或工作日）",
    ),
}


def seed(apps, schema_editor):
    Setting = apps.get_model("rulebook", "Setting")
    for key, (value, note) in DEFAULTS.items():
        if not Setting.objects.filter(programme="health", key=key, region_prefix="").exists():
            Setting.objects.create(
                programme="health",
                key=key,
                region_prefix="",
                valid_from=datetime.date(2020, 1, 1),
                value=value,
                note=note,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("health", "0001_services_reports_claims"),
        ("rulebook", "0001_settings"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
