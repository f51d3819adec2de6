"""Health benchmark: a district's monthly target list and a worker's task list at N persons.

    .venv/bin/python bench/health.py --persons 1000000 --database-url postgres://…/shequ_x

Builds the demo city's tree, writes N persons straight into the table (``bulk_create``:
the shape the registry holds, not its import — bench/registry.py times that), a pregnancy
registration for one married woman in 30 and an open task for one in 5, then times:

- the target list of the biggest district for this month (COUNT and the first page of 50,
  ``health.selectors.target_list`` as the page runs it), and
- a grid worker's task list (``/api/v1/tasks/?mine=true`` and the community's
  ``?state=overdue``, through the test client), p50/p95 over many calls.

Prints ONE JSON line on stdout. Never run by ``make test``; refuses a non-empty database
unless ``--reset``.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from benchenv import BENCH_DATA_KEY

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--database-url")
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="time again on a loaded city")
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-7c1d9e3a5b2f4086")
    os.environ.setdefault("SHEQU_DATA_KEY", BENCH_DATA_KEY)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from shequ.core.demo import DemoContext
    from shequ.duework.models import Task
    from shequ.org import demo as org_demo
    from shequ.org.divisions import load_divisions
    from shequ.org.models import Division, OrgUnit, User
    from shequ.registry.models import Person, Pregnancy

    call_command("migrate", verbosity=0)
    if args.reuse:
        Task.objects.filter(assignee__username="bench_worker").update(assignee=None)
        User.objects.filter(username="bench_worker").update(username=f"bench_old_{time.time_ns()}")
        measure(args, 0.0)
        return
    if OrgUnit.objects.exists():
        if not args.reset:
            raise SystemExit("the database is not empty: add --reset")
        call_command("flush", interactive=False, verbosity=0)
        load_divisions(Division)
        call_command("migrate", "health", "0001", verbosity=0)
        call_command("migrate", verbosity=0)  # the rulebook defaults again
    rng = random.Random(args.seed)
    ctx = DemoContext(seed=args.seed, persons=0, log=log)
    with transaction.atomic():
        org_demo.generate(ctx)
    grids = [g.code for g in ctx.shared["grids"]]
    today = timezone.localdate()
    started = time.perf_counter()
    batch: list = []

    def flush() -> None:
        Person.objects.bulk_create(batch, batch_size=5000)
        batch.clear()

    methods = ["iud", "condom", "oral_pill", "", "none", "female_sterilization"]
    for serial in range(1, args.persons + 1):
        female = rng.random() < 0.5
        age = rng.randint(0, 85)
        birth = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
        married = age >= 22 and rng.random() < 0.75
        inflow = rng.random() < 0.15
        batch.append(
            Person(
                id_number=f"B{serial:017d}",
                name=f"测{serial % 9973}",
                sex="F" if female else "M",
                birth_date=birth,
                hukou_division_id="340603000000" if not inflow else "340102000000",
                population_type="inflow" if inflow else "resident",
                status="active" if rng.random() < 0.95 else "departed",
                unit_id=rng.choice(grids),
                marital_status="married" if married else "single",
                marriage_date=(today - datetime.timedelta(days=rng.randint(0, 9000)))
                if married
                else None,
                contraception=rng.choice(methods) if married and female else "",
                flow_in_date=(today - datetime.timedelta(days=rng.randint(0, 3000)))
                if inflow
                else None,
            )
        )
        if len(batch) >= 20_000:
            flush()
            log(f"  {serial:,} persons")
    flush()
    loaded = time.perf_counter() - started
    log(f"persons written in {loaded:.0f} s")
    women = list(
        Person.objects.filter(sex="F", marital_status="married").values_list("pk", "unit_id")
    )
    Pregnancy.objects.bulk_create(
        [
            Pregnancy(person_id=pk, recorded_on=today - datetime.timedelta(days=40))
            for pk, _unit in women[::30]
        ],
        batch_size=5000,
    )
    Task.objects.bulk_create(
        [
            Task(
                kind="health.pregnancy_visit",
                title="孕期访视",
                person_id=pk,
                unit_code=unit[:12],
                grid_code=unit,
                due_date=today + datetime.timedelta(days=rng.randint(-30, 60)),
                source_key=f"bench:{i}",
            )
            for i, (pk, unit) in enumerate(women[::5])
        ],
        batch_size=5000,
    )
    measure(args, loaded)


def measure(args, loaded: float) -> None:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from shequ.core.text import prefix_q
    from shequ.duework.models import Task
    from shequ.health import selectors
    from shequ.org.models import OrgUnit, User
    from shequ.registry.models import Person

    today = timezone.localdate()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("registry_person", "duework_task", "registry_pregnancy"):
                cursor.execute(f"ANALYZE {table}")
    # The district with the most persons.
    counts = {
        d.prefix: Person.objects.filter(prefix_q("unit_id", d.prefix)).count()
        for d in OrgUnit.objects.filter(level=2)
    }
    prefix = max(counts, key=lambda p: counts[p])
    month = today.replace(day=1)

    def target_page() -> float:
        t = time.perf_counter()
        queryset = selectors.target_list(prefix, month).order_by("unit_id", "name", "id")
        queryset.count()
        list(queryset[:50])
        return time.perf_counter() - t

    target = [target_page() for _ in range(5)]
    busiest = (
        Task.objects.order_by().values("unit_code").annotate(n=Count("id")).order_by("-n").first()
    )
    unit = OrgUnit.objects.get(code=busiest["unit_code"])
    worker = User.objects.create_user(
        "bench_worker", password="Bench-pass-2026-x", role="community", unit=unit, full_name="基准"
    )
    # No data rights: an account with the health right must pass the second factor first,
    # and the task list needs none.
    Task.objects.filter(unit_code=unit.code).update(assignee=worker)
    client = Client()
    client.force_login(worker)
    samples = []
    for i in range(60):
        url = "/api/v1/tasks/?mine=true" if i % 2 else "/api/v1/tasks/?state=overdue"
        t = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - t)
        assert response.status_code == 200, response.content[:300]
    samples = sorted(samples[10:])
    result = {
        "persons": Person.objects.count(),
        "database": connection.vendor,
        "load_seconds": round(loaded, 1),
        "district": prefix,
        "district_persons": counts[prefix],
        "target_list_seconds": {
            "median": round(statistics.median(target), 3),
            "max": round(max(target), 3),
        },
        "targets": selectors.target_list(prefix, month).count(),
        "task_list_ms": {
            "p50": round(statistics.median(samples) * 1000, 1),
            "p95": round(samples[int(len(samples) * 0.95) - 1] * 1000, 1),
        },
        "worker_tasks": Task.objects.filter(assignee=worker).count(),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
