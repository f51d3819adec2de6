"""Importers of the registry (buildings, households, persons) and the fast insert of persons.

Each importer validates a chunk of rows at once: the cells through the table's parsers, a
person's facts through ``validation.validate_person`` (the same as the form and the API),
and what needs the database — units, buildings, households, division codes, identity
numbers already registered — with one query per kind of lookup per chunk, cached over the
whole file. Rows without problems are planned; ``write`` then inserts them in bulk (COPY on
PostgreSQL) with a history row each, whose reason names the file and the row.

``insert_persons`` is the one fast way to add many new persons (imports, the demo): it keeps
the rules of ``services.person_register`` — derived fields, a history row per person, a
registration or arrival flow, children — without a query per person.
"""

from shequ.registry.importers.housing import BuildingImporter, HouseholdImporter
from shequ.registry.importers.persons import PersonImporter, insert_persons

__all__ = ["BuildingImporter", "HouseholdImporter", "PersonImporter", "insert_persons"]
