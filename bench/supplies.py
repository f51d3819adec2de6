"""Supplies benchmark (PostgreSQL): a million ledger movements written through the bulk path,
then the stock level of location × item (one indexed read) and a street's stock report.

    DEBUG=1 DATABASE_URL=postgres://…/shequ_bench .venv/bin/python -m shequ.cli demo --reset
    DATABASE_URL=postgres://…/shequ_bench .venv/bin/python bench/supplies.py --movements 1000000

Run it on a scratch database loaded with ``shequ demo`` (its stores, rooms, fixed points and
machines receive the movements; the movements are committed). Prints ONE JSON line on
stdout; progress on stderr. Never run by ``make test``.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _p95(times: list[float]) -> float:
    return round(statistics.quantiles(times, n=20)[-1] * 1000, 2) if len(times) > 1 else 0.0


def _ms(times: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(times) * 1000, 2), "p95_ms": _p95(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--movements", type=int, default=1_000_000, help="0: measure the reads only (again)"
    )
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--reports", type=int, default=40)
    parser.add_argument("--street", default="340603020000", help="the report's street code")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-5d1e8a3f7c2b9064e1a7")
    os.environ.setdefault("SHEQU_DATA_KEY", BENCH_DATA_KEY)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from shequ.org.models import User
    from shequ.supplies import selectors, services
    from shequ.supplies.models import Item, Location, Movement, MovementKind

    if connection.vendor != "postgresql":
        sys.exit("bench/supplies.py measures PostgreSQL: set DATABASE_URL")
    locations = list(Location.objects.exclude(kind=Location.Kind.DISTRICT_STORE).order_by("id"))
    if not locations:
        sys.exit("no supplies locations: load `shequ demo` first")
    rng = random.Random(19)
    today = timezone.localdate()
    items = list(Item.objects.order_by("id"))
    lots = {}
    for item in items:
        lots[item.pk] = services.lot_for(
            item=item, number=f"BENCH-{item.code}", expiry=today + datetime.timedelta(days=900)
        )

    def rows():
        """Receipts and pick-ups over the year, each location × item kept above zero."""
        held: dict[tuple[int, int], int] = {}
        start = today - datetime.timedelta(days=365)
        for n in range(args.movements):
            loc = locations[n % len(locations)]
            item = items[(n // len(locations)) % len(items)]
            key = (loc.pk, item.pk)
            day = start + datetime.timedelta(days=n * 365 // args.movements)
            if held.get(key, 0) < 10:
                qty, kind = rng.randint(50, 200), MovementKind.RECEIPT
            else:
                qty, kind = -rng.randint(1, held[key]), MovementKind.PICKUP
            held[key] = held.get(key, 0) + qty
            yield services.MovementRow(loc, lots[item.pk], kind, qty, day)

    before = Movement.objects.count()
    print(
        f"writing {args.movements:,} movements over {len(locations)} locations …", file=sys.stderr
    )
    started = time.perf_counter()
    with transaction.atomic():
        written = services.movements_write_many(rows())
    write_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        # As autovacuum would soon: statistics, and the visibility map index-only scans need.
        cursor.execute("VACUUM ANALYZE supplies_movement")
        cursor.execute("VACUUM ANALYZE supplies_balance")
    total = Movement.objects.count()
    print(f"  {written:,} in {write_s:.1f} s; the ledger holds {total:,}", file=sys.stderr)

    # The level of one location × item: one read of the balance index.
    pairs = [(rng.choice(locations), rng.choice(items)) for _ in range(args.reads)]
    level_times = []
    for loc, item in pairs:
        t = time.perf_counter()
        selectors.stock_level(loc, item)
        level_times.append(time.perf_counter() - t)
    loc, item = pairs[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT SUM(quantity) FROM supplies_balance WHERE location_id = %s AND item_id = %s",
            [loc.pk, item.pk],
        )
        plan = " / ".join(row[0].strip() for row in cursor.fetchall()[:3])

    # A street's stock report: the selector, and the page around it.
    street = (
        User.objects.filter(unit_id=args.street, role="street").first()
        or User.objects.filter(is_superuser=True).first()
    )
    since, until = today - datetime.timedelta(days=365), today
    report_times = []
    for _ in range(args.reports):
        t = time.perf_counter()
        rows_ = selectors.stock_report(street, args.street, since, until)
        report_times.append(time.perf_counter() - t)
    # The report's rates: the supply rate (one aggregate by the method's blind index) and
    # the follow-up rates (one aggregate of the tasks).
    rate_times = []
    for _ in range(args.reports):
        t = time.perf_counter()
        rates = selectors.unit_rates(street, args.street, since, until)
        rate_times.append(time.perf_counter() - t)
    with CaptureQueriesContext(connection) as captured:  # the supply rate's own SQL
        selectors.supply_rates(street, args.street, since, until)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured.captured_queries[-1]["sql"])
        rate_plan = [row[0] for row in cursor.fetchall()]
    client = Client()
    client.force_login(street)
    page_times = []
    # The page as a signed-in street officer sees it (the second factor is the login's
    # business, not the report's).
    settings.OTP_REQUIRED = False
    query = {"unit": args.street, "since": since, "until": until}
    client.get("/supplies/report/", query, secure=True)  # warm-up: templates, URLconf
    for _ in range(max(args.reports // 2, 2)):
        t = time.perf_counter()
        answer = client.get("/supplies/report/", query, secure=True)
        page_times.append(time.perf_counter() - t)
        assert answer.status_code == 200, (answer.status_code, answer.get("Location"))
    print(
        json.dumps(
            {
                "movements_written": written,
                "ledger_rows": total,
                "ledger_rows_before": before,
                "write_s": round(write_s, 1),
                "write_rows_per_s": round(written / write_s) if written else None,
                "stock_level": _ms(level_times),
                "stock_level_plan": plan,
                "street_report_rows": len(rows_),
                "street_report_selector": _ms(report_times),
                "street_rates_selector": _ms(rate_times),
                "street_supply_rate": [rates.supply.supplied, rates.supply.users],
                "street_supply_rate_plan": rate_plan,
                "street_report_page": _ms(page_times),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
