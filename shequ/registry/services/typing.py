"""The deployment's typing settings (人户分离, 流动, the service threshold) and the re-typing
of the registry a change of them starts (a background job with its report).

Only the city's administrator changes them (``may_change_typing``): the settings decide how
the whole city counts its people."""

import datetime
from collections import Counter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.bulk import history_insert
from shequ.core.versions import lock_for_edit, next_version
from shequ.org.audit import audit_change, field_changes, save_with_history
from shequ.org.models import User
from shequ.org.roles import Action, Level, can
from shequ.registry.models import (
    MigrantBoundary,
    Person,
    PersonStatus,
    PopulationType,
    RetypeJob,
    SeparationBoundary,
    TypingSettings,
)
from shequ.registry.rules import derive_population_type
from shequ.registry.services._common import (
    _reason,
    city_prefix,
    refresh_derived,
    typing_current,
)

_FIELDS = ("separation_boundary", "migrant_boundary", "service_months")
_BATCH = 500  # persons written per statement while re-typing


def may_change_typing(user: User | None) -> bool:
    """The city's administrator (a city account with the right to manage the tree), or the
    system itself; nobody below the city changes how the whole city counts."""
    if user is None or user.is_superuser:
        return True
    unit = getattr(user, "unit", None)
    return (
        unit is not None
        and unit.level == Level.CITY
        and unit.prefix == city_prefix()  # the city this deployment serves, no other
        and can(user, Action.MANAGE_ORG)
    )


def _settings_values(row: TypingSettings) -> dict[str, Any]:
    return {field: getattr(row, field) for field in _FIELDS}


@transaction.atomic
def typing_settings_update(
    *,
    actor: User | None,
    separation_boundary: str,
    migrant_boundary: str,
    service_months: int,
    reason: str,
    version: int | None = None,
) -> RetypeJob:
    """Change the typing settings and queue the re-typing of the registry they need (the
    caller enqueues the returned job: ``registry.tasks.enqueue_retype_job``)."""
    if not may_change_typing(actor):
        raise PermissionDenied(_("只有市级系统管理员可以修改人口分类设置。"))
    reason = _reason(reason)
    errors: dict[str, list[str]] = {}
    if separation_boundary not in SeparationBoundary.values:
        errors["separation_boundary"] = [_("请选择人户分离的界线。")]
    if migrant_boundary not in MigrantBoundary.values:
        errors["migrant_boundary"] = [_("请选择流动人口的界线。")]
    if not isinstance(service_months, int) or not 0 <= service_months <= 60:
        errors["service_months"] = [_("居住月数应在 0 至 60 之间。")]
    if errors:
        raise ValidationError(errors)
    row, _created = TypingSettings.objects.get_or_create(pk=1)
    lock_for_edit(row, version=version, check=lambda _row: None)
    before = _settings_values(row)
    after = {
        "separation_boundary": separation_boundary,
        "migrant_boundary": migrant_boundary,
        "service_months": service_months,
    }
    if before == after:
        raise ValidationError({"separation_boundary": [_("设置没有变化。")]})
    for field, value in after.items():
        setattr(row, field, value)
    save_with_history(row, actor=actor, reason=reason)
    job = RetypeJob.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        unit_code=getattr(actor, "unit_id", None) or "",
        reason=reason,
        settings_before=before,
        settings_after=after,
    )
    audit_change(
        actor=actor,
        action="typing_settings.update",
        target=row,
        unit_code=getattr(actor, "unit_id", None) or "",
        label=str(_("人口分类设置")),
        reason=reason,
        changes=field_changes(before, after),
    )
    return job


def retype_run(job: RetypeJob, *, today: datetime.date | None = None) -> RetypeJob:
    """Type every active person again by the current settings, in one transaction: the
    changed ones are written with a history row each (the job's reason) and counted by
    "from→to" in the job's report."""
    if job.status != RetypeJob.Status.QUEUED:
        return job
    job.status = RetypeJob.Status.RUNNING
    job.save(update_fields=["status"])
    try:
        with transaction.atomic():
            checked, changes = _retype(job, today=today or timezone.localdate())
    except Exception as exc:  # the job row says why; the registry is left as it was
        job.status = RetypeJob.Status.FAILED
        job.message = str(exc)[:2000]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "message", "finished_at"])
        raise
    job.status = RetypeJob.Status.SUCCEEDED
    job.checked_count = checked
    job.changed_count = sum(changes.values())
    job.report = dict(sorted(changes.items()))
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "checked_count", "changed_count", "report", "finished_at"])
    return job


def _retype(job: RetypeJob, *, today: datetime.date) -> tuple[int, Counter]:
    typing, city = typing_current(), city_prefix()
    rows = (
        Person.objects.filter(status=PersonStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", "hukou_division_id", "unit_id", "population_type")
    )
    checked = 0
    changed: dict[int, str] = {}
    changes: Counter = Counter()
    for pk, hukou, unit, old in rows.iterator(chunk_size=5000):
        checked += 1
        new = derive_population_type(
            hukou_code=hukou or "",
            residence_code=str(unit),  # the unit's code (django-stubs types it as its id)
            city_prefix=city,
            outflow=old == PopulationType.OUTFLOW,
            typing=typing,
        )
        if new != old:
            changed[pk] = new
            changes[f"{old}→{new}"] += 1
    now = timezone.now()
    keys = list(changed)
    for start in range(0, len(keys), _BATCH):
        persons = list(Person.objects.filter(pk__in=keys[start : start + _BATCH]).order_by("pk"))
        for person in persons:
            person.population_type = changed[person.pk]
            refresh_derived(person, today=today)
            person.updated_at = now
            person.version = next_version()
        Person.objects.bulk_update(
            persons, ["population_type", "eight_clear_missing", "updated_at", "version"]
        )
        versions = dict(
            Person.objects.filter(pk__in=[p.pk for p in persons]).values_list("pk", "version")
        )
        for person in persons:
            person.version = versions[person.pk]
        history_insert(
            Person, persons, actor=job.actor, reasons=[job.reason] * len(persons), now=now
        )
    audit_change(
        actor=job.actor,
        action="registry.retype",
        target=job,
        unit_code=job.unit_code,
        label=_("按新的人口分类设置重新分类：%(n)d 人类型改变") % {"n": len(keys)},
        reason=job.reason,
        changes={key: [None, count] for key, count in sorted(changes.items())},
    )
    return checked, changes
