"""The test database: migrated once into a template, then copied for each pytest-xdist worker.

Migrating from nothing costs about 15 s of CPU a database (the migrations' model states are
rendered again and again, in Python), and each worker used to pay it for its own database.
Now the first worker migrates a template and every worker copies it: SQLite's backup API
into the worker's in-memory database, PostgreSQL's ``CREATE DATABASE … TEMPLATE``. The
workers take turns under a file lock, so the second waits for the first's template instead
of migrating beside it.

The template is kept for the next run and named by a hash of everything that can change
what ``migrate`` builds: the installed distributions' versions (Django's and the other apps'
migrations), the test settings and every source and data file of the project (migrations
import the project's defaults and loaders, so any change to it makes a new template).
SQLite's is a file in pytest's cache directory; PostgreSQL's a database ``test_<name>_tpl_
<hash>`` beside the test databases, the older ones of the same name dropped when a new one
is made. ``--reuse-db`` and ``--no-migrations`` keep pytest-django's own way.
"""

import contextlib
import fcntl
import hashlib
import importlib.metadata
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError

PROJECT = Path(__file__).resolve().parent.parent / "shequ"
# What ``migrate`` reads, directly or through the modules the migrations import.
SOURCES = ("**/*.py", "**/data/*", "**/fixtures/*")


def template_key(vendor: str) -> str:
    digest = hashlib.sha256(vendor.encode())
    # Every installed distribution's version: Django's and the other apps' migrations.
    versions = sorted(
        f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions()
    )
    digest.update(" ".join(versions).encode())
    files = sorted({path for pattern in SOURCES for path in PROJECT.glob(pattern)})
    files.append(Path(__file__).with_name("settings.py"))
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(PROJECT.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@contextmanager
def _locked(lock_dir: Path, name: str) -> Iterator[None]:
    """One worker at a time: the one that finds no template builds it, the others wait."""
    with (lock_dir / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def install(connection, cache_dir: Path | None) -> None:
    """Make ``connection.creation.create_test_db`` copy the template (building it first when
    there is none) instead of migrating."""
    stock = connection.creation.create_test_db
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        return
    lock_dir = cache_dir or Path(tempfile.gettempdir())
    lock_dir.mkdir(parents=True, exist_ok=True)

    def create_test_db(verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        if keepdb:
            return stock(verbosity, autoclobber, serialize, keepdb)
        key = template_key(vendor)
        if vendor == "sqlite":
            name = _from_sqlite_template(connection, stock, verbosity, lock_dir, key)
        else:
            name = _from_postgresql_template(connection, stock, verbosity, key)
        if serialize:
            connection._test_serialized_contents = connection.creation.serialize_db_to_string()
        return name

    connection.creation.create_test_db = create_test_db


def _use(connection, test_name: str) -> None:
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = test_name
    connection.settings_dict["NAME"] = test_name
    connection.ensure_connection()


def _from_sqlite_template(connection, stock, verbosity: int, lock_dir: Path, key: str) -> str:
    creation = connection.creation
    test_name = creation._get_test_db_name()
    if not creation.is_in_memory_db(test_name):  # a file of one's own (TEST NAME): as before
        return stock(verbosity, True, False, False)
    template = lock_dir / f"sqlite-{key}.sqlite3"
    with _locked(lock_dir, "sqlite"):
        if not template.exists():
            name = stock(verbosity, True, False, False)
            partial = template.with_suffix(".partial")
            with sqlite3.connect(partial) as target:
                connection.connection.backup(target)
            target.close()
            partial.replace(template)
            for old in lock_dir.glob("sqlite-*.sqlite3"):
                if old != template:
                    old.unlink(missing_ok=True)
            return name
        _use(connection, test_name)
        source = sqlite3.connect(template)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    return test_name


def _from_postgresql_template(connection, stock, verbosity: int, key: str) -> str:
    creation = connection.creation
    test_name = creation._get_test_db_name()
    base = (
        connection.settings_dict["TEST"].get("NAME") or f"test_{connection.settings_dict['NAME']}"
    )
    # The same template for every worker: the name without the worker's suffix (_gw0 …).
    stem, _, worker = base.rpartition("_gw")
    stem = stem if stem and worker.isdigit() else base
    prefix = f"{stem[:40]}_tpl_"
    template = prefix + key
    quote = connection.ops.quote_name
    # A lock of the machine (not of the checkout): every checkout testing on this server
    # under this name copies and replaces the same templates.
    host = f"{connection.settings_dict['HOST']}-{connection.settings_dict['PORT']}"
    with _locked(Path(tempfile.gettempdir()), f"shequ-{host}-{prefix}"):
        with creation._nodb_cursor() as cursor:
            cursor.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix]
            )
            existing = {row[0] for row in cursor.fetchall()}
        if template not in existing:
            test_settings, saved = (
                connection.settings_dict["TEST"],
                connection.settings_dict["NAME"],
            )
            saved_test_name = test_settings.get("NAME")
            test_settings["NAME"] = template
            try:
                stock(verbosity, True, False, False)
            finally:
                connection.close()
                test_settings["NAME"] = saved_test_name
                settings.DATABASES[connection.alias]["NAME"] = saved
                connection.settings_dict["NAME"] = saved
        with creation._nodb_cursor() as cursor:
            for old in sorted(existing - {template}):
                # One being copied by another run stays, for a later run to drop.
                with contextlib.suppress(DatabaseError):
                    cursor.execute(f"DROP DATABASE IF EXISTS {quote(old)}")
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(test_name)}")
            cursor.execute(f"CREATE DATABASE {quote(test_name)} TEMPLATE {quote(template)}")
    _use(connection, test_name)
    return test_name
