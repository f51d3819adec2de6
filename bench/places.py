"""Both places and the figures at city scale: the outflow list of a district (户在人不在, the
registration place's read-only scope) and its completeness figures per child unit, timed
through the real API views. Prints ONE JSON line on stdout (progress on stderr).

    .venv/bin/python bench/places.py --persons 1000000 --reset   # load with bench/registry.py's loader
    .venv/bin/python bench/places.py --reuse                     # time again on a loaded city

The city is loaded exactly as ``bench/registry.py`` loads it (its tree, its CSV writer and the
real import: 18 % migrants, 12 % 人户分离 registered elsewhere in the city, the rest at home);
then a month of 每月一查 is simulated (most migrants checked, some 人不在 pending departures).
Never run by ``make test``.
"""

import argparse
import datetime
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import registry as loader  # noqa: E402  (bench/registry.py: the city and its import)


def load_city(args: argparse.Namespace) -> int:
    from django.core.management import call_command
    from django.utils import timezone

    from shequ.org.divisions import load_divisions
    from shequ.org.models import Division, OrgUnit

    if OrgUnit.objects.exists():
        if not args.reset:
            raise SystemExit("the database is not empty: add --reset or --reuse")
        loader.log("emptying the database …")
        call_command("flush", interactive=False, verbosity=0)
        load_divisions(Division)
    shared = loader.build_tree(args.seed)
    grids_of: dict[int, list] = {}
    for grid in shared["grids"]:
        grids_of.setdefault(grid.parent_id, []).append(grid)
    rows = 0
    with tempfile.TemporaryDirectory(prefix="shequ-bench-places-") as folder:
        building_file, person_files, _count = loader.write_city(
            loader.CityRows(args.seed, timezone.localdate()),
            Path(folder),
            args.persons,
            args.chunk,
            shared["communities"],
            grids_of,
            args.seed,
        )
        loader.import_file("buildings", building_file)
        for path in person_files:
            done, seconds = loader.import_file("persons", path)
            rows += done
            loader.log(f"  {path.name}: {done:,} rows in {seconds:.0f} s, {rows:,} in all")
    return rows


def simulate_checks(seed: int) -> int:
    """A month of 每月一查 in bulk: 80 % of the migrants checked this month, 1 % of those
    人不在 (a pending departure each)."""
    from django.db import connection
    from django.utils import timezone

    from shequ.registry.models import Check, PendingDeparture, Person, PopulationType

    rng = random.Random(f"bench:{seed}:checks")
    today = timezone.localdate()
    migrants = list(
        Person.objects.filter(population_type=PopulationType.INFLOW).values_list("id", "unit_id")
    )
    checked = [m for m in migrants if rng.random() < 0.8]
    days = [today - datetime.timedelta(days=rng.randrange(today.day)) for _ in checked]
    checks = [
        Check(person_id=pk, kind="monthly", date=day, unit_code=unit, result="confirmed")
        for (pk, unit), day in zip(checked, days, strict=True)
    ]
    Check.objects.bulk_create(checks, batch_size=5000)
    ids = [pk for pk, _unit in checked]
    for start in range(0, len(ids), 20000):
        Person.objects.filter(id__in=ids[start : start + 20000]).update(last_monthly_check=today)
    absent = [c for c in checks if rng.random() < 0.01]
    Check.objects.filter(id__in=[c.pk for c in absent]).update(result="absent")
    PendingDeparture.objects.bulk_create(
        [
            PendingDeparture(
                person_id=c.person_id, check_row_id=c.pk, unit_code=c.unit_code, raised_on=c.date
            )
            for c in absent
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return len(checks)


def measure(runs: int) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shequ.core.text import prefix_q
    from shequ.org import services as org_services
    from shequ.org.models import OrgUnit, User
    from shequ.org.roles import Role
    from shequ.registry.models import Person

    loadavg = Path("/proc/loadavg")
    counts = {
        d.code: Person.objects.filter(prefix_q("unit_id", d.prefix)).count()
        for d in OrgUnit.objects.filter(kind__in=["district", "county"])
    }
    district = OrgUnit.objects.get(code=max(counts, key=counts.get))
    user = User.objects.filter(username="bench_places_district").first() or (
        org_services.user_create(
            actor=None,
            username="bench_places_district",
            full_name="bench",
            role=Role.DISTRICT,
            unit=district,
            password="Bench-pass-2026-x",
        )
    )
    registered = Person.objects.filter(prefix_q("hukou_division", district.prefix))
    outflow_size = registered.exclude(prefix_q("unit_id", district.prefix)).count()
    by_unit = Person.objects.filter(prefix_q("unit_id", district.prefix)).values("unit_id")
    client = Client()
    client.force_login(user, backend="shequ.org.auth.UnitModelBackend")
    result: dict = {
        "district": district.name,
        "persons_in_district": counts[district.code],
        "registered_in_district": registered.count(),
        "outflow_of_district": outflow_size,
        "units_below": by_unit.annotate(n=Count("id")).count(),
        "load_average": loadavg.read_text().split()[:3] if loadavg.exists() else None,
    }

    def timed(path: str, params: dict) -> dict:
        for _ in range(3):
            assert client.get(path, params).status_code == 200
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(path, params)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
        with CaptureQueriesContext(connection) as captured:
            client.get(path, params)
        figures = loader.percentiles(samples)
        figures["queries"] = len(captured)
        return figures

    def timed_call(function) -> dict:
        for _ in range(3):
            function()
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            function()
            samples.append((time.perf_counter() - started) * 1000)
        return loader.percentiles(samples)

    from shequ.core.web import ListPaginator
    from shequ.registry import selectors
    from shequ.registry.unit_figures import registry_check_figures

    units = [district, *OrgUnit.objects.filter(parent=district, is_active=True)]

    def outflow_page() -> None:
        page = ListPaginator(selectors.outflow_filtered(user, {})[1], 50).get_page(1)
        assert page.paginator.count >= 0 and len(page.object_list) >= 0

    loader.log(f"timing over {runs} runs …")
    # The database's part alone (the selectors as the views call them), then whole requests:
    # on a loaded machine the requests' Python is most of their time.
    result["outflow_selector_ms"] = timed_call(outflow_page)
    result["completeness_selector_ms"] = timed_call(
        lambda: registry_check_figures(user, district, units)
    )
    result["baseline_api_ms"] = timed("/api/v1/quarterly-reviews/", {})
    result["outflow_api_ms"] = timed("/api/v1/outflow/", {})
    result["outflow_api_search_ms"] = timed("/api/v1/outflow/", {"search": "王"})
    # Filters outside the index's keys: counted from its included columns (sex, 人口类型).
    result["outflow_api_sex_ms"] = timed("/api/v1/outflow/", {"sex": "F"})
    result["outflow_api_type_ms"] = timed("/api/v1/outflow/", {"population_type": "separated"})
    result["outflow_page_ms"] = timed("/registry/outflow/", {})
    result["completeness_api_ms"] = timed(
        "/api/v1/unit-figures/completeness/", {"unit": district.code}
    )
    result["unit_figures_all_api_ms"] = timed("/api/v1/unit-figures/", {"unit": district.code})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    loader.setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from shequ.registry.models import Person

    call_command("migrate", verbosity=0)
    result: dict = {"database": connection.vendor}
    if args.reuse:
        result["persons"] = Person.objects.count()
    else:
        started = time.perf_counter()
        result["persons"] = load_city(args)
        result["load_seconds"] = round(time.perf_counter() - started)
        result["checks"] = simulate_checks(args.seed)
    result.update(measure(args.runs))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
