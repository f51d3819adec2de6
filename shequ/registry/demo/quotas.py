"""How many people each unit gets, and of which kinds the seed's figures count."""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from shequ.registry.demo.data import (
    MODEL_DECEASED,
    MODEL_DEPARTED,
    MODEL_INFLOW,
    MODEL_INFLOW_MARRIED_WCBA,
    MODEL_INFLOW_WCBA,
    MODEL_INFLOW_WCBA_METHOD,
    MODEL_MARRIED_WCBA,
    MODEL_MARRIED_WCBA_METHOD,
    MODEL_PERSONS,
)


@dataclass
class Quota:
    """How many active people a unit gets, and of which kinds the figures count."""

    persons: int
    inflow: int
    married_local: int  # married women 15–49 who are not migrants …
    married_local_method: int  # … of them with a contraception method
    married_inflow: int  # married migrant women 15–49 …
    married_inflow_method: int  # … of them with a method
    single_inflow: int  # unmarried migrant women 15–49
    departed: int  # inactive records on top of ``persons``
    deceased: int

    def feasible(self) -> "Quota":
        """Clamp the kinds so that they fit in the unit (small --persons)."""
        q = self
        q.inflow = min(q.inflow, q.persons)
        q.married_inflow = min(q.married_inflow, q.inflow)
        q.single_inflow = min(q.single_inflow, q.inflow - q.married_inflow)
        q.married_inflow_method = min(q.married_inflow_method, q.married_inflow)
        q.married_local = min(q.married_local, q.persons - q.inflow)
        q.married_local_method = min(q.married_local_method, q.married_local)
        return q


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder): the parts add up."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    parts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def model_quotas(persons: int, units: list[tuple[str, float, float]]) -> list[Quota]:
    """The street's figures (scaled to ``persons``) split over its units exactly."""
    scale = persons / MODEL_PERSONS

    def scaled(figure: int) -> int:
        return round(figure * scale)

    person_parts = apportion(persons, [w for _c, w, _s in units])
    inflow_parts = apportion(scaled(MODEL_INFLOW), [w * s for _c, w, s in units])
    local_parts = [p - i for p, i in zip(person_parts, inflow_parts, strict=True)]
    married_in = apportion(scaled(MODEL_INFLOW_MARRIED_WCBA), inflow_parts)
    married_in_method = apportion(scaled(MODEL_INFLOW_WCBA_METHOD), married_in)
    single_in = apportion(
        scaled(MODEL_INFLOW_WCBA) - scaled(MODEL_INFLOW_MARRIED_WCBA), inflow_parts
    )
    married_local = apportion(
        scaled(MODEL_MARRIED_WCBA) - scaled(MODEL_INFLOW_MARRIED_WCBA), local_parts
    )
    married_local_method = apportion(
        scaled(MODEL_MARRIED_WCBA_METHOD) - scaled(MODEL_INFLOW_WCBA_METHOD), married_local
    )
    departed = apportion(scaled(MODEL_DEPARTED), inflow_parts)
    deceased = apportion(scaled(MODEL_DECEASED), local_parts)
    return [
        Quota(*values).feasible()
        for values in zip(
            person_parts,
            inflow_parts,
            married_local,
            married_local_method,
            married_in,
            married_in_method,
            single_in,
            departed,
            deceased,
            strict=True,
        )
    ]


def other_quota(persons: int, village: bool, rng: random.Random) -> Quota:
    """A community outside the model street: the same shape, in its own proportions."""

    def about(x: float) -> int:  # stochastic rounding keeps small units' totals right
        return int(x) + (rng.random() < x - int(x))

    inflow = about(persons * (0.06 if village else 0.2))
    married_inflow = about(inflow * 0.22)
    married_local = about((persons - inflow) * 0.2)
    return Quota(
        persons=persons,
        inflow=inflow,
        married_local=married_local,
        married_local_method=about(married_local * 0.88),
        married_inflow=married_inflow,
        married_inflow_method=about(married_inflow * 0.9),
        single_inflow=about(inflow * 0.04),
        departed=about(persons * 0.01),
        deceased=about(persons * 0.006),
    ).feasible()
