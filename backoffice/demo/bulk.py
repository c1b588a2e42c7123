"""Helpers the demo generators share for fast set-based loads through the seeding connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

_SECONDARY_INDEXES = """
    SELECT i.relname, replace(pg_get_indexdef(x.indexrelid), ' ON ONLY ', ' ON ')
      FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = ANY(%s::regclass[])
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
"""


def is_empty(conn: psycopg.Connection, table: str) -> bool:
    query = sql.SQL("SELECT NOT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
    return bool(conn.execute(query).fetchone()[0])


@contextmanager
def indexes_deferred(conn: psycopg.Connection, tables: tuple[str, ...], enabled: bool = True) -> Iterator[None]:
    """Drop the tables' plain secondary indexes for the load, then rebuild them from their own DDL.

    Building an index once after the load is far cheaper than maintaining it row by row (random
    uuids, a small buffer pool). Constraint indexes (pk, unique) stay. One transaction, so a
    failed load leaves the schema as it was.
    """
    if not enabled:
        yield
        return
    with conn.transaction():
        indexes = conn.execute(_SECONDARY_INDEXES, [list(tables)]).fetchall()
        for name, _definition in indexes:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        yield
        conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            conn.execute(definition)


@contextmanager
def without_fk_checks(conn: psycopg.Connection) -> Iterator[None]:
    """Generated rows reference existing parents by construction: skip the per-row FK triggers
    (a superuser-only setting, for this session only)."""
    conn.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        conn.execute("RESET session_replication_role")


def analyze(conn: psycopg.Connection, tables) -> None:
    for table in tables:
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
