"""Edits based on a version: no change is silently overwritten by someone else's.

A record that people edit side by side carries a ``version`` column, 1 when made and one
higher after every save through the services. An edit names the version it was based on;
the service reloads the row locked (``lock_for_edit``), checks the jurisdiction on what it
locked, and refuses a stale edit with ``EditConflict``: the pages show the form again with
both values, the API answers 409 with the current version.
"""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import models
from django.db.models import F, Model
from django.db.models.expressions import CombinedExpression
from django.db.models.fields.mixins import FieldCacheMixin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def version_field() -> models.PositiveIntegerField:
    """The ``version`` column of an edited record; the database's own default serves rows
    written in bulk without it."""
    return models.PositiveIntegerField(
        gettext_lazy("版本"),
        default=1,
        db_default=1,
        editable=False,
        help_text=gettext_lazy("每次保存加一；修改时须提交所依据的版本。"),
    )


_M = TypeVar("_M", bound=Model)  # so that `check` is typed with the caller's model


class EditConflict(Exception):
    """Someone saved the record after the version this edit was based on."""

    def __init__(self, *, current: Model, based_on: int | None):
        self.current = current
        self.current_version: int = current.version  # type: ignore[attr-defined]  # versioned only
        self.based_on = based_on
        super().__init__(
            _(
                "保存前，此记录已被他人修改（现为第 %(current)s 版，您的修改基于第 %(based)s 版），"
                "您的修改没有保存。请核对后重新提交。"
            )
            % {"current": self.current_version, "based": based_on if based_on else "?"}
        )


def lock_for_edit(instance: _M, *, version: int | None, check: Callable[[_M], None]) -> None:
    """Reload ``instance`` from its row, locked until the transaction ends; ``check`` it
    there (the jurisdiction: a conflict must not show a record the user may no longer see),
    then refuse the edit unless the row is still at ``version`` (None: the version the
    caller loaded). The loaded version must match too: values the caller filled in from
    that instance (fields an API client did not send) must not come from an older row."""
    loaded: int = instance.version  # type: ignore[attr-defined]  # a versioned model
    lock_row(instance)
    check(instance)
    based_on = loaded if version is None else version
    if instance.version != based_on or instance.version != loaded:  # type: ignore[attr-defined]
        raise EditConflict(current=instance, based_on=based_on)


def lock_row(instance: Model) -> None:
    """Reload ``instance`` from its row, locked until the transaction ends: for a write that
    applies an event to the record as it is now (a move, a departure) and checks it there."""
    relations = [
        (f, f.get_cached_value(instance), getattr(instance, f.attname))
        for f in instance._meta.concrete_fields
        if f.is_relation and isinstance(f, FieldCacheMixin) and f.is_cached(instance)
    ]
    model = type(instance)
    instance.refresh_from_db(from_queryset=model._base_manager.select_for_update())
    # The reload forgets the related rows the caller had joined; those it still points at
    # are kept, or each would be read again.
    for field, related, key in relations:
        if getattr(instance, field.attname) == key:
            field.set_cached_value(instance, related)


def row_values(instance: Model) -> dict[str, Any]:
    """The instance's column values by attribute name, to find what an edit changed."""
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def changed_fields(instance: Model, before: dict[str, Any]) -> list[str]:
    """The fields whose value differs from ``before`` (``row_values`` taken earlier), plus the
    columns a save always writes (``auto_now``): the ``update_fields`` of an edit that writes
    only what it changed, so a column it did not touch keeps what the row holds."""
    fields = [
        f.name
        for f in instance._meta.concrete_fields
        if not f.primary_key and getattr(instance, f.attname) != before.get(f.attname)
    ]
    fields += [
        f.name
        for f in instance._meta.concrete_fields
        if getattr(f, "auto_now", False) and f.name not in fields
    ]
    return fields


def is_versioned(instance: Model) -> bool:
    return any(f.name == "version" for f in instance._meta.concrete_fields)


def bump_version(instance: Model, update_fields: Iterable[str] | None) -> list[str] | None:
    """Count one more version on a saved record about to be saved again; returns the
    ``update_fields`` to save with (``version`` added when the save names its fields)."""
    if instance._state.adding or not is_versioned(instance):
        return list(update_fields) if update_fields is not None else None
    instance.version += 1  # type: ignore[attr-defined]  # is_versioned said it has one
    if update_fields is None:
        return None
    return sorted({*update_fields, "version"})


def next_version() -> CombinedExpression:
    """The expression of a bulk ``update()``: every row one version on."""
    return F("version") + 1
