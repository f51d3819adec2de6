"""Registry benchmark: a city of N persons loaded through the real import, then its searches
and list pages timed. Prints ONE JSON line on stdout (progress goes to stderr).

    .venv/bin/python bench/registry.py [--persons 1000000] [--database-url URL] [--reset]
    .venv/bin/python bench/registry.py --persons 100000          # a quick run
    .venv/bin/python bench/registry.py --reuse                    # time the queries again

What it does, on the configured database (``--database-url`` or ``DATABASE_URL``):

1. migrates, builds the demo city's organisation tree (淮北市: 4 districts, 458 communities
   and villages, 1,388 grids) and spreads N persons over its communities;
2. writes the buildings and the persons as CSV files in the import format (the template's
   Chinese headers, choices as labels, children as ``1:2015-03-02:女``) and loads them with
   the function ``shequ import`` uses (``import_job_create`` + ``import_job_run``), one file
   of ``--chunk`` rows at a time — every row validated, households created, history rows,
   arrival/registration flows and children written — timing the import alone;
3. times, over many runs with different terms, a search by identity number, by a name's
   first two characters, by full name, by pinyin initials and by full pinyin (the person
   list's own selector, ``PersonFilter``, ordering and pagination, COUNT included), and the
   person list page of a community worker and of a district officer through the real view
   (test client), with the SQL queries each page runs;
4. times the same reads in raw SQL and a raw insert into a scratch table, so that the ratios
   can be compared with docs/benchmarks.md and the shared PERFORMANCE.md.

Never run by ``make test``. It refuses a database that already holds data unless ``--reset``
(which empties it) or ``--reuse`` (which times the queries on a city loaded before).
"""

import argparse
import datetime
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchenv import BENCH_DATA_KEY

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRATCH = "bench_raw_person"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--persons",
        type=int,
        default=int(os.environ.get("BENCH_PERSONS", 1_000_000)),  # make bench BENCH_PERSONS=…
        help="persons in the city (default 1,000,000 or $BENCH_PERSONS)",
    )
    parser.add_argument("--database-url", help="default: the DATABASE_URL environment variable")
    parser.add_argument("--chunk", type=int, default=50_000, help="rows per imported file")
    parser.add_argument("--runs", type=int, default=200, help="timed runs per query")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="empty a non-empty database first")
    parser.add_argument("--reuse", action="store_true", help="time the queries only")
    return parser.parse_args()


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    # Production-like settings: DEBUG off (no query log kept in memory), a key of its own.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-3f9a1c7e5b2d8046a1e9")
    os.environ.setdefault("SHEQU_DATA_KEY", BENCH_DATA_KEY)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()


# --- The city ------------------------------------------------------------------------------


def build_tree(seed: int):
    """The demo's organisation tree (only the org app's generator: no demo people)."""
    from django.db import transaction

    from shequ.core.demo import DemoContext
    from shequ.org import demo as org_demo

    ctx = DemoContext(seed=seed, persons=0, log=log)
    with transaction.atomic():
        org_demo.generate(ctx)
    return ctx.shared


def spread(total: int, weights: list[float]) -> list[int]:
    from shequ.registry.demo.quotas import apportion

    return apportion(total, weights)


class CityRows:
    """Buildings and persons in the import format, family by family, deterministic."""

    HOMES_PER_BUILDING = 24

    def __init__(self, seed: int, today: datetime.date):
        from shequ.org.models import Division
        from shequ.registry.demo.data import MIGRANT_SOURCES, NOT_COUNTIES
        from shequ.registry.demo.places import IdNumbers

        self.rng = random.Random(f"bench:{seed}")
        self.today = today
        self.ids = IdNumbers(random.Random(f"bench:{seed}:id"))
        in_city = Division.objects.filter(level="village", code__startswith="3406")
        self.in_city = sorted(in_city.values_list("code", flat=True))
        counties = []
        for prefix, weight in MIGRANT_SOURCES:
            codes = [
                code
                for code, name in Division.objects.filter(
                    level="county", code__startswith=prefix
                ).values_list("code", "name")
                if not any(word in name for word in NOT_COUNTIES)
            ]
            counties += [(code, weight / max(len(codes), 1)) for code in codes]
        self.counties = [c for c, _w in counties]
        self.county_weights = [w for _c, w in counties]

    # small helpers, the demo's name pools
    def name(self, surname: str, sex: str, birth: datetime.date) -> str:
        from shequ.registry.demo.data import GIVEN_NAMES

        generation = 0 if birth.year < 1965 else 1 if birth.year < 1990 else 2
        first, second, single = GIVEN_NAMES[(sex, generation)]
        if self.rng.random() < 0.2:
            return surname + self.rng.choice(single)
        return surname + self.rng.choice(first) + self.rng.choice(second)

    def surname(self) -> str:
        from shequ.registry.demo.data import SURNAME_WEIGHTS, SURNAMES

        return self.rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]

    def birth(self, age: int) -> datetime.date:
        from shequ.registry.rules import birth_date_bounds_for_age

        earliest, latest = birth_date_bounds_for_age(self.today, age, age)
        return earliest + datetime.timedelta(days=self.rng.randrange((latest - earliest).days + 1))

    def household(self, grid: str, building: str, number: str, size: int, community: str):
        """The rows of one household: a couple, their children and maybe a parent."""
        rng, today, day = self.rng, self.today, datetime.timedelta(days=1)
        kind = rng.random()
        if kind < 0.18:  # migrants
            hukou = rng.choices(self.counties, self.county_weights)[0]
            arrived = today - day * rng.randint(10, 3000)
        elif kind < 0.30:  # 人户分离
            hukou, arrived = rng.choice(self.in_city), None
        else:
            hukou, arrived = community, None
        surname = self.surname()
        rows: list[dict] = []

        def person(sex: str, birth: datetime.date, relation: str, **extra) -> dict:
            age = (today - birth).days // 365
            row = {
                "id_number": self.ids.make(hukou[:6], birth, sex),
                "name": self.name(self.surname() if relation == "spouse" else surname, sex, birth),
                "sex": sex,
                "birth_date": birth,
                "phone": f"1{rng.choice('35789')}{rng.randrange(10**9):09d}" if age >= 16 else "",
                "hukou_division": hukou,
                "hukou_address": f"人民路{rng.randint(1, 300)}号",
                "unit": grid,
                "building": building,
                "household": number,
                "relation": relation,
                "marital_status": "single",
                "children_count": 0 if age >= 15 else None,
                "employment": "preschool"
                if age < 6
                else "student"
                if age < 18
                else "retired"
                if age >= 60
                else "employed",
                "employer_name": "淮北某公司" if 18 <= age < 60 else "",
            }
            if arrived:
                row["flow_in_date"] = max(arrived, birth)
                row["flow_in_reason"] = {"head": "work", "spouse": "work", "parent": "family"}.get(
                    relation, "follow"
                )
            row.update(extra)
            rows.append(row)
            return row

        wife_age = rng.randint(23, 70)
        wife_birth = self.birth(wife_age)
        husband_birth = wife_birth - day * rng.randint(0, 4 * 365)
        if size == 1:
            sex, birth = rng.choice([("M", husband_birth), ("F", wife_birth)])
            person(sex, birth, "head", marital_status="single" if wife_age < 35 else "widowed")
            return rows
        # Married at 22–30 (both of age), children from the year after.
        lived = (today - wife_birth).days - 1
        married = wife_birth + day * rng.randint(22 * 366, min(lived, 30 * 366))
        husband = person(
            "M", husband_birth, "head", marital_status="married", marriage_date=married
        )
        wife = person("F", wife_birth, "spouse", marital_status="married", marriage_date=married)
        if wife_age <= 49:
            method = rng.choices(
                ["iud", "condom", "female_sterilization", "oral_pill", "implant", "none", ""],
                [45, 25, 10, 5, 3, 8, 4],
            )[0]
            wife["contraception"] = method
            if method not in ("", "none"):
                wife["contraception_since"] = min(married + day * 400, today)
        kids = []
        for order in range(1, size - 1):
            kid_birth = married + day * (300 + 900 * order)
            if kid_birth >= today:
                break
            sex = rng.choice("MF")
            person(sex, kid_birth, "child")
            kids.append({"order": order, "birth_date": kid_birth, "sex": sex})
        wife["children"] = kids
        wife["children_count"] = husband["children_count"] = len(kids)
        if len(rows) < size and wife_age < 60:
            mother = self.birth(min(95, wife_age + rng.randint(22, 30)))
            person("F", mother, "parent", marital_status="widowed", children_count=2)
        return rows


def write_city(
    rows_gen, tmp: Path, persons: int, chunk: int, communities, grids_of, seed, prefix: str = ""
):
    """Write buildings.csv and persons-NN.csv files; returns (buildings file, person files,
    buildings count). ``prefix`` starts each building's name (apart from a city's own)."""
    from shequ.registry.tables import BUILDINGS, PERSONS

    rng = random.Random(f"bench:{seed}:sizes")
    weights = [rng.uniform(0.5, 1.5) for _ in communities]
    per_community = spread(persons, weights)
    buildings: list[dict] = []
    files: list[Path] = []
    batch: list[dict] = []

    def flush() -> None:
        path = tmp / f"persons-{len(files) + 1:03d}.csv"
        with path.open("wb") as handle:
            PERSONS.write_csv(batch, handle)
        files.append(path)
        batch.clear()

    sizes = [1, 2, 3, 4, 5]
    size_weights = [15, 28, 30, 19, 8]
    for community, count in zip(communities, per_community, strict=True):
        grids = grids_of.get(community.pk) or [community]
        left, home = count, 0
        while left > 0:
            grid = grids[home // (rows_gen.HOMES_PER_BUILDING * 6) % len(grids)].code
            block = home // rows_gen.HOMES_PER_BUILDING + 1
            flat = home % rows_gen.HOMES_PER_BUILDING
            number = f"{flat // 12 + 1}单元{flat % 12 // 2 + 1}0{flat % 2 + 1}"
            if flat == 0:
                buildings.append(
                    {"unit": grid, "name": f"{prefix}{block}号楼", "kind": "apartment"}
                )
            size = min(left, rows_gen.rng.choices(sizes, size_weights)[0])
            rows = rows_gen.household(grid, f"{prefix}{block}号楼", number, size, community.code)
            batch.extend(rows)
            left -= len(rows)
            home += 1
            if len(batch) >= chunk:
                flush()
    if batch:
        flush()
    building_file = tmp / "buildings.csv"
    with building_file.open("wb") as handle:
        BUILDINGS.write_csv(buildings, handle)
    return building_file, files, len(buildings)


def import_file(kind: str, path: Path) -> tuple[int, float]:
    """Import one file the way ``shequ import`` does; returns (rows, seconds)."""
    from shequ.jobs.imports import import_job_create, import_job_run

    job = import_job_create(
        actor=None, kind=kind, filename=path.name, content=b"", keep_content=False
    )
    started = time.perf_counter()
    with path.open("rb") as handle:
        import_job_run(job, source=handle)
    seconds = time.perf_counter() - started
    if not (job.applied and job.accepted_all):
        for row, column, message in job.report.get("errors", [])[:20]:
            log(f"  row {row} [{column}] {message}")
        raise SystemExit(f"import of {path.name} failed: {job.message or job.report}")
    return job.created_count, seconds


# Linux counts a thread's own CPU; elsewhere the process's stands in for it.
RUSAGE_THREAD = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds so far of this process and of the calling (validating) thread: with the
    wall time they tell the import's Python from the server's share."""
    process, thread = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, RUSAGE_THREAD))
    return process.ru_utime + process.ru_stime, thread.ru_utime + thread.ru_stime


# --- Timings ----------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 2), "p95": round(p95, 2)}


def timed(function, arguments: list, warmup: int = 5) -> dict[str, float]:
    for argument in arguments[:warmup]:
        function(argument)
    samples = []
    for argument in arguments:
        started = time.perf_counter()
        function(argument)
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def list_query(user, params: dict) -> int:
    """What the person list does in the database: scoped selector, PersonFilter, ordering by
    name, a 50-row page and its count, through the list's own paginator (the page's ids,
    then its rows; the count capped at 10,000, skipped when the page is the last)."""
    from django.http import QueryDict

    from shequ.core.web import ListPaginator
    from shequ.registry import selectors

    data = QueryDict(mutable=True)
    data.update(params)
    request = type("Request", (), {"user": user, "GET": data})()
    filterset = selectors.PersonFilter(
        data,
        queryset=selectors.persons_visible(user).select_related("unit__parent"),
        request=request,
        # A whole identity number reaches the list by a posted search (never a URL): the
        # same filter, told the term came that way.
        whole_id=selectors.is_whole_id_number(params.get("search", "")),
    )
    persons = filterset.qs.order_by("name", "id")
    id_sources = selectors.person_id_sources(persons, params.get("search"))
    if id_sources is None:  # as the list page does
        persons = selectors.scope_first(persons, user, params.get("unit"))
    page = ListPaginator(persons, 50, id_sources=id_sources).get_page(1)
    rows = list(page.object_list)
    return page.paginator.count + len(rows)


def raw(sql: str, params: list) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.fetchall()


def raw_insert_rate(rows: int = 50_000) -> float:
    """Rows per second of a bare insert of person-like rows into a scratch table with four
    indexes (COPY on PostgreSQL, executemany on SQLite): the ceiling to compare with."""
    from django.db import connection, transaction

    rng = random.Random(7)
    data = [
        (
            f"{340600000000 + i:012d}{rng.randrange(10**6):06d}",
            "王" + chr(0x4E00 + rng.randrange(20000)),
            "wx",
            f"3406{rng.randrange(10**8):08d}01",
            "resident",
            "active",
        )
        for i in range(rows)
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cursor.execute(
            f"CREATE TABLE {SCRATCH} (id_number varchar(18) UNIQUE, name varchar(50), "
            "initials varchar(50), unit_code varchar(14), population_type varchar(10), "
            "status varchar(10))"
        )
        cursor.execute(f"CREATE INDEX {SCRATCH}_name ON {SCRATCH} (name)")
        cursor.execute(f"CREATE INDEX {SCRATCH}_initials ON {SCRATCH} (initials, name)")
        cursor.execute(f"CREATE INDEX {SCRATCH}_unit ON {SCRATCH} (unit_code, status, name)")
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {SCRATCH} FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
        else:
            insert = f"INSERT INTO {SCRATCH} VALUES (%s, %s, %s, %s, %s, %s)"  # noqa: S608
            cursor.executemany(insert, data)
        seconds = time.perf_counter() - started
        cursor.execute(f"DROP TABLE {SCRATCH}")
    return rows / seconds


def python_probe() -> float:
    """Seconds for a fixed piece of plain Python, best of three: how fast this machine (and
    this interpreter build) runs Python at the moment. A shared virtual machine's speed
    drifts by a fifth from one hour to the next; read the import rate beside it."""
    best = float("inf")
    for _ in range(3):
        started, table = time.perf_counter(), {}
        for i in range(1_000_000):
            table[i % 1000] = str(i)
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def machine() -> dict:
    import django
    from django.db import connection

    ram = 0
    try:
        with open("/proc/meminfo") as handle:
            ram = int(handle.readline().split()[1]) // 1024 // 1024
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    return {
        "nproc": os.cpu_count(),
        "ram_gb": ram,
        "python": platform.python_version(),
        "python_probe_s": python_probe(),
        "django": django.get_version(),
        "database": f"{connection.vendor} {version}",
    }


def measure(args: argparse.Namespace, result: dict) -> None:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from shequ.core.text import prefix_q
    from shequ.org import services as org_services
    from shequ.org.models import OrgUnit, User
    from shequ.org.roles import Role
    from shequ.registry.models import Person

    rng = random.Random(f"bench:{args.seed}:queries")
    # The district with most people (濉溪县 in the demo tree) and one of its communities.
    counts = {}
    for district in OrgUnit.objects.filter(kind__in=["district", "county"]):
        counts[district.code] = Person.objects.filter(prefix_q("unit_id", district.prefix)).count()
    district = OrgUnit.objects.get(code=max(counts, key=counts.get))
    # A community of that district of about average size.
    per_community: dict[str, int] = {}
    for unit_code, count in (
        Person.objects.filter(prefix_q("unit_id", district.prefix))
        .values_list("unit_id")
        .annotate(n=Count("id"))
    ):
        per_community[unit_code[:12]] = per_community.get(unit_code[:12], 0) + count
    average = sum(per_community.values()) / len(per_community)
    community = OrgUnit.objects.get(
        code=min(sorted(per_community), key=lambda c: abs(per_community[c] - average))
    )
    users = {}
    for role, unit in (("city", district.parent), ("district", district), ("community", community)):
        username = f"bench_{role}"
        users[role] = User.objects.filter(username=username).first() or org_services.user_create(
            actor=None,
            username=username,
            full_name=username,
            role=getattr(Role, role.upper()),
            unit=unit,
            password="Bench-pass-2026-x",
        )
    result["rows_in_scope"] = {
        "city": Person.objects.count(),
        "district": counts[district.code],
        "community": Person.objects.filter(prefix_q("unit_id", community.prefix)).count(),
    }

    # Terms from persons picked at random (by primary key, without scanning the table).
    low = Person.objects.order_by("pk").values_list("pk", flat=True).first()
    high = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    picks = list(
        Person.objects.filter(
            pk__in=[rng.randint(low, high) for _ in range(args.runs * 2)]
        ).values_list("id_number", "name", "name_initials", "name_pinyin")[: args.runs]
    )
    rng.shuffle(picks)
    city_user = users["city"]
    log(f"timing searches over {len(picks)} terms …")
    search = {}
    for key, terms in (
        ("id_number", [p[0] for p in picks]),
        ("name_prefix2", [p[1][:2] for p in picks]),
        ("name_full", [p[1] for p in picks]),
        ("pinyin_initials", [p[2] for p in picks]),
        ("pinyin_full", [p[3] for p in picks]),
    ):
        search[key] = timed(lambda term: list_query(city_user, {"search": term}), terms)
    result["search_ms"] = search

    log("timing list pages …")
    pages, queries = {}, {}
    runs = list(range(max(args.runs // 2, 20)))
    for role in ("community", "district"):
        user = users[role]
        pages[f"{role}_query"] = timed(lambda _i, u=user: list_query(u, {}), runs)
        client = Client()
        client.force_login(user, backend="shequ.org.auth.UnitModelBackend")
        url = reverse("registry:person_list")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        queries[role] = len(captured.captured_queries)
        pages[f"{role}_page"] = timed(lambda _i, c=client, u=url: c.get(u), runs)
    # One community can be lucky in the plan PostgreSQL picks for it (which ones are not
    # moves with every ANALYZE): the city officer's list of each of 100 communities chosen
    # at random (?unit=), once each.
    every = sorted(OrgUnit.objects.filter(level=4).values_list("code", flat=True))
    sample = rng.sample(every, min(100, len(every)))
    pages["communities_query"] = timed(
        lambda code: list_query(users["city"], {"unit": code}), sample, warmup=0
    )
    result["list_ms"] = pages
    result["queries_per_page"] = queries

    log("timing raw SQL references …")
    table = Person._meta.db_table
    columns = "id, uid, name, id_number, sex, birth_date, unit_code, population_type, status"

    def page_sql(prefix: str) -> tuple[str, list]:
        sql = (
            f"SELECT {columns} FROM {table} WHERE unit_code >= %s AND unit_code < %s "  # noqa: S608
            "AND status = 'active' ORDER BY name, id LIMIT 50"
        )
        return sql, [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]

    id_sql = f"SELECT {columns} FROM {table} WHERE id_number = %s"  # noqa: S608
    name_sql = (
        f"SELECT {columns} FROM {table} WHERE name >= %s AND name < %s "  # noqa: S608
        "ORDER BY name, id LIMIT 50"
    )
    count_sql = (
        f"SELECT count(*) FROM {table} WHERE unit_code >= %s AND unit_code < %s "  # noqa: S608
        "AND status = 'active'"
    )
    community_sql, community_params = page_sql(community.prefix)
    district_sql, district_params = page_sql(district.prefix)
    result["raw_ms"] = {
        "id_number": timed(lambda p: raw(id_sql, [p[0]]), picks),
        "name_prefix2": timed(
            lambda p: raw(name_sql, [p[1][:2], p[1][0] + chr(ord(p[1][1]) + 1)]), picks
        ),
        "community_page": timed(lambda _i: raw(community_sql, community_params), runs),
        "district_page": timed(lambda _i: raw(district_sql, district_params), runs),
        "district_count": timed(lambda _i: raw(count_sql, district_params), runs),
    }
    result["raw_insert_rows_per_s"] = round(raw_insert_rate())


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from shequ.org.divisions import load_divisions
    from shequ.org.models import Division, OrgUnit
    from shequ.registry.models import Person

    result: dict = {"date": timezone.now().isoformat(timespec="seconds")}
    call_command("migrate", verbosity=0)
    result["machine"] = machine()
    log(f"database: {result['machine']['database']} ({connection.settings_dict['NAME']})")
    if args.reuse:
        result["persons"] = Person.objects.count()
        if not result["persons"]:
            raise SystemExit("--reuse: no persons in this database; run without it first.")
    else:
        if OrgUnit.objects.exists():
            if not args.reset:
                raise SystemExit("the database is not empty: add --reset to empty it first")
            log("emptying the database …")
            call_command("flush", interactive=False, verbosity=0)
            load_divisions(Division)
        shared = build_tree(args.seed)
        grids_of: dict[int, list] = {}
        for grid in shared["grids"]:
            grids_of.setdefault(grid.parent_id, []).append(grid)
        communities = shared["communities"]

        with tempfile.TemporaryDirectory(prefix="shequ-bench-") as folder:
            started = time.perf_counter()
            rows_gen = CityRows(args.seed, timezone.localdate())
            building_file, person_files, building_count = write_city(
                rows_gen, Path(folder), args.persons, args.chunk, communities, grids_of, args.seed
            )
            generated = time.perf_counter() - started
            log(f"wrote {args.persons:,} persons in {len(person_files)} files in {generated:.0f} s")
            created, seconds = import_file("buildings", building_file)
            log(f"imported {created:,} buildings in {seconds:.1f} s")
            chunk_rates, total_rows, total_seconds = [], 0, 0.0
            validating: list[float] = []
            for path in person_files:
                before = cpu_seconds()
                rows, seconds = import_file("persons", path)
                process_cpu, main_cpu = (a - b for a, b in zip(cpu_seconds(), before, strict=True))
                chunk_rates.append(rows / seconds)
                validating.append(main_cpu)
                total_rows += rows
                total_seconds += seconds
                log(
                    f"  {path.name}: {rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f}/s),"
                    f" Python {process_cpu:.1f} s CPU ({main_cpu:.1f} s validating),"
                    f" {total_rows:,} in all"
                )
        result["persons"] = total_rows
        result["import"] = {
            "rows_per_s": round(total_rows / total_seconds),
            "seconds": round(total_seconds, 1),
            "chunk_rows": args.chunk,
            "first_chunk_rows_per_s": round(chunk_rates[0]),
            "last_chunk_rows_per_s": round(chunk_rates[-1]),
            # The import runs at the speed of its validating thread, and this CPU time for
            # the same work moves with the machine's load: read the rate beside it.
            "validating_cpu_s_per_chunk": {
                "min": round(min(validating), 2),
                "median": round(statistics.median(validating), 2),
                "max": round(max(validating), 2),
            },
            "buildings": building_count,
            "csv_generation_seconds": round(generated, 1),
        }
    # What autovacuum does soon after a big load: statistics, and the visibility map that lets
    # a COUNT be answered from an index alone.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    result["vacuum_analyze_seconds"] = round(time.perf_counter() - started, 1)
    measure(args, result)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
