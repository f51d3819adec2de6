"""The one way to record who changed what and why, who read what sensitive data, and who
signed in, was refused, or took the audit log or the user list out.

Services call ``audit_change`` inside their transaction; the model's simple-history row and
the event row commit or roll back together. ``save_with_history`` sets the history row's
user and reason so the timeline of a record shows them. Every row goes through
``audit_chain``, which appends it to its log's hash chain.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Model
from django.utils import timezone
from simple_history.models import HistoricalRecords

from shequ.core.versions import bump_version
from shequ.core.web import client_ip
from shequ.org.audit_chain import append, append_rows
from shequ.org.models import AuditEvent, SensitiveAccess, User


def _request_ip() -> str | None:
    request = getattr(HistoricalRecords.context, "request", None)
    if request is None:
        return None
    return client_ip(request)


def save_with_history(
    instance: Model, *, actor: User | None, reason: str = "", **save_kwargs: Any
) -> None:
    """Save a model that keeps simple-history, stamping its history row with actor and reason;
    a record saved again counts one more version (``core.versions``)."""
    # simple-history's attributes (undeclared: ignored by mypy)
    instance._history_user = actor if getattr(actor, "pk", None) else None  # type: ignore[attr-defined]
    instance._change_reason = reason or ""  # type: ignore[attr-defined]
    fields = bump_version(instance, save_kwargs.pop("update_fields", None))
    if fields is not None:
        save_kwargs["update_fields"] = fields
    instance.save(**save_kwargs)


def field_changes(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    masked: Mapping[str, Any] | None = None,
) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields that differ; masked fields go through their mask."""
    changes: dict[str, list[Any]] = {}
    for name, new in after.items():
        old = before.get(name)
        if old != new:
            mask = (masked or {}).get(name)
            changes[name] = [mask(old), mask(new)] if mask else [_plain(old), _plain(new)]
    return changes


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _event(
    *,
    actor: User | None,
    action: str,
    target: Model,
    unit_code: str,
    label: str,
    reason: str,
    changes: Mapping[str, Any] | None,
    ip: str | None,
) -> AuditEvent:
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(getattr(target, "uid", None) or target.pk),
        target_label=label[:120],
        unit_code=unit_code or "",
        reason=reason or "",
        changes=dict(changes or {}),
        ip=ip,
    )


def audit_change(
    *,
    actor: User | None,
    action: str,
    target: Model,
    unit_code: str,
    label: str,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Write one row of the change log (call inside the change's own transaction)."""
    event = _event(
        actor=actor,
        action=action,
        target=target,
        unit_code=unit_code,
        label=label,
        reason=reason,
        changes=changes,
        ip=_request_ip(),
    )
    append(AuditEvent, [event])
    return event


def audit_refused(
    *, actor: User | None, action: str, target_type: str, label: str, unit_code: str
) -> None:
    """Log an attempt that changed nothing (a refused lookup), so repeated guessing shows up
    in the change log. The caller must not be inside a transaction that is rolled back."""
    _append_event(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id="",
        label=label,
        unit_code=unit_code,
        ip=_request_ip(),
    )


def audit_export(
    *,
    actor: User | None,
    kind: str,
    target_type: str,
    label: str,
    changes: Mapping[str, Any],
    ip: str | None = None,
) -> AuditEvent:
    """One row of the change log for an export (action ``export.<kind>``): who took how
    many rows out, in which format and with which filters (``changes``), from where.
    ``ip``: the address of the request that asked for it (a background export keeps it from
    that request); by default the current request's."""
    return _append_event(
        actor=actor,
        action=f"export.{kind}",
        target_type=target_type,
        target_id="",
        label=label,
        unit_code=getattr(actor, "unit_id", None) or "",
        changes=changes,
        ip=ip if ip is not None else _request_ip(),
    )


def _append_event(
    *,
    actor,
    action: str,
    target_type: str,
    target_id: str,
    label: str,
    unit_code: str,
    ip: str | None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target_type,
        target_id=target_id[:40],
        target_label=label[:120],
        unit_code=unit_code or "",
        changes=dict(changes or {}),
        ip=ip,
    )
    append(AuditEvent, [event])
    return event


def audit_sign_in(
    *, action: str, user, username: str, ip: str | None, changes: Mapping[str, Any] | None = None
) -> AuditEvent:
    """A login, logout, failed login or lock-out (``auth.*``). ``user``: the account, when
    the name is one (a failed login is logged against it, in its unit, but by nobody)."""
    account = user if getattr(user, "pk", None) else None
    return _append_event(
        actor=account if action in ("auth.login", "auth.token", "auth.logout") else None,
        action=action,
        target_type="org.user",
        target_id=str(account.uid) if account else "",
        label=username or "",
        unit_code=getattr(account, "unit_id", None) or "",
        ip=ip,
        changes=changes,
    )


def audit_denied(*, actor, path: str, method: str, ip: str | None) -> AuditEvent:
    """A request refused for want of the right (403)."""
    return _append_event(
        actor=actor,
        action="access.denied",
        target_type="",
        target_id="",
        label=f"{method} {path}",
        unit_code=getattr(actor, "unit_id", None) or "",
        ip=ip,
    )


def audit_hidden(*, actor, target_type: str, target_id: str, ip: str | None) -> AuditEvent:
    """A lookup of a record that exists outside the actor's jurisdiction, answered 404.
    Logged in the actor's unit and naming the record only by type and public id, so the
    actor's auditors learn nothing about it they could not see."""
    return _append_event(
        actor=actor,
        action="access.outside",
        target_type=target_type,
        target_id=target_id,
        label=target_id,
        unit_code=getattr(actor, "unit_id", None) or "",
        ip=ip,
    )


def recent_refusals(actor: User | None, action: str, *, within: timedelta) -> int:
    if not getattr(actor, "pk", None):
        return 0
    since = timezone.now() - within
    return AuditEvent.objects.filter(actor=actor, action=action, at__gte=since).count()


@dataclass(frozen=True)
class ChangedTarget:
    target: Model
    unit_code: str
    label: str
    changes: Mapping[str, Any]


def audit_changes(
    *, actor: User | None, action: str, targets: Iterable[ChangedTarget], reason: str = ""
) -> int:
    """One change-log row per record of a batch (one action, one reason), in one insert."""
    ip = _request_ip()
    events = [
        _event(
            actor=actor,
            action=action,
            target=t.target,
            unit_code=t.unit_code,
            label=t.label,
            reason=reason,
            changes=t.changes,
            ip=ip,
        )
        for t in targets
    ]
    append(AuditEvent, events)
    return len(events)


@dataclass(frozen=True)
class SensitiveTarget:
    target_type: str
    target_id: str
    label: str
    unit_code: str


# The columns of a sensitive-read row, in the order ``audit_sensitive_read`` gives them.
_SENSITIVE_COLUMNS = (
    "at",
    "actor",
    "target_type",
    "target_id",
    "target_label",
    "unit_code",
    "fields",
    "purpose",
    "channel",
    "ip",
)


def audit_sensitive_read(
    *,
    actor: User,
    targets: Iterable[SensitiveTarget],
    fields: Iterable[str],
    purpose: str,
    channel: str,
) -> int:
    """Log the reading of sensitive fields of each target in one insert; returns the count.

    Written as value rows (``append_rows``), not model instances: a list of 50 persons
    writes 50 rows on every request, and instances with ``bulk_create`` were ~3 ms of CPU."""
    field_list = ",".join(sorted(set(fields)))
    ip = _request_ip()
    at = timezone.now()
    rows = [
        (
            at,
            actor.pk,
            t.target_type,
            t.target_id,
            t.label[:120],
            t.unit_code,
            field_list,
            purpose,
            channel,
            ip,
        )
        for t in targets
    ]
    append_rows(SensitiveAccess, list(_SENSITIVE_COLUMNS), rows)
    return len(rows)
