"""Load benchmark runner: the demo city on PostgreSQL, gunicorn as in production, locust.

    .venv/bin/python bench/load.py                              # make load: 100, then 200 users
    .venv/bin/python bench/load.py --users 20 --time 30         # a short validation run
    .venv/bin/python bench/load.py --persons 1000000            # the city grown to 1,000,000

1. creates the database if it is missing (``LOCALE 'C.UTF-8' TEMPLATE template0``), migrates,
   loads the demo city (``shequ demo --if-empty``, the only step with DEBUG=1) and, with
   ``--persons N``, imports persons through ``bench/registry.py``'s generator and the import's
   own function until the city holds N;
2. starts gunicorn on the loopback (``--workers``, DEBUG=0, OTP_REQUIRED=0, a bench key);
3. for each user count runs locust headless (``bench/locustfile.py``): ``--ramp`` seconds to
   start the users, ``--settle`` seconds after the last login, then ``--time`` s measured;
4. stops what it started and prints one table: per user count, each kind's requests/s,
   failures and p50/p95/p99 (ms), and all requests together. Locust's CSV files are written
   to bench/results/ (git-ignored).
"""

import argparse
import csv
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from benchenv import BENCH_DATA_KEY

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/shequ_load"
# A bench-only key (DEBUG=0 refuses to start without a real one); never a production secret.
BENCH_SECRET = "load-bench-only-secret-7d2e9b41c6a05f38"
sys.path.insert(0, str(ROOT.parent))  # this checkout's shequ, not an installed one


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument(
        "--users", default="100,200", help="user counts, one run each (default 100,200)"
    )
    parser.add_argument("--ramp", type=int, default=15, help="seconds to start the users")
    parser.add_argument("--settle", type=int, default=10, help="seconds after the logins")
    parser.add_argument("--time", type=int, default=60, help="seconds measured per user count")
    parser.add_argument("--persons", type=int, default=0, help="grow the city to N persons")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--import-persons", type=int, help=argparse.SUPPRESS)  # internal step
    args = parser.parse_args()
    if not urlsplit(args.database_url).scheme.startswith("postgres"):
        parser.error("the load benchmark runs on PostgreSQL: give a postgres:// DATABASE_URL")
    users = [int(u) for u in args.users.split(",")]
    if not all(0 < u <= 1000 for u in users) or not 0 < args.time <= 1800 or args.ramp < 1:
        parser.error("users 1-1000 a run, --time 1-1800 s, --ramp at least 1 s")
    args.users = users
    return args


def environment(database_url: str, debug: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="shequ.settings",
        DEBUG="1" if debug else "0",
        OTP_REQUIRED="0",
        SECRET_KEY=BENCH_SECRET,
        SHEQU_DATA_KEY=BENCH_DATA_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        PYTHONPATH=str(ROOT.parent),
    )
    return env


def shequ(args: list[str], env: dict[str, str]) -> None:
    # Their output goes to stderr: stdout is the results table alone.
    subprocess.run(
        [sys.executable, "-m", "shequ.cli", *args],
        env=env,
        check=True,
        cwd=ROOT.parent,
        stdout=sys.stderr,
    )


def create_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            log(f"creating database {name} …")
            connection.execute(f"CREATE DATABASE \"{name}\" LOCALE 'C.UTF-8' TEMPLATE template0")


def prepare(args: argparse.Namespace) -> None:
    create_database(args.database_url)
    log("migrating, loading the demo city …")
    shequ(["migrate", "--noinput", "-v", "0"], environment(args.database_url, debug=False))
    shequ(["demo", "--if-empty"], environment(args.database_url, debug=True))
    if args.persons:
        subprocess.run(
            [sys.executable, __file__, "--import-persons", str(args.persons)],
            env=environment(args.database_url, debug=False),
            check=True,
        )


def import_persons(target: int) -> None:
    """Grow the city to ``target`` persons through the import (bench/registry.py's rows)."""
    import tempfile

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import registry as bench  # bench/registry.py
    from django.utils import timezone

    from shequ.org.models import OrgUnit
    from shequ.registry.models import Person

    missing = target - Person.objects.count()
    if missing <= 0:
        log(f"the city already holds {target:,} persons or more")
        return
    communities = list(OrgUnit.objects.filter(kind__in=["community", "village"]).order_by("code"))
    grids_of: dict = {}
    for grid in OrgUnit.objects.filter(kind="grid").order_by("code"):
        grids_of.setdefault(grid.parent_id, []).append(grid)
    rows = bench.CityRows(seed=2, today=timezone.localdate())
    rows.ids.used.update(Person.objects.values_list("id_number", flat=True))
    with tempfile.TemporaryDirectory(prefix="shequ-load-") as folder:
        buildings, files, _count = bench.write_city(
            rows, Path(folder), missing, 50_000, communities, grids_of, seed=2, prefix="压测"
        )
        bench.import_file("buildings", buildings)
        for path in files:
            count, seconds = bench.import_file("persons", path)
            log(f"  imported {count:,} persons in {seconds:.0f} s")
    log(f"the city holds {Person.objects.count():,} persons")


def wait_for(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped: see bench/results/gunicorn.log")
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer on port {port}")


def run_locust(args: argparse.Namespace, users: int, host: str) -> Path:
    prefix = RESULTS / f"load-{users}"
    env = environment(args.database_url, debug=False)
    env["BENCH_SETTLE"] = str(args.settle)
    env["BENCH_MEASURE"] = str(args.time)
    from shequ.core.demo import DEMO_PASSWORD

    env["BENCH_PASSWORD"] = DEMO_PASSWORD
    command = [
        *(sys.executable, "-m", "locust", "-f", str(ROOT / "locustfile.py")),
        *("--headless", "--host", host, "--users", str(users)),
        *("--spawn-rate", f"{users / args.ramp:.2f}"),
        # The locustfile stops after its measured time; this only bounds a run that hangs.
        *("--run-time", f"{args.ramp + args.settle + args.time + 120}s"),
        *("--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"),
        *("--stop-timeout", "5", "--exit-code-on-error", "0"),
    ]
    log(f"locust: {users} users, {args.ramp} s ramp, {args.settle} s settle, {args.time} s …")
    with Path(f"{prefix}.log").open("w") as output:  # locust's own summary, for the curious
        subprocess.run(command, env=env, check=True, cwd=ROOT.parent, stdout=output, stderr=output)
    stats = Path(f"{prefix}_stats.csv")
    if not any(
        row["Name"] == "Aggregated" and row["Request Count"] != "0" for row in read_stats(stats)
    ):
        raise SystemExit(f"locust made no request: see {prefix}.log")
    return stats


def read_stats(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def table(results: list[tuple[int, list[dict[str, str]]]]) -> str:
    lines = [
        "| users | kind | requests/s | requests | failures | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for users, rows in results:
        rows = sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"]))
        for row in rows:
            if row["Request Count"] == "0":
                continue
            kind = "**all**" if row["Name"] == "Aggregated" else row["Name"]
            lines.append(
                f"| {users} | {kind} | {float(row['Requests/s']):.1f} | {row['Request Count']} "
                f"| {row['Failure Count']} | {row['50%']} | {row['95%']} | {row['99%']} |"
            )
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    if args.import_persons is not None:
        import_persons(args.import_persons)
        return
    RESULTS.mkdir(exist_ok=True)
    prepare(args)
    host = f"http://127.0.0.1:{args.port}"
    with (RESULTS / "gunicorn.log").open("w") as server_log:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "shequ.wsgi"),
                *("--workers", str(args.workers), "--bind", f"127.0.0.1:{args.port}"),
                *("--timeout", "60", "--log-level", "warning"),
            ],
            env=environment(args.database_url, debug=False),
            cwd=ROOT.parent,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(args.port, server)
            results = []
            for users in args.users:
                before = os.getloadavg()[0]
                stats = read_stats(run_locust(args, users, host))
                results.append((users, stats, (before, os.getloadavg()[0])))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    print(f"\nLoad benchmark: {args.workers} gunicorn workers, {args.time} s measured per run")
    for users, _stats, (before, after) in results:
        print(f"  {users} users: the machine's load average {before:.1f} before, {after:.1f} after")
    print()
    print(table([(users, stats) for users, stats, _load in results]))


if __name__ == "__main__":
    main()
