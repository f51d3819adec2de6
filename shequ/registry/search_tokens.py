"""Searches by a whole identity number without the number in a URL.

The person list's search form posts its terms; a whole identity number is kept here, on
the server (the shared cache), under a short random token, and the list's URL carries
``?sid=<token>`` instead — so the number is in no address bar, bookmark, Referer header or
request log. A token answers only the user it was made for and lapses after
``PERSON_SEARCH_TOKEN_SECONDS`` without use; an export job made from the list keeps the
token, never the number. The cache (a database table in production) holds the term
encrypted like the stored numbers (``core.crypto``)."""

import re
import secrets

from django.conf import settings
from django.core.cache import cache

from shequ.core.crypto import DecryptionError, decrypt_text, encrypt_text

_PREFIX = "registry:person-search:"
# What ``secrets.token_urlsafe`` writes: anything else in ``?sid=`` is no token of ours
# (and must not reach a cache key: memcached refuses control characters and spaces).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def person_search_token(user, term: str) -> str:
    """A new token standing for ``term`` (a whole identity number) for this user."""
    token = secrets.token_urlsafe(12)
    cache.set(_PREFIX + token, (user.pk, encrypt_text(term)), settings.PERSON_SEARCH_TOKEN_SECONDS)
    return token


def person_search_term(user, token: str) -> str | None:
    """The term a token stands for, if it is this user's and still alive (its life is
    renewed by each use); None otherwise."""
    if not token or not _TOKEN.fullmatch(token) or user is None:
        return None
    key = _PREFIX + token
    stored = cache.get(key)
    if not stored or stored[0] != getattr(user, "pk", None):
        return None
    try:
        term = decrypt_text(stored[1])
    except DecryptionError:  # made under a key since rotated away
        return None
    cache.touch(key, settings.PERSON_SEARCH_TOKEN_SECONDS)
    return term
