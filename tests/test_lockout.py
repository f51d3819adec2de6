"""Password spraying: many user names tried from one address lock the address.

django-axes locks a user name at one address after 5 failures; an address is also locked
after ``LOGIN_ADDRESS_FAILURE_LIMIT`` failures whatever the user names. The counts live in
the database cache, which every process shares.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
WRONG = "Wrong-pass-2026"
LIMIT = 10


@pytest.fixture
def shared_cache(settings, db):
    """The database cache of production (the suite's own cache is in memory)."""
    settings.CACHES = settings.PRODUCTION_CACHES
    call_command("createcachetable", verbosity=0)
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = LIMIT


def spray(client: Client, times: int, start: int = 0) -> list[int]:
    """One wrong password for each of ``times`` different user names."""
    return [
        client.post(LOGIN, {"username": f"user{i}", "password": WRONG}).status_code
        for i in range(start, start + times)
    ]


def test_spraying_user_names_locks_the_address(shared_cache, people):
    client = Client(REMOTE_ADDR="203.0.113.9")

    assert spray(client, LIMIT) == [200] * (LIMIT - 1) + [429]

    response = client.post(LOGIN, {"username": "worker_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.text
    assert "_auth_user_id" not in client.session


def test_failures_below_the_address_limit_lock_nothing(shared_cache, people):
    client = Client(REMOTE_ADDR="203.0.113.9")
    spray(client, LIMIT - 1)

    assert client.post(LOGIN, {"username": "worker_a", "password": PASSWORD}).status_code == 302


def test_a_locked_address_gets_no_api_token(shared_cache, people):
    spray(Client(REMOTE_ADDR="203.0.113.9"), LIMIT)

    response = APIClient(REMOTE_ADDR="203.0.113.9").post(
        "/api/v1/auth/token/", {"username": "worker_a", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 429


def test_other_addresses_still_log_in(shared_cache, people):
    spray(Client(REMOTE_ADDR="203.0.113.9"), LIMIT)

    client = Client(REMOTE_ADDR="198.51.100.7")
    assert client.post(LOGIN, {"username": "worker_a", "password": PASSWORD}).status_code == 302


def test_behind_a_proxy_the_address_is_the_client_not_the_proxy(shared_cache, people, settings):
    settings.TRUSTED_PROXIES = 1
    spray(Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"), LIMIT)

    colleague = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    forged = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    assert colleague.post(LOGIN, {"username": "worker_a", "password": PASSWORD}).status_code == 302
    assert forged.post(LOGIN, {"username": "worker_b", "password": PASSWORD}).status_code == 429


def test_failures_during_the_lock_extend_it(shared_cache, people):
    client = Client(REMOTE_ADDR="203.0.113.9")
    spray(client, LIMIT + 5)

    assert cache_counts() == [LIMIT + 5]


def test_the_count_is_kept_in_the_shared_database_cache(shared_cache, people):
    spray(Client(REMOTE_ADDR="203.0.113.9"), 3)

    assert cache_counts() == [3]


def test_the_address_limit_is_higher_than_a_user_names(settings):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT


def test_migrate_creates_the_cache_table(settings, db):
    settings.CACHES = settings.PRODUCTION_CACHES
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS shequ_cache")

    call_command("migrate", verbosity=0, interactive=False)

    assert "shequ_cache" in connection.introspection.table_names()


def cache_counts() -> list[int]:
    """The address counters as stored in the cache's table (read as another process would)."""
    from django.core.cache import cache

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM shequ_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert len(keys) == 1, keys
    return [cache.get("login-failures:address:203.0.113.9")]
