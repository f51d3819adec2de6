"""The registry's files: the columns of buildings, households and persons, declared once.

Each ``Table`` here drives the downloadable template, the export and the import (and the
API bulk endpoint): Chinese headers, how a cell is read (choice columns take the Chinese
label or the code) and how a value is written back, so an exported file imports unchanged.
The headers are the file format, so they are plain Chinese, not translated.

``_common`` holds the cell parsers, ``housing`` and ``people`` the tables, ``export`` the rows
each table writes for a record.
"""

from shequ.registry.tables._common import (
    CHILDREN_HELP,
    DATE_HELP,
    parse_children,
    parse_division_code,
    parse_ethnicity,
    render_children,
)
from shequ.registry.tables.export import (
    EXPORT_BATCH,
    Progress,
    building_rows,
    export_write,
    household_rows,
    person_row,
    person_rows,
)
from shequ.registry.tables.housing import BUILDINGS, HOUSEHOLDS
from shequ.registry.tables.kinds import KIND_TITLES, TABLES
from shequ.registry.tables.people import HEALTH_KEYS, PERSONS, PERSONS_WITHOUT_HEALTH

__all__ = [
    "BUILDINGS",
    "CHILDREN_HELP",
    "DATE_HELP",
    "EXPORT_BATCH",
    "HEALTH_KEYS",
    "HOUSEHOLDS",
    "KIND_TITLES",
    "PERSONS",
    "PERSONS_WITHOUT_HEALTH",
    "TABLES",
    "Progress",
    "building_rows",
    "export_write",
    "household_rows",
    "parse_children",
    "parse_division_code",
    "parse_ethnicity",
    "person_row",
    "person_rows",
    "render_children",
]
