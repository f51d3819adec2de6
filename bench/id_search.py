"""Exact identity-number search on a loaded city: the blind index (HMAC-SHA256 of the number,
docs/security.md "Encryption at rest") under load. Prints ONE JSON line on stdout.

    .venv/bin/python bench/registry.py --persons 1000000      # load the city once
    .venv/bin/python bench/id_search.py [--runs 500] [--database-url URL]

Times, over ``--runs`` numbers of persons picked at random (and as many numbers nobody
holds): the look-up alone (``Person.objects.filter(id_number=…)``: the digest computed, one
indexed query, the row decrypted), the person list's search of a city officer (the scoped
selector, filter, page and count, as ``bench/registry.py`` times it) and the API's posted
search (``POST /api/v1/persons/search/`` through the test client, serialisation included).
The target (PERFORMANCE.md, issue 14): p95 < 20 ms at 1,000,000 persons on PostgreSQL.
"""

import argparse
import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import registry as loader  # bench/registry.py: the city's loader and its timing helpers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: the DATABASE_URL environment variable")
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    loader.setup_django(args.database_url)

    from django.db import connection
    from django.test import Client

    from shequ.org import services as org_services
    from shequ.org.models import OrgUnit, User
    from shequ.org.roles import Role
    from shequ.registry.models import Person

    total = Person.objects.count()
    if not total:
        raise SystemExit("no persons: load a city with bench/registry.py first")
    rng = random.Random(f"bench:{args.seed}:id-search")
    low = Person.objects.order_by("pk").values_list("pk", flat=True).first()
    high = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    numbers = list(
        Person.objects.filter(pk__in=[rng.randint(low, high) for _ in range(args.runs * 2)])
        .exclude(id_number=None)
        .values_list("id_number", flat=True)[: args.runs]
    )
    rng.shuffle(numbers)
    absent = [n[:14] + "9" + n[15:] for n in numbers]  # mostly numbers nobody holds
    city = OrgUnit.objects.filter(parent__isnull=True).first()
    user = User.objects.filter(username="bench_city").first() or org_services.user_create(
        actor=None,
        username="bench_city",
        full_name="bench_city",
        role=Role.CITY,
        unit=city,
        password="Bench-pass-2026-x",
    )

    def lookup(number: str) -> None:
        list(Person.objects.filter(id_number=number).values_list("pk", "id_number"))

    client = Client()
    client.force_login(user, backend="shequ.org.auth.UnitModelBackend")

    def api_search(number: str) -> None:
        response = client.post(
            "/api/v1/persons/search/?status=all",
            {"search": number},
            content_type="application/json",
        )
        assert response.status_code == 200, response.status_code

    found = sum(1 for n in numbers if Person.objects.filter(id_number=n).exists())
    result = {
        "persons": total,
        "database": connection.vendor,
        "cipher": os.environ.get("DATA_CIPHER") or "aes-256-gcm",
        "found": f"{found}/{len(numbers)}",
        "lookup_ms": loader.timed(lookup, numbers),
        "lookup_absent_ms": loader.timed(lookup, absent),
        "list_search_ms": loader.timed(
            lambda n: loader.list_query(user, {"search": n, "status": "all"}), numbers
        ),
        "api_search_ms": loader.timed(api_search, numbers[: max(args.runs // 5, 20)]),
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
