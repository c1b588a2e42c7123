"""The privileged path into source databases: build them from fixtures/schema and seed rows.

Used by tests (factories), the demo generator, the fake services and the benchmark. The back
office's pages never use it: they read through the SELECT-only source aliases.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import psycopg
from django.conf import settings
from django.db import connections
from psycopg import sql
from psycopg.types.json import Json, Jsonb

from backoffice.sources import get_source

_local = threading.local()
dirty_aliases: set[str] = set()  # sources written since the last reset (tests truncate these)


def conninfo(alias: str, dbname: str | None = None) -> dict:
    config = settings.SOURCE_ADMIN_DATABASES[alias]
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "dbname": dbname or connections[alias].settings_dict["NAME"],
        **(config.get("OPTIONS") or {}),  # the URL's own sslmode, sslrootcert, ...
    }
    return {k: v for k, v in params.items() if v is not None}


def connect(alias: str, dbname: str | None = None) -> psycopg.Connection:
    """A new autocommit superuser/owner connection to the source's (current) database."""
    return psycopg.connect(**conninfo(alias, dbname), autocommit=True)


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


def build_database(alias: str, dbname: str, *, drop: bool = False) -> bool:
    """Create `dbname` from the source's DDL. Returns True when it was (re)built."""
    with connect(alias, "postgres") as server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if exists and drop:
            server.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(dbname)))
            exists = None
        if not exists:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    with connect(alias, dbname) as conn:
        if schema_applied(conn):
            return False
        conn.execute(get_source(alias).schema_file.read_text())
        lock_down(conn, dbname)
        reader = settings.DATABASES[alias].get("USER")
        if reader and reader != conninfo(alias).get("user"):
            grant_select(conn, reader)
    return True


def schema_applied(conn: psycopg.Connection) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
    ).fetchone()
    return bool(row and row[0])


def lock_down(conn: psycopg.Connection, dbname: str) -> None:
    """Nobody but the owner may create objects here, not even temporary tables."""
    conn.execute(sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(sql.Identifier(dbname)))
    conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    if settings.EMBEDDED:
        from backoffice.embedded import revoke_large_object_writes

        revoke_large_object_writes(conn)


def grant_select(conn: psycopg.Connection, role: str) -> None:
    """`role` may read every table of schema public, now and later, and nothing else.

    The same GRANTs the README asks of a production source (ALTER DEFAULT PRIVILEGES covers the
    tables this connection's role creates later).
    """
    role_id = sql.Identifier(role)
    dbname = conn.execute("SELECT current_database()").fetchone()[0]
    conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(dbname), role_id))
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role_id))
    conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(role_id))
    conn.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {}").format(role_id))


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
