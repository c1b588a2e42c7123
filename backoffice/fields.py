"""Model fields for columns whose real types Django's defaults mishandle."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from django.db import models
from psycopg.adapt import Dumper

from backoffice.sources import SOURCE_ALIASES


class SourceJSONField(models.JSONField):
    """A JSON field for `json` *or* `jsonb` columns.

    psycopg decodes `json` columns itself (Django only disables that for `jsonb`), so the stock
    JSONField crashes with "the JSON object must be str ... not dict" when it decodes again.
    This field accepts both the raw text and the already-decoded value. Keys are still read in
    the database with KT(); comparisons on a `json` column need a cast to jsonb.

    `json_type` says which of the two the service's table has ("json" or "jsonb", the default):
    check_sources reports a column that changed from it.
    """

    def __init__(self, *args, json_type: str = "jsonb", **kwargs):
        if json_type not in ("json", "jsonb"):
            raise ValueError(f"json_type must be 'json' or 'jsonb', not {json_type!r}")
        self.json_type = json_type
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.json_type != "jsonb":
            kwargs["json_type"] = self.json_type
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None or not isinstance(value, str | bytes | bytearray):
            return value
        try:
            return json.loads(value)
        except ValueError:
            # Not JSON after all (a KT() text value read through this field): keep it as is.
            return value


class NativeEnumField(models.CharField):
    """A column of a PostgreSQL enum type, read and compared as text; `choices` are its labels.

    Behaves exactly as a CharField. It tells check_sources that the service's column is a native
    enum, so a varchar that became an enum (or the reverse) is reported as a type change.
    """


class NaiveUTCDateTimeField(models.DateTimeField):
    """`timestamp without time zone` columns whose writers store UTC: read them as aware UTC."""

    def from_db_value(self, value, expression, connection):
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    def get_db_prep_value(self, value, connection, prepared=False):
        # Compare as `timestamp`, not `timestamptz`: a cast of the column would bypass its index.
        value = super().get_db_prep_value(value, connection, prepared)
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value


class UntypedUUIDDumper(Dumper):
    """uuid.UUID parameters as untyped literals: '…' rather than '…'::uuid.

    An id that is uuid in one deployment and text in another then compares either way: PostgreSQL
    types the literal from the column (a uuid column still uses its index), where '…'::uuid
    against a text column fails with "operator does not exist: text = uuid".
    """

    oid = 0  # unknown

    def dump(self, obj):
        return str(obj).encode()


def untyped_uuid_parameters(sender, connection, **kwargs):
    """connection_created receiver: source connections send uuid parameters untyped."""
    if connection.alias in SOURCE_ALIASES:
        connection.connection.adapters.register_dumper(uuid.UUID, UntypedUUIDDumper)
