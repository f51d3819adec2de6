"""The demo runner: one entry point, one generator per app, deterministic by seed.

Each app registers ``generate(ctx: DemoContext) -> None`` as "demo_generators" and may
register ``logins()`` as "demo_logins": the demo logins its data hold, read from the
database, so that they can be printed after a load and again whenever the demo is already
loaded (core/hooks.py). Each generator runs in its own transaction.
"""

import time
from collections.abc import Callable

from django.apps import apps
from django.db import transaction

from shequ.core.demo import DemoContext
from shequ.core.hooks import app_hooks
from shequ.jobs.statistics import analyse


def demo_generators() -> list[tuple[str, Callable[[DemoContext], None]]]:
    """(app label, generator) in the order of INSTALLED_APPS."""
    generators = []
    for generate in app_hooks("demo_generators"):
        config = apps.get_containing_app_config(generate.__module__)
        generators.append((config.label if config else generate.__module__, generate))
    return generators


def demo_logins() -> list[tuple[str, str, str, str]]:
    """The demo logins in the database as (user, role, unit, password); empty without the demo."""
    logins: list[tuple[str, str, str, str]] = []
    for app_logins in app_hooks("demo_logins"):
        logins.extend(app_logins())
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
    # The tables were filled from empty: statistics from before would plan every list as if
    # for empty tables until something analysed them.
    started = time.perf_counter()
    analyse(sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed}))
    timings["analyze"] = time.perf_counter() - started
    return timings
