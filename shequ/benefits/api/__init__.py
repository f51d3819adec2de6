"""The benefits' REST API: ``benefit-programmes`` (the programmes and the rules in force at
the caller's place), ``benefits`` (the year lists: compute, check, confirm, publish, add a
person, the bank's file and its results, live eligibility), ``benefit-rows`` (with the
reason for every condition; check, correct), ``benefit-payments`` (the bank's answer) and
``benefit-confirmations`` (declarations the registry cannot know). Thin: each calls the
service or selector the pages call."""

from shequ.benefits.api.viewsets import register_api

__all__ = ["register_api"]
