"""The benefits' rules as pure functions of registry facts: which place pays a person, and
for each programme the conditions with their outcome and the words that explain it. No ORM
here: ``eligibility`` gathers the facts (a few queries for a whole unit) and asks these.

Amounts and thresholds are never constants here: they come from the rulebook (``RULES``
names the keys, ``defaults.DEFAULTS`` the national rows), read per place and year.
"""

from shequ.benefits.rules.base import (
    CONFIRMATION_KEY_CHOICES,
    CONFIRMATION_KEYS,
    FAIL,
    OK,
    RULE_PROGRAMME,
    RULES,
    UNKNOWN,
    CertificateFact,
    Check,
    ChildFact,
    Outcome,
    PersonFacts,
    Programme,
    Result,
    SpouseFact,
    paying_place,
    periods,
    precise_division,
    rule_key,
    split,
    year_end,
)
from shequ.benefits.rules.programmes import (
    EVALUATORS,
    evaluate,
    evaluate_only_child,
    evaluate_reward,
    evaluate_special,
    months_under_age,
)

__all__ = [
    "CONFIRMATION_KEYS",
    "CONFIRMATION_KEY_CHOICES",
    "EVALUATORS",
    "FAIL",
    "OK",
    "RULES",
    "RULE_PROGRAMME",
    "UNKNOWN",
    "CertificateFact",
    "Check",
    "ChildFact",
    "Outcome",
    "PersonFacts",
    "Programme",
    "Result",
    "SpouseFact",
    "evaluate",
    "evaluate_only_child",
    "evaluate_reward",
    "evaluate_special",
    "months_under_age",
    "paying_place",
    "periods",
    "precise_division",
    "rule_key",
    "split",
    "year_end",
]
