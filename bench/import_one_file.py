"""One import file, timed the same way again and again: for comparing two versions of the
import code (PostgreSQL only).

A whole ``bench/registry.py`` run takes minutes and its files vary by a tenth from one run
to the next; a change worth a few per cent shows only when the same file is imported into
the same city several times, old and new code alternating. Two steps:

```
# once: a city of 950,000 in database t950 (the files kept in /var/tmp/shequ-files)
.venv/bin/python bench/import_one_file.py city --database-url postgres://…/t950 \\
    --files /var/tmp/shequ-files --persons 1000000 --import 19
# then, from each checkout in turn: copy t950, import the 20th file, drop the copy
.venv/bin/python bench/import_one_file.py run --database-url postgres://…/t950 \\
    --file /var/tmp/shequ-files/persons-020.csv --runs 3
```

``run`` copies the city (``CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY``, which starts
with a checkpoint), reads its registry and org tables and indexes into the server's buffers
(``pg_prewarm``), imports the file through ``shequ import``'s function and prints a JSON line
per run: rows/s, the Python process's CPU seconds and those of the validating thread alone,
the CPU seconds of the database's backends (from ``/proc/<pid>/stat``, sampled every 10 ms
by a process of its own: the server must run on this machine), and their sum per 1,000 rows,
the figure to compare on a shared machine (wall times there follow the other sessions). Right after the checkpoint every page the import changes is
written whole to the WAL once: with ``wal_compression = on`` (pglz) that dominates; use
``lz4`` (``docs/operations.md``).

Timed, the same code's validating CPU for the same file moves by a third with the virtual
machine's speed, so a change worth a few per cent needs many pairs. ``cpu`` counts instead:
it validates and readies the file's rows (the validating thread's work, nothing written)
``--runs`` times; under ``valgrind --tool=cachegrind --cache-sim=no`` the instructions of
``--runs 2`` minus those of ``--runs 0`` (start-up), halved and divided by the rows, are
the instructions a row costs — the same to about 0.5% from one run to the next (the
reading thread's share moves with its timing):

```
valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    .venv/bin/python bench/import_one_file.py cpu --database-url postgres://…/t950 \
    --file /var/tmp/shequ-files/persons-020.csv --rows 10000 --runs 2
```
"""

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import registry as bench


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    city = steps.add_parser("city", help="build the city to copy, keeping its import files")
    city.add_argument("--database-url", required=True, help="an empty PostgreSQL database")
    city.add_argument("--files", type=Path, required=True, help="folder for the CSV files")
    city.add_argument("--persons", type=int, default=1_000_000)
    city.add_argument("--import", dest="imported", type=int, default=19, help="files to load")
    city.add_argument("--seed", type=int, default=1)
    run = steps.add_parser("run", help="import one file into fresh copies of the city")
    run.add_argument("--database-url", required=True, help="the city built by 'city'")
    run.add_argument("--file", type=Path, required=True)
    run.add_argument("--runs", type=int, default=1)
    watch = steps.add_parser("watch", help="(used by run) the CPU of a database's backends")
    watch.add_argument("--database", required=True)
    cpu = steps.add_parser("cpu", help="validate and ready a file's rows, writing nothing")
    cpu.add_argument("--database-url", required=True, help="the city built by 'city'")
    cpu.add_argument("--file", type=Path, required=True)
    cpu.add_argument("--rows", type=int, default=0, help="only the first ROWS rows (0: all)")
    cpu.add_argument("--runs", type=int, default=1, help="0: start-up only")
    return parser.parse_args()


def build_city(args: argparse.Namespace) -> None:
    bench.setup_django(args.database_url)
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    shared = bench.build_tree(args.seed)
    grids_of: dict[int, list] = {}
    for grid in shared["grids"]:
        grids_of.setdefault(grid.parent_id, []).append(grid)
    args.files.mkdir(parents=True, exist_ok=True)
    rows = bench.CityRows(args.seed, timezone.localdate())
    buildings, persons, _count = bench.write_city(
        rows, args.files, args.persons, 50_000, shared["communities"], grids_of, args.seed
    )
    bench.import_file("buildings", buildings)
    for path in persons[: args.imported]:
        count, seconds = bench.import_file("persons", path)
        bench.log(f"{path.name}: {count:,} rows in {seconds:.1f} s")


def run_file(args: argparse.Namespace) -> None:
    bench.setup_django(args.database_url)
    from django.db import connection, connections

    city = connection.settings_dict["NAME"]
    copy = f"{city}_run"
    for _ in range(args.runs):
        connections.close_all()
        _admin(city, f'DROP DATABASE IF EXISTS "{copy}"')
        _admin(city, f'CREATE DATABASE "{copy}" TEMPLATE "{city}" STRATEGY FILE_COPY')
        for alias in connections:
            connections[alias].settings_dict["NAME"] = copy
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            cursor.execute(
                "SELECT sum(pg_prewarm(c.oid::regclass)) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')"
                " AND c.relname ~ '^(registry|org)_'"
            )
        connections.close_all()  # the prewarming backend is not the import's
        watcher = _start_watcher(copy)
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_SELF), _thread_cpu()
        count, seconds = bench.import_file("persons", args.file)
        after = resource.getrusage(resource.RUSAGE_SELF), _thread_cpu()
        server = _stop_watcher(watcher)
        cpu = after[0].ru_utime + after[0].ru_stime - before[0].ru_utime - before[0].ru_stime
        print(
            json.dumps(
                {
                    "file": args.file.name,
                    "rows": count,
                    "seconds": round(seconds, 2),
                    "rows_per_s": round(count / seconds),
                    "python_cpu_s": round(cpu, 2),
                    # the validating thread alone: the import's critical path
                    "python_main_cpu_s": round(after[1] - before[1], 2),
                    # the PostgreSQL backends of the import (reading, validating, writing)
                    "postgres_cpu_s": server["backends"],
                    "postgres_by_backend_s": server["by_backend"],
                    # checkpointer, background writer, WAL writer: shared with every database
                    "postgres_background_cpu_s": server["background"],
                    "cpu_ms_per_1000_rows": round(1000 * (cpu + server["backends"]) / count * 1000),
                    "load": [round(load, 2), round(os.getloadavg()[0], 2)],
                    "python_probe_s": bench.python_probe(),
                }
            ),
            flush=True,
        )
        connections.close_all()
        for alias in connections:
            connections[alias].settings_dict["NAME"] = city
    _admin(city, f'DROP DATABASE IF EXISTS "{copy}"')


def cpu_file(args: argparse.Namespace) -> None:
    """The validating thread's work on a file — reading, validating, readying the rows for
    COPY — without a writer: a dry run's validation, then the importer's ``prepare``. The
    keys ``prepare`` takes from the sequences are lost (as a rolled-back import's are)."""
    bench.setup_django(args.database_url)
    from django.utils import timezone

    from shequ.jobs import imports, pipeline

    content = args.file.read_bytes()
    if args.rows:
        content = b"".join(content.splitlines(keepends=True)[: args.rows + 1])
    for _ in range(args.runs):
        job = imports.import_job_create(
            actor=None,
            kind="persons",
            filename=args.file.name,
            content=b"",
            keep_content=False,
            dry_run=True,
        )
        now = timezone.now()
        ctx = imports.ImportContext(
            job=job,
            actor=None,
            scope=imports._scope_for(job),
            today=timezone.localdate(now),
            now=now,
        )
        importer = imports.importer_for("persons")(ctx)
        with pipeline.fewer_collections():  # as an import runs
            started = _thread_cpu()
            bad_rows, seen_rows = imports._validate(job, importer, io.BytesIO(content))
            validated = _thread_cpu()
            importer.prepare(importer.take_plans())
            readied = _thread_cpu()
        if bad_rows:
            raise SystemExit(f"{len(bad_rows)} rows with problems: {job.report['errors'][:5]}")
        print(
            json.dumps(
                {
                    "file": args.file.name,
                    "rows": len(seen_rows),
                    "validating_cpu_s": round(validated - started, 3),
                    "readying_cpu_s": round(readied - validated, 3),
                }
            ),
            flush=True,
        )


def _start_watcher(database: str) -> subprocess.Popen:
    watcher = subprocess.Popen(
        [sys.executable, __file__, "watch", "--database", database],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert watcher.stdout is not None
    watcher.stdout.readline()  # started: its first sample taken
    return watcher


def _stop_watcher(watcher: subprocess.Popen) -> dict:
    out, _err = watcher.communicate("stop\n")
    return json.loads(out)


def watch_backends(args: argparse.Namespace) -> None:
    """CPU seconds of the PostgreSQL backends connected to ``--database`` while it runs, from
    ``/proc/<pid>/stat`` every 10 ms (a backend's last sample counts once it has exited: its
    final ≤10 ms are lost), and of the server's background processes; runs as a process of
    its own so that its polling is not counted as the import's Python. Stops at a line on
    standard input and prints one JSON object."""
    import select
    import threading

    tick = os.sysconf("SC_CLK_TCK")
    postmaster = _postmaster()
    marker = f" {args.database} "
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    kind: dict[int, str] = {}  # pid -> "backend", "background" or "" (not ours)

    def cpu(pid: int) -> float | None:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / tick  # utime, stime

    def sample() -> None:
        try:
            with open(f"/proc/{postmaster}/task/{postmaster}/children") as handle:
                children = [int(p) for p in handle.read().split()]
        except OSError:
            return
        for pid in children:
            if pid not in kind or kind[pid] == "?":
                try:
                    with open(f"/proc/{pid}/cmdline") as handle:
                        title = handle.read().replace("\0", " ")
                except OSError:
                    continue
                if marker in title:
                    kind[pid] = "backend"
                elif any(
                    name in title for name in ("checkpointer", "background writer", "walwriter")
                ):
                    kind[pid] = "background"
                elif ": " in title and "(" in title:
                    kind[pid] = ""  # another database's backend
                else:
                    kind[pid] = "?"  # not yet named
                    continue
            if kind[pid]:
                value = cpu(pid)
                if value is not None:
                    # A backend first seen after the start began at zero.
                    first.setdefault(pid, value if started is None else 0.0)
                    last[pid] = value

    started = None
    sample()
    started = time.monotonic()
    print("ready", flush=True)
    stop = threading.Event()
    while not stop.is_set():
        sample()
        if select.select([sys.stdin], [], [], 0.01)[0]:
            sys.stdin.readline()
            stop.set()
    sample()
    spent = {pid: last[pid] - first[pid] for pid in last}
    print(
        json.dumps(
            {
                "backends": round(sum(v for p, v in spent.items() if kind[p] == "backend"), 2),
                "by_backend": sorted(
                    (round(v, 2) for p, v in spent.items() if kind[p] == "backend"), reverse=True
                ),
                "background": round(sum(v for p, v in spent.items() if kind[p] == "background"), 2),
            }
        ),
        flush=True,
    )


def _postmaster() -> int:
    """The server's main process: the parent of any process named ``postgres: …``."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline") as handle:
                title = handle.read()
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if title.startswith("postgres: ") and "checkpointer" in title:
            return parent
    raise SystemExit("no PostgreSQL server found on this machine")


def _thread_cpu() -> float:
    usage = resource.getrusage(bench.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


def _admin(city: str, sql: str) -> None:
    """A statement that may not run inside a transaction or connected to its target."""
    from django.db import connection

    connection.settings_dict["NAME"] = "postgres"
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()
        connection.settings_dict["NAME"] = city


def main() -> None:
    args = parse_args()
    if args.step == "city":
        build_city(args)
    elif args.step == "watch":
        watch_backends(args)
    elif args.step == "cpu":
        cpu_file(args)
    else:
        run_file(args)


if __name__ == "__main__":
    sys.exit(main())
