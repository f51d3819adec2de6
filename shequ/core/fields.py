"""Model fields stored encrypted (``core.crypto``), and the clear columns derived from one.

``EncryptedCharField`` / ``EncryptedDateField`` read and write as the plain fields do
(``person.id_number`` is the number): the value is encrypted in ``get_db_prep_value`` and
decrypted in ``from_db_value``; the column is text. Equality cannot be asked of the
database (every encryption differs), so an exact lookup on such a field is refused, except
on a field with a blind index (``digest_field``), where ``exact``/``in``/``any_of`` compare
the digest column instead: ``Person.objects.filter(id_number=n)`` keeps working.

An empty text is stored empty (not encrypted): that a value is missing is shown anyway
(e.g. 八个清楚's missing items), and it keeps "nothing recorded" searchable.

``DerivedField`` columns (the blind index, the area code) are computed from another field
in ``pre_save``; ``DerivedFieldsMixin.save`` adds them to ``update_fields``, and the bulk
writer (``core.bulk``) computes them for the rows it writes.
"""

import datetime
import json
from typing import Any

from django.db import models
from django.db.models import Lookup
from django.db.models.expressions import Col

from shequ.core import crypto


class EncryptedMixin:
    """Encrypts on the way to the database, decrypts on the way back; the column is text."""

    encrypted = True
    digest_field: str | None = None

    def get_internal_type(self) -> str:
        return "TextField"

    def db_type(self, connection) -> str | None:
        return models.TextField().db_type(connection)

    def to_text(self, value: Any) -> str:
        return str(value)

    def from_text(self, text: str) -> Any:
        return text

    def db_value(self, value: Any) -> str | None:
        """The stored text of a Python value (also used by the bulk writer)."""
        if value is None:
            return None
        if value == "":
            return ""
        return crypto.encrypt_text(self.to_text(value))

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)  # type: ignore[attr-defined]  # the Field's
        return self.db_value(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return self.from_text(value) if value == "" else None
        if not crypto.is_encrypted(value):  # a row from before encryption (migration)
            return self.from_text(value)
        return self.from_text(crypto.decrypt_text(value))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()  # type: ignore[misc]
        if self.digest_field:
            kwargs["digest_field"] = self.digest_field
        return name, path, args, kwargs


class EncryptedCharField(EncryptedMixin, models.CharField):
    """A text (an identity number, a health fact) stored encrypted."""

    def __init__(self, *args, digest_field: str | None = None, **kwargs):
        self.digest_field = digest_field
        super().__init__(*args, **kwargs)

    def from_text(self, text: str) -> Any:
        return text


class EncryptedDateField(EncryptedMixin, models.DateField):
    """A date (of a health fact) stored encrypted."""

    def to_text(self, value: Any) -> str:
        return self.to_python(value).isoformat()

    def from_text(self, text: str) -> Any:
        return datetime.date.fromisoformat(text) if text else None

    def db_value(self, value: Any) -> str | None:
        if value in (None, ""):
            return None
        return crypto.encrypt_text(self.to_text(value))


class EncryptedJSONField(EncryptedMixin, models.JSONField):
    """A JSON value (a health fact's details, e.g. a check's items) stored encrypted as its
    JSON text. Only "is empty"-free equality would be possible, and no key lookups: filter
    such values in Python."""

    def to_text(self, value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def from_text(self, text: str) -> Any:
        return json.loads(text) if text else None

    def db_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return crypto.encrypt_text(self.to_text(value))

    def from_db_value(self, value, expression, connection):
        if isinstance(value, dict | list):  # a database that decoded the JSON itself
            return value
        return super().from_db_value(value, expression, connection)


class EncryptedBinaryField(models.BinaryField):
    """A stored file (an import's upload, an export's result) encrypted as a whole; empty
    stays empty (a file deleted after its job), a file stored before encryption reads as
    it is."""

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is not None and len(value):
            value = crypto.encrypt_bytes(bytes(value))
        return super().get_db_prep_value(value, connection, prepared)

    def from_db_value(self, value, expression, connection):
        if value is None or not len(value):
            return value
        return crypto.decrypt_bytes(bytes(value))


# --- Lookups -------------------------------------------------------------------------------


def _digest_column(lhs) -> Col:
    if not isinstance(lhs, Col) or not getattr(lhs.target, "digest_field", None):
        raise TypeError(
            f"{lhs} is stored encrypted and cannot be compared in the database: "
            "look it up by its blind index or filter the rows in Python"
        )
    target: Any = lhs.target
    digest: Any = target.model._meta.get_field(target.digest_field)
    return Col(lhs.alias, digest)


class _EncryptedLookup(Lookup):
    """Equality on an encrypted field: the blind index when it has one; only "is empty"
    otherwise (refused for other values, which would silently match nothing)."""

    prepare_rhs = False
    can_use_none_as_rhs = True

    def _values(self) -> list[Any]:
        raise NotImplementedError

    def as_sql(self, compiler, connection):
        values = self._values()
        if not values:
            return "1 = 0", ()
        if any(v is None for v in values):
            lhs, params = compiler.compile(self.lhs)
            return f"{lhs} IS NULL", params
        if all(v == "" for v in values):
            lhs, params = compiler.compile(self.lhs)
            return f"{lhs} = %s", (*params, "")
        column = _digest_column(self.lhs)
        lhs, params = compiler.compile(column)
        digests = [d for v in values if v for d in crypto.blind_indexes(str(v))]
        if connection.vendor == "postgresql" and len(digests) > 1:
            sql, args = f"{lhs} = ANY(%s)", (*params, digests)
        else:
            placeholders = ", ".join(["%s"] * len(digests))
            sql, args = f"{lhs} IN ({placeholders})", (*params, *digests)
        if "" in values:  # "nothing recorded" is stored empty, in clear, and has no digest
            plain, plain_params = compiler.compile(self.lhs)
            return f"({plain} = %s OR {sql})", (*plain_params, "", *args)
        return sql, args


class EncryptedExact(_EncryptedLookup):
    lookup_name = "exact"

    def _values(self) -> list[Any]:
        return [self.rhs]


class EncryptedIn(_EncryptedLookup):
    lookup_name = "in"

    def _values(self) -> list[Any]:
        return [v for v in self.rhs if v is not None]


class EncryptedAnyOf(EncryptedIn):
    lookup_name = "any_of"


class _RefusedLookup(Lookup):
    """An order or a pattern asked of ciphertext would compare random bytes and answer
    silently wrong rows: refuse it instead."""

    def as_sql(self, compiler, connection):
        raise TypeError(
            f"{self.lhs} is stored encrypted: '{self.lookup_name}' cannot be asked of the "
            "database; read the rows and compare the decrypted values in Python"
        )


_REFUSED = (
    "gt", "gte", "lt", "lte", "range", "iexact", "contains", "icontains", "startswith",
    "istartswith", "endswith", "iendswith", "regex", "iregex",
)  # fmt: skip

for _field in (EncryptedCharField, EncryptedDateField):
    for _lookup in (EncryptedExact, EncryptedIn, EncryptedAnyOf):
        _field.register_lookup(_lookup)
    for _name in _REFUSED:
        _field.register_lookup(type(f"Refused_{_name}", (_RefusedLookup,), {"lookup_name": _name}))


# --- Derived clear columns -----------------------------------------------------------------


class DerivedField(models.CharField):
    """A clear column computed from another field's value (``source``) when saved."""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def derive(self, value: Any) -> str | None:
        raise NotImplementedError

    def pre_save(self, model_instance, add):
        value = self.derive(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs


class BlindIndexField(DerivedField):
    """HMAC-SHA256 of the source's value (hex): exact lookups of an encrypted field."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(*args, **kwargs)

    def derive(self, value: Any) -> str | None:
        return crypto.blind_index(str(value)) if value else None

    def db_type(self, connection) -> str | None:
        # varchar, spelt so that Django's PostgreSQL schema editor (which looks for a type
        # beginning "varchar") adds no second, "_like" index for LIKE searches to the unique
        # one: nobody searches a digest by its beginning, and every insert paid for it.
        return f"character varying({self.max_length})"


class IdAreaField(DerivedField):
    """The first six characters of an identity number (the area code where it was issued),
    kept in clear for the search by a number's beginning."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 6)
        super().__init__(*args, **kwargs)

    def derive(self, value: Any) -> str | None:
        return str(value)[:6] if value else None


def derived_fields(model) -> list[DerivedField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, DerivedField)]


class DerivedFieldsMixin(models.Model):
    """A save that names a source field in ``update_fields`` saves what derives from it."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            names = set(update_fields)
            extra = {f.name for f in derived_fields(type(self)) if f.source in names}
            if extra - names:
                kwargs["update_fields"] = sorted(names | extra)
        super().save(*args, **kwargs)


# --- Rewriting stored rows (the migration that encrypts, the key rotation) ----------------


def _plain(stored: Any) -> Any:
    """A stored value's plain text: decrypted, or as it is when stored before encryption."""
    if stored is None or stored == "" or not crypto.is_encrypted(stored):
        return stored
    return crypto.decrypt_text(stored)


def reencrypt_rows(model, *, batch: int = 2000, using: str = "default") -> int:
    """Encrypt under the current key every value of ``model``'s encrypted columns that is
    in clear or under another key, and recompute its derived columns (blind index, area
    code): batches of ``batch`` rows by primary key, each its own statement, so a large
    table neither holds one long transaction's locks nor all its rows in memory. Rows
    already under the current key are left alone (a rotation interrupted resumes).
    Works on a migration's historical model too. Returns the number of rows rewritten."""
    from django.db import connections

    connection = connections[using]
    fields = model._meta.concrete_fields
    encrypted = [f for f in fields if getattr(f, "encrypted", False)]
    derived = [f for f in fields if isinstance(f, DerivedField)]
    if not encrypted:
        return 0
    by_name = {f.name: f for f in fields}
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    read = [f.column for f in encrypted]
    current = crypto.current_key().key_id
    write = [*encrypted, *derived]
    # Names come from the model's metadata, never from input.
    select = (
        f"SELECT {pk}, {', '.join(quote(c) for c in read)} FROM {table} "  # noqa: S608
        f"WHERE {pk} > %s ORDER BY {pk} LIMIT {int(batch)}"
    )
    update = (
        f"UPDATE {table} SET {', '.join(f'{quote(f.column)} = %s' for f in write)} "  # noqa: S608
        f"WHERE {pk} = %s"
    )
    done, last = 0, None
    while True:
        with connection.cursor() as cursor:
            cursor.execute(select, [last if last is not None else _lowest(model)])
            rows = cursor.fetchall()
        if not rows:
            return done
        last = rows[-1][0]
        changes = []
        for pk_value, *stored in rows:
            if all(
                s in (None, "") or (crypto.is_encrypted(s) and crypto.key_id_of(s) == current)
                for s in stored
            ):
                continue
            plain = {f.name: _plain(s) for f, s in zip(encrypted, stored, strict=True)}
            values = []
            for f in encrypted:
                value = plain[f.name]
                values.append(value if value in (None, "") else crypto.encrypt_text(str(value)))
            for f in derived:
                source = plain.get(f.source)
                if f.source not in plain:
                    source = None
                values.append(by_name[f.name].derive(source))
            changes.append((*values, pk_value))
        if changes:
            with connection.cursor() as cursor:
                cursor.executemany(update, changes)
            done += len(changes)


def _lowest(model) -> Any:
    """A value below every primary key of the model (integers; text keys sort after "")."""
    return -1 if isinstance(model._meta.pk, models.AutoField | models.BigAutoField) else ""
