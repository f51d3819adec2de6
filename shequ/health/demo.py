"""The health services' part of ``shequ demo``: facilities, a year of services for a share
of the model street's target women, open and overdue tasks, reports with one returned."""

from shequ.core.demo import DemoContext


def generate(ctx: DemoContext) -> None:
    from shequ.health.demo_data import build

    build(ctx)
