"""Printed documents: the time of one PDF through the pages that answer it, on a database
holding the demo city (``shequ demo``). Prints ONE JSON line on stdout, progress on stderr.

    DATABASE_URL=postgres://…/shequ_bench .venv/bin/python bench/documents.py [--runs 30]

Two PDFs, each asked ``--runs`` times through the test client (DEBUG off, no network):

- a desk document (婚育情况证明 and the like, ``/desk/documents/<id>/pdf/``) by the demo's
  community worker: the scoped read, the logged read of the whole identity number, the QR code
  and the page with its embedded Chinese font;
- a birth registration's public receipt (``/birth-registration/<code>/pdf/``), each run from
  its own address so that the per-address limit does not answer instead.

For each: the first request of the process apart (it loads the TrueType font), then wall and
CPU milliseconds (median, p95) of the others and the PDF's size. The target (issue 18): a PDF
in under 300 ms. Never run by ``make test``.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import registry as loader  # bench/registry.py: django set-up with the bench's settings


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _time(get, urls: list[str]) -> dict:
    """The first request apart, then wall and CPU ms of the rest (one URL per run)."""
    started = time.perf_counter()
    first = get(urls[0], 0)
    first_ms = (time.perf_counter() - started) * 1000
    walls, cpus = [], []
    for index, url in enumerate(urls[1:], start=1):
        wall, cpu = time.perf_counter(), time.process_time()
        response = get(url, index)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return {
        "first_ms": round(first_ms, 1),
        "wall_median_ms": round(statistics.median(walls), 1),
        "wall_p95_ms": round(_p95(walls), 1),
        "cpu_median_ms": round(statistics.median(cpus), 1),
        "bytes": len(first.content),
        "runs": len(walls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: the DATABASE_URL environment variable")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--user", default="community", help="a demo account with the desk")
    args = parser.parse_args()
    os.environ["OTP_REQUIRED"] = "0"  # the demo's accounts have no second factor enrolled
    loader.setup_django(args.database_url)

    from django.db import connection
    from django.test import Client

    from shequ.desk import selectors
    from shequ.desk.models import BirthRegistration
    from shequ.org.models import User

    user = User.objects.get(username=args.user)
    documents = list(selectors.documents_visible(user).order_by("id")[: args.runs + 1])
    receipts = list(
        BirthRegistration.objects.exclude(receipt_code="")
        .order_by("id")
        .values_list("receipt_code", flat=True)[: args.runs + 1]
    )
    if not documents or not receipts:
        sys.exit("no documents or birth registrations: load `shequ demo` first")
    pages = Client()
    pages.force_login(user)
    public = Client()
    results = {}
    print(f"{len(documents)} documents, {len(receipts)} receipts", file=sys.stderr)
    # Cycle through what there is, so that runs > rows still times as many requests.
    doc_urls = [
        f"/desk/documents/{documents[i % len(documents)].uid}/pdf/" for i in range(args.runs + 1)
    ]
    results["document"] = _time(lambda url, _i: pages.get(url), doc_urls)
    print(f"  document: {results['document']}", file=sys.stderr)
    receipt_urls = [
        f"/birth-registration/{receipts[i % len(receipts)]}/pdf/" for i in range(args.runs + 1)
    ]
    results["birth_receipt"] = _time(
        lambda url, i: public.get(url, REMOTE_ADDR=f"10.9.{i // 250}.{i % 250 + 1}"),
        receipt_urls,
    )
    print(f"  birth receipt: {results['birth_receipt']}", file=sys.stderr)
    print(json.dumps({"database": connection.vendor, "user": args.user, **results}))


if __name__ == "__main__":
    main()
