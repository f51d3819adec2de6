"""Benefits benchmark: a district's eligibility for each programme, through the one function
the lists, pages and API use (``shequ.benefits.eligibility.eligibility``), on a loaded city.

    DEBUG=1 DATABASE_URL=postgres://…/shequ_bench .venv/bin/python -m shequ.cli demo --reset --persons 1000000
    DATABASE_URL=postgres://…/shequ_bench .venv/bin/python bench/benefits.py [--unit 340603000000]

The target: a district's eligibility at 1,000,000 persons in under 5 s. Beside it, a raw
figure of the same run: the COUNT of the district's persons (one scan of what the
candidates' query reads), so machines of different speed compare by ratio, and the
Python process's CPU time (a loaded machine stretches the wall time, less the CPU). Reads only;
prints ONE JSON line on stdout, progress on stderr. Never run by ``make test``.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from benchenv import BENCH_DATA_KEY

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unit", default="", help="a district's code (default: the largest)")
    parser.add_argument("--year", type=int, default=0, help="default: this year")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-5d1e8a3f7c2b9064e1a7")
    os.environ.setdefault("SHEQU_DATA_KEY", BENCH_DATA_KEY)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.db.models import Count
    from django.db.models.functions import Substr
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from shequ.benefits.eligibility import eligibility
    from shequ.benefits.rules import Programme
    from shequ.core.text import prefix_q
    from shequ.org.models import OrgUnit
    from shequ.org.roles import Level
    from shequ.registry.models import Person

    year = args.year or timezone.localdate().year
    if args.unit:
        unit = OrgUnit.objects.get(code=args.unit)
    else:
        sizes = (
            Person.objects.annotate(district=Substr("unit_id", 1, 6))
            .values("district")
            .annotate(n=Count("id"))
            .order_by("-n")
        )
        biggest = sizes.first()
        if biggest is None:
            sys.exit("no persons: load `shequ demo` first")
        unit = OrgUnit.objects.get(code=biggest["district"] + "000000", level=Level.DISTRICT)
    persons_total = Person.objects.count()
    started = time.perf_counter()
    district_persons = Person.objects.filter(prefix_q("unit_id", unit.prefix)).count()
    count_s = time.perf_counter() - started
    print(
        f"{unit.name} {unit.code}: {district_persons:,} of {persons_total:,} persons; "
        f"COUNT {count_s * 1000:.0f} ms",
        file=sys.stderr,
    )
    results = {}
    for programme in Programme.values:
        times = []
        cpu = []
        queries = 0
        found = None
        for _ in range(args.repeat):
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                t = time.perf_counter()
                c = time.process_time()
                found = eligibility(unit=unit, year=year, programme=programme, with_identity=True)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            queries = len(captured.captured_queries)
        assert found is not None
        results[programme] = {
            "candidates": len(found.answers),
            "counts": found.counts(),
            "queries": queries,
            "best_s": round(min(times), 3),
            "median_s": round(statistics.median(times), 3),
            # This process's CPU (the database's is not in it): steadier than the wall
            # time on a machine other work shares.
            "python_cpu_s": round(min(cpu), 3),
        }
        print(f"  {programme}: {results[programme]}", file=sys.stderr)
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "unit": unit.code,
                "persons_total": persons_total,
                "district_persons": district_persons,
                "district_count_ms": round(count_s * 1000, 1),
                "year": year,
                "eligibility": results,
                "all_programmes_s": round(sum(r["median_s"] for r in results.values()), 3),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
