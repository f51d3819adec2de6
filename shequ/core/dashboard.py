"""The home page's figures: each capability contributes cards for the user's unit."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from shequ.core.hooks import app_hooks


@dataclass(frozen=True)
class Card:
    label: str | Promise
    value: int | str
    url: str = ""
    icon: str = "bar-chart"


CardProvider = Callable[[object, object], list[Card]]  # (user, unit) → cards, "dashboard_cards"


def cards_for(user, unit) -> list[Card]:
    cards: list[Card] = []
    provider: CardProvider
    for provider in app_hooks("dashboard_cards"):
        cards.extend(provider(user, unit))
    return cards
