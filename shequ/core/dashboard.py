"""The home page's figures: each capability contributes cards for the user's unit."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Card:
    label: str | Promise
    value: int | str
    url: str = ""
    icon: str = "bar-chart"


CardProvider = Callable[[object, object], list[Card]]  # (user, unit) → cards
CARD_PROVIDERS: list[CardProvider] = []


def cards_for(user, unit) -> list[Card]:
    cards: list[Card] = []
    for provider in CARD_PROVIDERS:
        cards.extend(provider(user, unit))
    return cards
