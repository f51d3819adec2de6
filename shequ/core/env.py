"""Typed readers for settings that come from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no; got {raw!r}")


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}") from exc


SECRET_MIN_LENGTH = 32
SECRET_MIN_DISTINCT = 10


def check_secret(name: str, value: str) -> None:
    """Refuse a secret that is short or made of few characters (50 times "x" is long but
    guessable): raises ImproperlyConfigured saying how to make a good one."""
    advice = 'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
    if len(value) < SECRET_MIN_LENGTH:
        raise ImproperlyConfigured(
            f"{name} must be at least {SECRET_MIN_LENGTH} characters long. {advice}"
        )
    if len(set(value)) < SECRET_MIN_DISTINCT:
        raise ImproperlyConfigured(
            f"{name} must mix at least {SECRET_MIN_DISTINCT} different characters; "
            f"it has {len(set(value))}. {advice}"
        )
