"""The privileged path into source databases: build them from fixtures/schema, connect as their owner.

Used by the demo loader, the fake services, the benchmark and the tests (whose row-level helpers
live in tests/seeding.py). The back office's pages never use it: they read through the
SELECT-only source aliases.
"""

from __future__ import annotations

import psycopg
from django.conf import settings
from django.db import connections
from psycopg import sql

from backoffice.sources import get_source


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
