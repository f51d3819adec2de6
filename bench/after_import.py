"""Lists right after a big import: as fast before anyone runs ANALYZE as after it?

    .venv/bin/python bench/after_import.py [--persons 200000] [--runs 15] [--modes job,none]

PostgreSQL. On a copy of a database that holds the demo city (``--template``, default
``shequ_load_demo``, made once with ``shequ migrate`` + ``shequ demo``; created if missing),
for each ``--modes`` entry: imports ``--persons`` persons in files of 50,000 through the
import's own function (bench/registry.py's rows), timing each file, then times the lists
(bench/lists.py's cases for persons, as the 丽景社区 worker, 示范街道 and 相山区) before any
manual ANALYZE, runs ``ANALYZE``, and times them again; it compares the shapes of the plans
(EXPLAIN: node types, tables, indexes) of every query of each list before and after, which
says more than the times on a shared machine. Modes:

- ``job``: the import as it is (its own statistics refresh, ``shequ.jobs.statistics``);
- ``none``: that refresh switched off, for the import's speed without it and the lists'
  without it.

Prints per mode the import's rows/s (and the seconds the job's refresh took) and, per list,
p50/p95 ms before and after the manual ANALYZE and their ratio (aim: within 20 %).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchenv import BENCH_DATA_KEY

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

SERVER = "postgres://postgres@127.0.0.1:5432"
CASES = ["page persons", "api persons", "page persons search pinyin", "api persons inflow"]
USERS = ["community", "street", "district"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--template", default="shequ_load_demo")
    parser.add_argument("--copy", default="shequ_load_import", help="the scratch copy's name")
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--modes", default="job,none")
    parser.add_argument("--mode", help=argparse.SUPPRESS)  # internal: one mode, in a child
    return parser.parse_args()


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as db:
        db.execute(sql)


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as db:
        return bool(db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def environment(name: str, debug: bool = False) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{SERVER}/{name}",
        DJANGO_SETTINGS_MODULE="shequ.settings",
        DEBUG="1" if debug else "0",
        OTP_REQUIRED="0",
        SECRET_KEY="after-import-bench-only-key-3f1a9c0e7d2b5486",
        SHEQU_DATA_KEY=BENCH_DATA_KEY,
        ALLOWED_HOSTS="testserver",
        PYTHONPATH=str(ROOT.parent),
    )
    return env


def make_template(name: str) -> None:
    log(f"creating {name}: migrate, demo city …")
    admin(f"CREATE DATABASE \"{name}\" LOCALE 'C.UTF-8' TEMPLATE template0")
    for command, debug in ((["migrate", "--noinput", "-v", "0"], False), (["demo"], True)):
        subprocess.run(
            [sys.executable, "-m", "shequ.cli", *command],
            env=environment(name, debug),
            check=True,
            cwd=ROOT.parent,
            stdout=sys.stderr,
        )
    import psycopg

    with psycopg.connect(f"{SERVER}/{name}", autocommit=True) as db:
        db.execute("VACUUM ANALYZE")


def plan_shape(node: dict) -> str:
    """A plan's node types, relations and indexes, depth first: two plans of the same shape
    read the same rows the same way (their costs aside)."""
    here = "/".join(
        str(node[key]) for key in ("Node Type", "Relation Name", "Index Name") if key in node
    )
    children = ",".join(plan_shape(child) for child in node.get("Plans", []))
    return f"{here}({children})" if children else here


def time_lists(runs: int) -> dict[tuple[str, str], list]:
    """p50/p95 ms of each (user, case), with bench/lists.py's cases and clients, the median
    SQL ms, and the shapes of the plans of its queries (one more request, EXPLAIN)."""
    import random

    import lists
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shequ.org.auth import api_token_issue
    from shequ.org.models import User

    rng = random.Random(1)
    out: dict[tuple[str, str], list[float]] = {}
    for username in USERS:
        user = User.objects.get(username=username)
        drawn = lists.terms(user, runs + 2, rng)
        clients = {"api": Client(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")}
        clients["page"] = Client()
        clients["page"].force_login(user)
        for case, kind, path, query in lists.CASES:
            if case not in CASES:
                continue
            samples, sqls = [], []
            for run in range(runs + 2):
                values = {key: drawn[key][run % len(drawn[key])] for key in drawn}
                url = f"{path}?{query.format(**values)}" if query else path
                sql = lists.SqlClock()
                with connection.execute_wrapper(sql):
                    begun = time.perf_counter()
                    response = clients[kind].get(url)
                    elapsed = (time.perf_counter() - begun) * 1000
                assert response.status_code == 200, (url, response.status_code)
                if run >= 2:
                    samples.append(elapsed)
                    sqls.append(sql.ms)
            with CaptureQueriesContext(connection) as captured:
                clients[kind].get(url)
            shapes = []
            with connection.cursor() as cursor:
                for captured_query in captured.captured_queries:
                    if captured_query["sql"].lstrip().upper().startswith("SELECT"):
                        cursor.execute("EXPLAIN (FORMAT JSON) " + captured_query["sql"])
                        shapes.append(plan_shape(cursor.fetchone()[0][0]["Plan"]))
            samples.sort()
            out[(username, case)] = [
                statistics.median(samples),
                samples[round(0.95 * (runs - 1))],
                statistics.median(sqls),
                shapes,
            ]
    return out


def run_mode(mode: str, persons: int, runs: int) -> None:
    """In a child process on the copy: import, lists, ANALYZE, lists; prints the table."""
    import tempfile

    import django

    django.setup()
    import registry as bench  # bench/registry.py
    from django.db import connection
    from django.utils import timezone

    from shequ.jobs import imports
    from shequ.jobs import statistics as job_statistics
    from shequ.org.models import OrgUnit
    from shequ.registry.models import Person

    refresh_seconds: list[float] = []
    refresh = job_statistics.refresh_statistics

    def timed_refresh(changed: dict[str, int]) -> list[str]:
        begun = time.perf_counter()
        tables = refresh(changed)
        refresh_seconds.append(time.perf_counter() - begun)
        return tables

    imports.refresh_statistics = timed_refresh if mode == "job" else (lambda changed: [])
    communities = list(OrgUnit.objects.filter(kind__in=["community", "village"]).order_by("code"))
    grids_of: dict = {}
    for grid in OrgUnit.objects.filter(kind="grid").order_by("code"):
        grids_of.setdefault(grid.parent_id, []).append(grid)
    rows = bench.CityRows(seed=3, today=timezone.localdate())
    rows.ids.used.update(Person.objects.values_list("id_number", flat=True))
    seconds = []
    with tempfile.TemporaryDirectory(prefix="shequ-after-import-") as folder:
        buildings, files, _n = bench.write_city(
            rows, Path(folder), persons, 50_000, communities, grids_of, seed=3, prefix="导入"
        )
        bench.import_file("buildings", buildings)
        for path in files:
            count, took = bench.import_file("persons", path)
            seconds.append(took)
            log(f"  {mode}: {count:,} persons in {took:.1f} s")
    load = os.getloadavg()[0]
    before = time_lists(runs)
    with connection.cursor() as cursor:
        begun = time.perf_counter()
        cursor.execute("ANALYZE")
        analyse = time.perf_counter() - begun
    after = time_lists(runs)
    rate = persons / sum(seconds)
    print(
        f"\n### mode {mode}: import {rate:,.0f} rows/s ({sum(seconds):.1f} s for {persons:,};"
        f" the job's refresh {sum(refresh_seconds):.2f} s in all, per file"
        f" {', '.join(f'{s:.2f}' for s in refresh_seconds) or '-'}); manual ANALYZE"
        f" {analyse:.1f} s; load average {load:.1f}\n"
    )
    print(
        "| user | case | before ANALYZE p50 / p95 ms (SQL) | after | p50 ratio | SQL ratio "
        "| same plans |"
    )
    print("|---|---|---|---|---|---|---|")
    same = 0
    for key, (p50, p95, sql, shapes) in before.items():
        a50, a95, asql, ashapes = after[key]
        same += shapes == ashapes
        print(
            f"| {key[0]} | {key[1]} | {p50:.1f} / {p95:.1f} ({sql:.1f}) | {a50:.1f} / {a95:.1f}"
            f" ({asql:.1f}) | {p50 / a50:.2f} | {sql / asql:.2f} "
            f"| {'yes' if shapes == ashapes else 'no'} |"
        )
    print(f"\nthe same plans before and after the manual ANALYZE: {same} of {len(before)} lists")
    sys.stdout.flush()


def main() -> None:
    args = parse_args()
    if args.mode:
        run_mode(args.mode, args.persons, args.runs)
        return
    if not database_exists(args.template):
        make_template(args.template)
    for mode in args.modes.split(","):
        admin(f'DROP DATABASE IF EXISTS "{args.copy}"')
        admin(f'CREATE DATABASE "{args.copy}" TEMPLATE "{args.template}"')
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--mode",
                mode,
                "--persons",
                str(args.persons),
                "--runs",
                str(args.runs),
            ],
            env=environment(args.copy),
            check=True,
        )
    admin(f'DROP DATABASE IF EXISTS "{args.copy}"')


if __name__ == "__main__":
    main()
