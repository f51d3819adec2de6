"""Lifting the audit tables' append-only triggers inside a test, as someone with direct
database access would: to back-date fixture rows, or to tamper with the chain."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from shequ.org import audit_chain


@contextmanager
def triggers_lifted() -> Iterator[None]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = origin")
    else:
        audit_chain.remove_triggers(connection)
        try:
            yield
        finally:
            audit_chain.install_triggers(connection)
