"""Load the national division codes (``data/divisions.csv``) into the Division table."""

import csv
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "divisions.csv"

# City-level placeholders of the source data that are not part of a place's written name.
_SILENT_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def read_divisions(path: Path = DATA_FILE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_code = {row["code"]: row for row in rows}
    depth = {"province": 0, "city": 1, "county": 2, "town": 3, "village": 4}
    for row in sorted(rows, key=lambda r: depth[r["level"]]):  # parents first
        parent = by_code.get(row["parent"])
        own = "" if row["name"] in _SILENT_NAMES else row["name"]
        row["full_name"] = (parent["full_name"] if parent else "") + own
    return rows


def load_divisions(division_model, path: Path = DATA_FILE) -> int:
    """Insert new codes and update changed names; returns the number of rows written."""
    rows = read_divisions(path)
    existing = {
        code: (name, full_name)
        for code, name, full_name in division_model.objects.values_list("code", "name", "full_name")
    }
    new, changed = [], []
    for row in rows:
        obj = division_model(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            parent_id=row["parent"] or None,
            full_name=row["full_name"],
        )
        if row["code"] not in existing:
            new.append(obj)
        elif existing[row["code"]] != (row["name"], row["full_name"]):
            changed.append(obj)
    division_model.objects.bulk_create(new, batch_size=2000)
    division_model.objects.bulk_update(changed, ["name", "full_name", "level"], batch_size=2000)
    return len(new) + len(changed)
