"""Test-only seeding helpers: cached privileged connections, row inserts, and the clean-up after a test.

Factories and tests write source rows through here (never through the read-only aliases); every
source written is remembered in dirty_aliases and emptied after the test (tests/conftest.py).
The production path (build, connect) is backoffice/seeding.py, re-exported here for convenience.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import psycopg
from django.db import connections
from psycopg import sql
from psycopg.types.json import Json, Jsonb

from backoffice.seeding import build_database, connect, conninfo, grant_select, lock_down, schema_applied

__all__ = [
    "build_database",
    "close_all",
    "connect",
    "connection",
    "conninfo",
    "dirty_aliases",
    "execute",
    "grant_select",
    "insert_model",
    "lock_down",
    "schema_applied",
    "truncate_all",
]

_local = threading.local()
dirty_aliases: set[str] = set()  # sources written since the last reset (tests truncate these)


def connection(alias: str) -> psycopg.Connection:
    """A cached per-thread seeding connection to the alias's current database."""
    cache = getattr(_local, "connections", None)
    if cache is None:
        cache = _local.connections = {}
    dbname = connections[alias].settings_dict["NAME"]
    conn = cache.get((alias, dbname))
    if conn is None or conn.closed:
        conn = cache[(alias, dbname)] = connect(alias, dbname)
    return conn


def _adapt(value, json_column: bool):
    if json_column and value is not None:
        return Jsonb(value)
    if isinstance(value, dict):
        return Json(value)
    return value


def insert_model(model, values: dict, raw_columns: dict | None = None) -> dict:
    """INSERT one row of `model` (field names or attnames as keys); return the row as stored.

    `raw_columns` are columns the model deliberately does not map (secrets), by column name.
    """
    alias = model._meta.app_label
    columns, params = [], []
    for key, value in values.items():
        field = model._meta.get_field(key)
        if getattr(field, "remote_field", None) and hasattr(value, "_meta"):
            value = getattr(value, field.target_field.attname)
        columns.append(field.column)
        params.append(_adapt(value, field.get_internal_type() == "JSONField"))
    for column, value in (raw_columns or {}).items():
        columns.append(column)
        params.append(value)
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING *").format(
        sql.Identifier(model._meta.db_table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    if not columns:
        query = sql.SQL("INSERT INTO {} DEFAULT VALUES RETURNING *").format(sql.Identifier(model._meta.db_table))
    dirty_aliases.add(alias)
    cursor = connection(alias).cursor(row_factory=psycopg.rows.dict_row)
    return cursor.execute(query, params).fetchone()


def execute(alias: str, statement: str, params: Iterable | None = None) -> None:
    dirty_aliases.add(alias)
    connection(alias).execute(statement, params)


def truncate_all(alias: str) -> None:
    """Empty every table of the source's current database.

    DELETE, not TRUNCATE: TRUNCATE waits for the test's still-open read transaction on the
    read-only alias; DELETE does not. Replica mode skips FK checks so order does not matter.
    """
    conn = connection(alias)
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT format('%I', c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
        )
    ]
    with conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        for table in tables:
            conn.execute(f"DELETE FROM {table}")
    dirty_aliases.discard(alias)


def close_all() -> None:
    """Close this thread's cached seeding connections (at the end of the session)."""
    for conn in getattr(_local, "connections", {}).values():
        conn.close()
    _local.connections = {}
