"""List timings: every person, household, building and flow list, pages and API, per role.

    .venv/bin/python bench/lists.py [--database-url URL] [--runs 20] [--users community,…]
    .venv/bin/python bench/lists.py --only "persons" --slow 100    # the slowest SQL of misses

In-process (Django's test client, DEBUG=0, no network, no gunicorn), against a database that
holds the demo city, grown or not (``bench/load.py --persons 1000000`` builds one): for each of
the demo's data accounts (丽景社区 and 文苑社区 workers, 示范街道, 相山区, 淮北市) each list
page and API list, plain, searched (a name's first two characters, pinyin initials, the first
ten characters of an identity number) and filtered (population type, sex and age band, a
flow's kind, a building's kind). The server's wall time of a request (the view, middleware,
templates or serializers and every SQL query, no network), warm (``--warm`` requests first),
then ``--runs`` timed: p50 and p95 ms, the median CPU ms of this process (the view's Python,
the test client's little) and of SQL (waiting for the database), and the queries a request
ran. On a shared machine read CPU and SQL beside the wall time: they move less with load. Search terms are
drawn from persons in the account's scope (``--seed``), a different one each run.

With ``--slow MS``: for each case whose p95 passed MS, the slowest SQL query of one more
request and its time, to be EXPLAIN ANALYZEd by hand. One JSON line per case with ``--json``.
It writes sensitive-read rows as any client does (the lists log what they show).
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from benchenv import BENCH_DATA_KEY

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

USERS = ["community", "community_b", "street", "district", "city"]
AIM_MS = 100


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: the DATABASE_URL environment variable")
    parser.add_argument("--users", default=",".join(USERS), help="demo accounts, comma-separated")
    parser.add_argument("--only", default="", help="cases whose name contains this")
    parser.add_argument("--runs", type=int, default=20, help="timed requests a case")
    parser.add_argument("--warm", type=int, default=2, help="untimed requests a case first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slow", type=float, help="show the slowest SQL of cases above MS")
    parser.add_argument("--json", action="store_true", help="one JSON line a case too")
    return parser.parse_args()


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequ.settings"
    os.environ["DEBUG"] = "0"
    os.environ["OTP_REQUIRED"] = "0"
    os.environ.setdefault("SECRET_KEY", "lists-bench-only-key-0c5d3e9a71b24f68")
    os.environ.setdefault("SHEQU_DATA_KEY", BENCH_DATA_KEY)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()


def terms(user, count: int, rng: random.Random) -> dict[str, list[str]]:
    """Search terms from persons the account can see: names' first two characters, their
    pinyin initials and the first ten characters of their identity numbers."""
    from shequ.registry import selectors

    visible = selectors.persons_visible(user).order_by()
    last = visible.order_by("-id").values_list("id", flat=True).first() or 0
    rows: list[tuple[str, str, str]] = []
    for _ in range(count * 4):
        if len(rows) >= count:
            break
        row = (
            visible.filter(id__gte=rng.randint(0, last))
            .order_by("id")
            .values_list("name", "name_initials", "id_number")
            .first()
        )
        if row and len(row[0]) >= 2 and len(row[1]) >= 2:
            rows.append(row)
    if not rows:
        raise SystemExit(f"{user.username} sees no persons: load the demo city first")
    return {
        "name": [name[:2] for name, _i, _n in rows],
        "pinyin": [initials[:2] for _name, initials, _n in rows],
        "id": [number[:10] for _name, _i, number in rows],
    }


# (case, client, path, query): {name}, {pinyin}, {id} take a term of the account's scope.
CASES = [
    ("page persons", "page", "/registry/persons/", ""),
    ("page persons page 3", "page", "/registry/persons/", "page=3"),
    ("page persons search name", "page", "/registry/persons/", "search={name}"),
    ("page persons search pinyin", "page", "/registry/persons/", "search={pinyin}"),
    ("page persons search id", "page", "/registry/persons/", "search={id}"),
    ("page persons inflow", "page", "/registry/persons/", "population_type=inflow"),
    ("page persons women 15-49", "page", "/registry/persons/", "sex=F&age=15-49"),
    ("api persons", "api", "/api/v1/persons/", ""),
    ("api persons page 3", "api", "/api/v1/persons/", "page=3"),
    ("api persons search name", "api", "/api/v1/persons/", "search={name}"),
    ("api persons search pinyin", "api", "/api/v1/persons/", "search={pinyin}"),
    ("api persons search id", "api", "/api/v1/persons/", "search={id}"),
    ("api persons inflow", "api", "/api/v1/persons/", "population_type=inflow"),
    ("api persons women 15-49", "api", "/api/v1/persons/", "sex=F&age=15-49"),
    ("page buildings", "page", "/housing/", ""),
    ("page buildings apartments", "page", "/housing/", "kind=apartment"),
    ("api buildings", "api", "/api/v1/buildings/", ""),
    ("page rented homes", "page", "/housing/rented/", ""),
    ("api households", "api", "/api/v1/households/", ""),
    ("page flows", "page", "/registry/flows/", ""),
    ("page flows arrivals", "page", "/registry/flows/", "kind=arrival"),
    ("api flows", "api", "/api/v1/flows/", ""),
    ("api flows arrivals", "api", "/api/v1/flows/", "kind=arrival"),
]


class SqlClock:
    """Counts a request's SQL queries and the milliseconds spent waiting for them."""

    def __init__(self) -> None:
        self.queries = 0
        self.ms = 0.0

    def __call__(self, execute, sql, params, many, context):
        begun = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ms += (time.perf_counter() - begun) * 1000
            self.queries += 1


def slowest_query(client, url: str) -> tuple[float, str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    return float(slowest["time"]) * 1000, slowest["sql"]


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.db import connection
    from django.test import Client

    from shequ.org.auth import api_token_issue
    from shequ.org.models import User
    from shequ.registry.models import Person

    rng = random.Random(args.seed)
    persons = Person.objects.count()
    load = os.getloadavg()
    print(
        f"Lists: {persons:,} person records, {connection.vendor}, {args.runs} runs a case, "
        f"load average {load[0]:.1f} at the start; server-side ms (p50 / p95), SQL queries"
    )
    print()
    print("| user | case | p50 ms | p95 ms | CPU ms | SQL ms | queries |")
    print("|---|---|---|---|---|---|---|")
    misses = []
    started = time.monotonic()
    for username in args.users.split(","):
        user = User.objects.get(username=username)
        drawn = terms(user, args.runs + args.warm, rng)
        clients = {
            "api": Client(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}"),
            "page": Client(),
        }
        clients["page"].force_login(user)
        for case, kind, path, query in CASES:
            if args.only not in case:
                continue
            client = clients[kind]
            samples, cpus, sqls, queries = [], [], [], 0
            for run in range(args.warm + args.runs):
                values = {key: drawn[key][run % len(drawn[key])] for key in drawn}
                url = f"{path}?{query.format(**values)}" if query else path
                sql = SqlClock()
                with connection.execute_wrapper(sql):
                    cpu = time.process_time()
                    begun = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - begun) * 1000
                    cpu = (time.process_time() - cpu) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{username} {url}: {response.status_code}")
                if run >= args.warm:
                    samples.append(elapsed)
                    cpus.append(cpu)
                    sqls.append(sql.ms)
                    queries = max(queries, sql.queries)
            samples.sort()
            p50 = statistics.median(samples)
            p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
            cpu, sql_ms = statistics.median(cpus), statistics.median(sqls)
            mark = "" if p95 < AIM_MS else " **"
            print(
                f"| {username} | {case} | {p50:.1f} | {p95:.1f}{mark} | {cpu:.1f} | {sql_ms:.1f} "
                f"| {queries} |",
                flush=True,
            )
            if args.json:
                record = {"user": username, "case": case, "p50": p50, "p95": p95, "cpu": cpu}
                print(json.dumps({**record, "sql": sql_ms, "queries": queries}), file=sys.stderr)
            if args.slow is not None and p95 > args.slow:
                misses.append((username, case, client, url))
    load = os.getloadavg()
    print()
    print(f"{time.monotonic() - started:.0f} s; load average {load[0]:.1f} at the end")
    for username, case, client, url in misses:
        ms, sql = slowest_query(client, url)
        print(f"\n{username} {case} {url}: slowest query {ms:.1f} ms\n{sql}")


if __name__ == "__main__":
    main()
