from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    """Family benefits (奖励扶助, 特别扶助, 独生子女父母奖励费): eligibility computed from the
    registry, the street's yearly list frozen when confirmed, payments and the bank's file."""

    name = "shequ.benefits"
    label = "benefits"
    verbose_name = _("计划生育家庭扶助")

    # What the app registers for the other floors (core/hooks.py lists the hooks).
    menu_entries = ("shequ.benefits.navigation.MENU",)
    demo_generators = ("shequ.benefits.demo.generate",)
