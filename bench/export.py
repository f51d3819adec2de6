"""Export benchmark: the export page of one user, timed through the real view (test client).

    DATABASE_URL=sqlite:////tmp/exp/demo.sqlite3 .venv/bin/python bench/export.py
    .venv/bin/python bench/export.py --user street --runs 3 --kinds persons,households

Run it on a database loaded with ``shequ demo`` (or the registry benchmark's city). The
file is built inside the request (the background-job threshold is lifted for the run), so
the figure is what a job spends too. Prints ONE JSON line on stdout; progress on stderr.
Each run writes the sensitive-read rows of the export, as the page does: use a copy of the
database. Never run by ``make test``.
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
    parser.add_argument("--user", default="street", help="username (default: street)")
    parser.add_argument("--kinds", default="persons,households,buildings")
    parser.add_argument("--formats", default="xlsx,csv")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-3f9a1c7e5b2d8046a1e9")
    os.environ.setdefault("SHEQU_DATA_KEY", BENCH_DATA_KEY)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import override_settings

    from shequ.org.models import User

    client = Client()
    client.force_login(User.objects.get(username=args.user))
    results = {}
    with override_settings(EXPORT_JOB_MIN_ROWS=10**9):
        for kind in args.kinds.split(","):
            for fmt in args.formats.split(","):
                times, size, status = [], 0, None
                for _ in range(args.runs):
                    start = time.perf_counter()
                    response = client.get(f"/registry/export/{kind}/?format={fmt}")
                    times.append(time.perf_counter() - start)
                    status, size = response.status_code, len(response.content)
                key = f"{kind}_{fmt}"
                results[key] = {
                    "status": status,
                    "bytes": size,
                    "median_s": round(statistics.median(times), 2),
                    "min_s": round(min(times), 2),
                }
                print(key, results[key], file=sys.stderr, flush=True)
    print(json.dumps({"user": args.user, "runs": args.runs, "results": results}))


if __name__ == "__main__":
    main()
