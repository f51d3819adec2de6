"""Importers of the registry (buildings, households, persons).

Each importer validates a chunk of rows at once: the cells through the table's parsers, a
person's facts through ``validation.validate_person`` (the same as the form and the API),
and what needs the database — units, buildings, households, division codes, identity
numbers already registered — with one query per kind of lookup per chunk, cached over the
whole file. Rows without problems are planned; ``write`` hands them to the registry's bulk
services (``services.persons_register_many`` and its halves, ``persons_update_many``,
``buildings_create_many`` …), the one way many records are written (the demo uses them
too): the rules of ``services.person_register``, COPY on PostgreSQL, a history row each
whose reason names the file and the row.
"""

from shequ.registry.importers.housing import BuildingImporter, HouseholdImporter
from shequ.registry.importers.persons import PersonImporter

__all__ = ["BuildingImporter", "HouseholdImporter", "PersonImporter"]
