"""``field__any_of=[…]``: ``IN`` for the bulk lookups of imports, as one parameter on
PostgreSQL.

An import looks up a thousand identity numbers (or homes) at a time. ``__in`` writes a
thousand placeholders, and the driver, which binds parameters on the client, parses that
long statement again for every chunk (its statement cache skips long ones) and quotes each
value: a tenth of the validation's time. ``= ANY(%s)`` with one array is a short statement,
the same plan, and the same rows. Other databases get ``IN`` as before.
"""

from collections.abc import Collection, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, ForeignObject, Model
from django.db.models.lookups import In

from shequ.core.bulk import array_literal, server_cursor
from shequ.core.crypto import blind_indexes


class AnyOf(In):
    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql" or not isinstance(
            self.rhs, list | set | tuple | frozenset
        ):
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # Plain values (strings, integers), as the importers pass them; None matches nothing.
        values = [value for value in self.rhs if value is not None]
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


# Foreign keys keep lookups of their own (given by id here: ``building_id__any_of``).
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)


def present_values(model: type[Model], field: str, values: Sequence[str]) -> set[str]:
    """Which of ``values`` a text column of ``model``'s table holds (an import asking which
    of a chunk's identity numbers are registered: nearly always none).

    On PostgreSQL the values go as one array literal bound on the server, and the statement
    is prepared once per connection: Django's cursor quotes every value into the statement
    text on the client and the server plans it again each time, three times the work of
    the lookup.
    """
    if not values:
        return set()
    digest_field = getattr(model._meta.get_field(field), "digest_field", None)
    if digest_field:  # stored encrypted (core.fields): ask the blind index
        by_digest = {d: value for value in values for d in blind_indexes(value)}
        found = present_values(model, digest_field, list(by_digest))
        return {by_digest[d] for d in found}
    if connection.vendor != "postgresql":
        return set(
            model._default_manager.filter(**{f"{field}__in": values}).values_list(field, flat=True)
        )
    column = connection.ops.quote_name(model._meta.get_field(field).column)  # type: ignore[union-attr,arg-type]
    table = connection.ops.quote_name(model._meta.db_table)
    with server_cursor() as cursor:
        # Names come from the model's metadata, never from input; the values are a parameter.
        cursor.execute(
            f"SELECT {column} FROM {table} WHERE {column} = ANY(%s::text[])",  # noqa: S608
            [array_literal(list(values))],
            prepare=True,
        )
        return {row[0] for row in cursor}


def records_any_of(model: type[Model], **values: Collection[Any]) -> list[Model]:
    """The records of ``model`` whose fields each hold one of the given values
    (``records_any_of(Household, building_id={…}, number={…})``): a chunk's homes, as
    ``filter(building_id__any_of=…, number__any_of=…)`` finds them, whole.

    On PostgreSQL one statement prepared once per connection, the values as array literals
    bound on the server, the instances made with ``from_db``: the ORM compiled the query
    again for every chunk of an import, several times the client's work of the look-up.
    """
    values = {name: [v for v in wanted if v is not None] for name, wanted in values.items()}
    if not all(values.values()):  # None matches nothing, as in __any_of
        return []
    if connection.vendor != "postgresql":
        lookups = {f"{name}__in": list(v) for name, v in values.items()}
        return list(model._default_manager.filter(**lookups).order_by())
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields  # each has a column (django-stubs: maybe None)
    columns = {f.attname: f.column for f in fields} | {f.name: f.column for f in fields}
    conditions, params = [], []
    for name, wanted in values.items():
        wanted = sorted(wanted)
        kind = "bigint" if all(isinstance(value, int) for value in wanted) else "text"
        conditions.append(f"{quote(columns[name])} = ANY(%s::{kind}[])")  # type: ignore[arg-type]
        params.append(array_literal(wanted))
    # Names come from the model's metadata, never from input; the values are parameters.
    sql = (
        f"SELECT {', '.join(quote(f.column) for f in fields)} "  # type: ignore[arg-type]  # noqa: S608
        f"FROM {quote(model._meta.db_table)} WHERE {' AND '.join(conditions)}"
    )
    names = [f.attname for f in fields]
    with server_cursor() as cursor:
        cursor.execute(sql, params, prepare=True)
        return [model.from_db(connection.alias, names, row) for row in cursor]
