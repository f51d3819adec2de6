"""The demo runner: one entry point, one generator per capability, deterministic by seed.

Each Shequ app may have a ``demo`` module with ``generate(ctx: DemoContext) -> None``. The
runner calls them in the order of INSTALLED_APPS (the tree before the people living in it),
each in its own transaction, and reports how long each took. Generators share what later
ones need through ``ctx.shared`` (the units they created, the demo users …). A ``demo``
module may also have ``logins()``: the demo logins its data hold, read from the database, so
that they can be printed after a load and again whenever the demo is already loaded.
"""

import importlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.apps import apps
from django.db import transaction

DEMO_PASSWORD = "Shequ-demo-2026"  # noqa: S105 — printed for the demo; never a production secret


@dataclass
class DemoContext:
    seed: int
    persons: int
    log: Callable[[str], None] = print
    shared: dict[str, Any] = field(default_factory=dict)

    def rng(self, purpose: str) -> random.Random:
        """A random generator of its own per purpose, so one generator's draws never shift
        another's: adding a field to persons does not change the streets."""
        return random.Random(f"{self.seed}:{purpose}")


def _demo_modules() -> list[tuple[str, ModuleType]]:
    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("shequ."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        modules.append((config.label, module))
    return modules


def demo_generators() -> list[tuple[str, Callable[[DemoContext], None]]]:
    return [(label, module.generate) for label, module in _demo_modules()]


def demo_logins() -> list[tuple[str, str, str, str]]:
    """The demo logins in the database as (user, role, unit, password); empty without the demo."""
    logins: list[tuple[str, str, str, str]] = []
    for _label, module in _demo_modules():
        if hasattr(module, "logins"):
            logins.extend(module.logins())
    return logins


def run_demo(ctx: DemoContext) -> dict[str, float]:
    """Run every app's generator; returns seconds per app."""
    timings: dict[str, float] = {}
    for label, generate in demo_generators():
        started = time.perf_counter()
        with transaction.atomic():
            generate(ctx)
        timings[label] = time.perf_counter() - started
        ctx.log(f"  {label}: {timings[label]:.1f} s")
    return timings
