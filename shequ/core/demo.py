"""What each app's demo generator receives: the seed, the size, and what earlier ones shared.

The runner (``shequ.jobs.demo_runner``) calls the generators each app registers as
"demo_generators" (core/hooks.py) in the order of INSTALLED_APPS, the tree before the people
living in it. Generators share what later ones need through ``shared`` (the units they
created, the demo users …).
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
