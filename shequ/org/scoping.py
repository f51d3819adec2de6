"""Jurisdiction: the one place that decides which records a user may see.

A user sees the subtree of their unit, plus any blind zone (盲区) delegated to their unit or
to a unit inside their subtree. Every model declares ``scope_field``: the field holding the
code of the unit it hangs on. Selectors, viewsets, exports, searches and background jobs
call ``scoped``; an object outside answers 404 exactly like a missing one.

Separation of duties is held here too: records of people (every model that does not say
``personal_data = False``) are in no jurisdiction for an account without the data duty, so
an administrator or an auditor reads none of them whatever page, API or export asks.
"""

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from shequ.core.text import prefix_q

_CACHE_ATTR = "_shequ_jurisdiction"
M = TypeVar("M", bound=Model)


def jurisdiction_prefixes(user, *, personal: bool = True) -> tuple[str, ...] | None:
    """Code prefixes the user may see; ``None`` means everything (superuser). With
    ``personal`` (records of people), none for an account whose duty is not data work."""
    prefixes = _tree_prefixes(user)
    if personal and prefixes is not None and prefixes and not _reads_people(user):
        return ()
    return prefixes


def _reads_people(user) -> bool:
    from shequ.org.roles import Action, can

    return can(user, Action.READ_REGISTRY)


def _tree_prefixes(user) -> tuple[str, ...] | None:
    cached: Any = getattr(user, _CACHE_ATTR, False)
    if cached is not False:
        return cached
    prefixes: tuple[str, ...] | None
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        prefixes = ()
    elif user.is_superuser:
        prefixes = None
    elif user.unit_id is None or user.unit is None or not user.unit.is_active:
        prefixes = ()
    else:
        from shequ.org.models import OrgUnit

        own = user.unit.prefix
        delegated = (
            OrgUnit.objects.filter(
                prefix_q("delegate__prefix", own), kind=OrgUnit.Kind.COMPOUND, is_active=True
            )
            .exclude(prefix_q("prefix", own))
            .values_list("prefix", flat=True)
        )
        prefixes = (own, *sorted(delegated))
    setattr(user, _CACHE_ATTR, prefixes)
    return prefixes


def forget_jurisdiction(user) -> None:
    """Drop the cached prefixes after the tree or the user's unit changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def scope_q(user, field: str, *, personal: bool = True) -> Q:
    return prefixes_q(jurisdiction_prefixes(user, personal=personal), field)


def prefixes_q(prefixes: tuple[str, ...] | None, field: str) -> Q:
    """Records whose ``field`` starts with one of ``prefixes`` (None: all; empty: none)."""
    if prefixes is None:
        return Q()
    if not prefixes:
        return Q(pk__in=[])
    condition = Q()
    for prefix in prefixes:
        condition |= prefix_q(field, prefix)
    return condition


def scoped(
    queryset: QuerySet[M], user, field: str | None = None, *, personal: bool | None = None
) -> QuerySet[M]:
    """The part of ``queryset`` inside the user's jurisdiction. Whether its records are
    personal data is the model's ``personal_data`` (default yes) unless ``personal`` says."""
    if personal is None:
        personal = getattr(queryset.model, "personal_data", True)
    return queryset.filter(scope_q(user, field or queryset.model.scope_field, personal=personal))  # type: ignore[attr-defined]


class OutsideJurisdiction(Http404):
    """The 404 for a record that exists but lies outside the user's jurisdiction: answered
    exactly like a missing one, and logged as a refusal (``org.refusals``) once the request's
    transaction has unwound, so a rollback cannot take the log row with it."""

    def __init__(self, target_type: str, target_id: str) -> None:
        super().__init__()
        self.target_type, self.target_id = target_type, target_id


def get_in_scope_or_404(queryset: QuerySet[M], user, **lookup) -> M:
    """One object by ``lookup``, or 404 when it is missing or outside the jurisdiction (or
    the id is malformed: ``?household=abc`` is a record nobody has)."""
    try:
        return scoped(queryset, user).get(**lookup)
    except (ObjectDoesNotExist, ValueError, ValidationError) as exc:
        if isinstance(exc, ObjectDoesNotExist) and queryset.filter(**lookup).exists():
            raise OutsideJurisdiction(
                queryset.model._meta.label_lower, ",".join(str(v) for v in lookup.values())
            ) from exc
        raise Http404 from exc


def code_in_scope(user, code: str, *, personal: bool = True) -> bool:
    prefixes = jurisdiction_prefixes(user, personal=personal)
    if prefixes is None:
        return True
    return any(code.startswith(prefix) for prefix in prefixes)


def codes_in_scope(user, codes: Iterable[str], *, personal: bool = True) -> bool:
    return all(code_in_scope(user, code, personal=personal) for code in codes)


def subtree_q(field: str, code: str) -> Q:
    """Records hanging on the unit with this code or anywhere below it (``?unit=`` filters)."""
    from shequ.org.models import OrgUnit

    return prefix_q(field, OrgUnit.prefix_for(code))


# --- The second scope: the registration place (户籍地), read-only ------------------------
#
# A person is managed where they live (居住地为主): ``scoped`` above, on the model's
# ``scope_field``. The community where they are registered sees them too while they live
# elsewhere (户在人不在, its outflow), on the model's ``registration_scope_field`` (the 户籍地
# code). That sight is read-only: no write path asks these functions — services check the
# residence with ``code_in_scope`` — except the one act that is the registration place's
# own (recording a 流出), which asks ``registration_in_scope`` explicitly.


def registration_q(user, field: str) -> Q:
    """Records whose registration place (``field``, a division code) lies in the user's
    jurisdiction — the same prefixes as the residence scope, read on the 户籍地."""
    return prefixes_q(jurisdiction_prefixes(user, personal=True), field)


def registered_elsewhere(queryset: QuerySet[M], user) -> QuerySet[M]:
    """The user's registration-place view: registered in the jurisdiction, living outside
    it (户在人不在). Read-only: what it returns must never be handed to a write."""
    model = queryset.model
    registration_field = model.registration_scope_field  # type: ignore[attr-defined]
    inside = scope_q(user, model.scope_field)  # type: ignore[attr-defined]
    prefixes = jurisdiction_prefixes(user, personal=True)
    if prefixes is None:  # everything is in a superuser's jurisdiction: no one is elsewhere
        return queryset.none()
    return queryset.filter(registration_q(user, registration_field)).exclude(inside)


def registration_in_scope(user, code: str | None) -> bool:
    """Whether the registration place ``code`` (户籍地) lies in the user's jurisdiction."""
    return bool(code) and code_in_scope(user, code or "")


def registration_unit_code(code: str | None) -> str | None:
    """The code of the deepest active unit of this deployment holding the division ``code``
    (a 户籍地), or None when the person is registered outside every unit we serve."""
    if not code:
        return None
    from shequ.org.models import OrgUnit

    candidates = {code[:n] for n in range(2, len(code) + 1)}
    found = (
        OrgUnit.objects.filter(prefix__in=candidates, is_active=True)
        .order_by("-prefix")
        .values_list("code", flat=True)
        .first()
    )
    return found
