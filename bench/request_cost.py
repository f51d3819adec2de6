"""Per-request cost: the CPU time of one request inside the application, and where it goes.

    .venv/bin/python bench/request_cost.py [--database-url URL] [--user community] [--runs 40]

In-process (Django's test client, DEBUG=0, no network, no gunicorn) against a database that
holds the demo city (``make load`` or ``shequ demo`` loaded it): a 50-row person list through
the API with a token, a person through the API, and the same two pages with a session. For
each: the CPU milliseconds of a request (median of ``--runs``; the client's own work
included), then one cProfile run (CPU clock) grouped:

- authentication: DRF's ``Request._authenticate`` (the token's lookup, its SQL included);
- sensitive-read log: ``audit_sensitive_read`` (the rows saying who saw which unmasked data);
- middleware: Django's ``get_response`` less the view (``_get_response``);
- serialization: DRF serializers' ``data`` and the JSON renderer (API), template rendering
  (pages);
- SQL: the database driver's calls (execute and fetch, the client side) and, apart, the ORM
  building the SQL (``as_sql``) and making model instances (``from_db``).

The groups are cumulative and may overlap (the token lookup's SQL is in authentication and in
SQL); the profiled milliseconds are larger than the plain ones (the profiler's own cost), so
each group's share is also applied to the plain CPU time ("est. ms"). The top functions by own
time (Python functions) follow. It issues one API token and writes sensitive-read rows, like any client.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

from benchenv import BENCH_DATA_KEY

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GROUPS = {
    "authentication": [("rest_framework/request.py", "_authenticate")],
    "sensitive-read log": [("shequ/org/audit.py", "audit_sensitive_read")],
    "serialization (API)": [
        ("rest_framework/serializers.py", "data"),
        ("rest_framework/renderers.py", "render"),
    ],
    "templates (pages)": [("django/template/backends/django.py", "render")],
    "SQL: driver (execute, fetch)": [
        ("django/db/backends/utils.py", "execute"),
        ("psycopg/cursor.py", "fetchall"),
        ("psycopg/cursor.py", "fetchmany"),
        ("psycopg/cursor.py", "fetchone"),
    ],
    "SQL: ORM building queries": [("django/db/models/sql/compiler.py", "as_sql")],
    "SQL: ORM making objects": [("django/db/models/base.py", "from_db")],
}
HANDLER = ("django/core/handlers/base.py", "get_response")
VIEW = ("django/core/handlers/base.py", "_get_response")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: the DATABASE_URL environment variable")
    parser.add_argument("--user", default="community", help="a demo account (data duty)")
    parser.add_argument("--runs", type=int, default=40, help="timed requests a kind")
    parser.add_argument("--top", type=int, default=5, help="functions listed by own time")
    return parser.parse_args()


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequ.settings"
    os.environ["DEBUG"] = "0"
    os.environ["OTP_REQUIRED"] = "0"
    os.environ.setdefault("SECRET_KEY", "request-cost-bench-only-key-5b8e2d71c9f4a036")
    os.environ.setdefault("SHEQU_DATA_KEY", BENCH_DATA_KEY)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()


def cumulative(stats: dict, wanted: list[tuple[str, str]]) -> float:
    """Seconds in the named functions and below: the largest of functions with the same name
    in one file (BaseSerializer.data runs inside ListSerializer.data)."""
    total = 0.0
    for path, name in wanted:
        found = [
            ct
            for (filename, _line, function), (_cc, _nc, _tt, ct, _callers) in stats.items()
            if function == name and filename.endswith(path)
        ]
        total += max(found, default=0.0)
    return total


def measure(client, url: str, runs: int, top: int) -> list[str]:
    for _ in range(5):  # warm: caches, the first query plans, imports
        assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(runs):
        started = time.process_time()
        client.get(url)
        samples.append((time.process_time() - started) * 1000)
    plain = statistics.median(samples)
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(runs):
        client.get(url)
    profile.disable()
    stats = pstats.Stats(profile).stats
    profiled = sum(tt for (_cc, _nc, tt, _ct, _callers) in stats.values()) / runs * 1000

    def row(label: str, seconds: float) -> str:
        ms = seconds / runs * 1000
        return f"|  {label} | {ms:.1f} | {ms / profiled:.0%} | {plain * ms / profiled:.1f} |"

    handler = cumulative(stats, [HANDLER])
    view = cumulative(stats, [VIEW])
    lines = [
        f"| **{url}** CPU a request (median of {runs}) | | | **{plain:.1f}** |",
        f"|  profiled, all | {profiled:.1f} | 100% | {plain:.1f} |",
        row("test client (not in production)", max(0.0, profiled * runs / 1000 - handler)),
        row("middleware (handler less view)", handler - view),
        row("view, all", view),
    ]
    lines += [row(label, cumulative(stats, wanted)) for label, wanted in GROUPS.items()]
    # Python functions only: a builtin's own time (isinstance, dict.get) says nothing of where.
    python = [item for item in stats.items() if item[0][0] != "~"]
    ranked = sorted(python, key=lambda item: -item[1][2])[:top]
    for (filename, line, function), (_cc, _nc, tt, _ct, _callers) in ranked:
        short = "/".join(Path(filename).parts[-2:])
        lines.append(row(f"own time: `{short}:{line} {function}`", tt))
    return lines


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.test import Client

    from shequ.org.auth import api_token_issue
    from shequ.org.models import User
    from shequ.registry import selectors

    user = User.objects.get(username=args.user)
    person = selectors.persons_visible(user).order_by("name", "id").first()
    if person is None:
        raise SystemExit(f"{args.user} sees no persons: load the demo city first")
    api = Client(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
    pages = Client()
    pages.force_login(user)
    lines = [
        f"Per-request CPU, user {args.user}, {person.unit_id}'s first person",
        "",
        "| request / group | profiled ms | share | est. ms |",
        "|---|---|---|---|",
    ]
    for client, url in [
        (api, "/api/v1/persons/?page_size=50"),
        (api, f"/api/v1/persons/{person.uid}/"),
        (pages, "/registry/persons/"),
        (pages, f"/registry/persons/{person.uid}/"),
    ]:
        lines += measure(client, url, args.runs, args.top)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
