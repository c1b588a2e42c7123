"""Source health, security part: is the URL's TLS real, and can the source role write anything?

Two checks added to each source's report (backoffice.health.check_source):

- `check_tls(alias, report)`: the source URL asks for no TLS (sslmode disable/allow/prefer, or
  none, which libpq treats as prefer) to a host that is not local.
- `check_role(cursor, report)`: one catalog query over everything the session's role could still
  write or reach outside the mirrored tables: any table or sequence, schemas, the database itself,
  large objects (their functions need no table privilege), dangerous role attributes and
  memberships, stored role settings, and the back office's own database when it lives on the same
  server.

What no privilege can stop, honestly: any role may run `ALTER ROLE CURRENT_USER SET ...` and
change its own password (PostgreSQL 18 included). Both are refused inside a read-only
transaction, which is how every source session starts (`-c default_transaction_read_only=on`,
which also wins over a stored role setting). The report lists stored settings so a change made
by a session that switched the flag off is seen.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections

from backoffice import dburl
from backoffice.health import ERROR, INFO, OK, READ_ONLY, WARNING, SourceReport

TLS, ROLE = "tls", "role"

LARGE_OBJECT_CREATORS = (
    "lo_creat(integer)",
    "lo_create(oid)",
    "lo_from_bytea(oid, bytea)",
    "lo_import(text)",
    "lo_import(text, oid)",
    "lo_put(oid, bigint, bytea)",
    "lowrite(integer, bytea)",
)
# The back office's own -c flags win over a stored role setting of the same name.
PINNED_SETTINGS = {
    "default_transaction_read_only",
    "statement_timeout",
    "lock_timeout",
    "idle_in_transaction_session_timeout",
}
DANGEROUS_MEMBERSHIPS = ("pg_write_all_data", "pg_write_server_files", "pg_execute_server_program")

ROLE_SQL = """
WITH me AS (SELECT * FROM pg_roles WHERE rolname = current_user)
SELECT me.rolcreaterole,
       me.rolcreatedb,
       me.rolreplication,
       has_database_privilege(current_user, current_database(), 'CREATE'),
       ARRAY(SELECT b.rolname::text FROM pg_roles b
              WHERE b.rolname = ANY(%(memberships)s) AND pg_has_role(current_user, b.oid, 'USAGE')
              ORDER BY 1),
       EXISTS (SELECT 1 FROM pg_roles b  -- pg_read_all_data exists from PostgreSQL 14 on
                WHERE b.rolname = 'pg_read_all_data' AND pg_has_role(current_user, b.oid, 'USAGE')),
       ARRAY(SELECT f FROM unnest(%(lo_functions)s::text[]) AS f
              WHERE CASE WHEN to_regprocedure(f) IS NULL THEN false
                         ELSE has_function_privilege(current_user, to_regprocedure(f), 'EXECUTE') END),
       ARRAY(SELECT n.nspname::text FROM pg_namespace n
              WHERE has_schema_privilege(current_user, n.oid, 'CREATE')
                AND n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema'
              ORDER BY 1),
       ARRAY(SELECT format('%%I.%%I', n.nspname, c.relname) FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
                AND n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema'
                AND NOT (c.relname = ANY(%(mirrored)s) AND pg_table_is_visible(c.oid))
                AND has_table_privilege(current_user, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
              ORDER BY 1 LIMIT 20),
       ARRAY(SELECT format('%%I.%%I', n.nspname, c.relname) FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind = 'S'
                AND n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema'
                AND has_sequence_privilege(current_user, c.oid, 'USAGE, UPDATE')
              ORDER BY 1 LIMIT 20),
       ARRAY(SELECT unnest(s.setconfig) FROM pg_db_role_setting s
              WHERE s.setrole = me.oid
                AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))),
       (SELECT has_database_privilege(current_user, d.oid, 'CONNECT')
          FROM pg_database d WHERE d.datname = %(own_database)s)
  FROM me
"""


def check_tls(alias: str, report: SourceReport) -> None:
    config = settings.DATABASES[alias]
    problem = dburl.tls_problem(config)
    if problem:
        report.add(WARNING, TLS, problem)
    elif dburl.unverified_tls(config):
        report.add(
            INFO,
            TLS,
            "TLS is required but the server's certificate is not checked (sslmode=require): "
            "verify-full with sslrootcert also proves which server answers.",
        )


def check_role(cursor, report: SourceReport, alias: str, mirrored: list[str] = ()) -> None:
    """Mirrored tables are left out of the write check: health._check_write_privileges covers them."""
    own = _own_database_on_same_server(alias)
    params = {
        "memberships": list(DANGEROUS_MEMBERSHIPS),
        "lo_functions": list(LARGE_OBJECT_CREATORS),
        "own_database": own or "",
        "mirrored": list(mirrored),
    }
    try:
        # A savepoint: if this query fails (an old server, a catalog it may not read), the other
        # checks on this connection still run.
        with cursor.connection.transaction():
            cursor.execute(ROLE_SQL, params)
            row = cursor.fetchone()
    except Exception as exc:  # psycopg errors: this connection is outside Django's wrappers
        report.add(WARNING, ROLE, f"Could not check what role {report.role} may write: {str(exc).splitlines()[0]}")
        return
    if row is None:  # current_user not in pg_roles: nothing more to say
        return
    (
        createrole,
        createdb,
        replication,
        create_schema,
        memberships,
        reads_all,
        lo_functions,
        create_in,
        writable,
        sequences,
        stored,
        own_connect,
    ) = row
    role = report.role or "the source role"
    before = len(report.findings)

    if writable:
        report.add(ERROR, READ_ONLY, f"Role {role} may write tables outside the mirrored ones: {_list(writable)}.")
        report.read_only = False
    if memberships:
        report.add(ERROR, ROLE, f"Role {role} has the privileges of {', '.join(memberships)}.")
        if "pg_write_all_data" in memberships:
            report.read_only = False
    if createrole:
        report.add(ERROR, ROLE, f"Role {role} has CREATEROLE: it can create roles and grant them.")
    if createdb:
        report.add(WARNING, ROLE, f"Role {role} has CREATEDB.")
    if replication:
        report.add(WARNING, ROLE, f"Role {role} has REPLICATION: it can stream every database of the server.")
    if create_schema:
        report.add(WARNING, ROLE, f"Role {role} may create schemas in {report.database} (CREATE on the database).")
    others = [name for name in create_in if name != "public"]  # public: reported by the session check
    if others:
        report.add(WARNING, ROLE, f"Role {role} may create objects in schema(s) {_list(others)}.")
    if sequences:
        report.add(WARNING, ROLE, f"Role {role} may advance or set sequences (nextval/setval): {_list(sequences)}.")
    if lo_functions:
        names = ", ".join(f.split("(")[0] for f in lo_functions)
        report.add(
            WARNING,
            ROLE,
            f"Role {role} may create and write large objects ({names}): they need no table privilege and only the "
            "read-only session stops them. As the owner of the database run: REVOKE EXECUTE ON FUNCTION "
            + ", ".join(lo_functions)
            + " FROM PUBLIC;",
        )
    unexpected = [s for s in stored if s.split("=", 1)[0].lower() not in PINNED_SETTINGS]
    if unexpected:
        report.add(
            WARNING,
            ROLE,
            f"Role {role} has stored settings {', '.join(unexpected)}: any role may store its own settings "
            "(ALTER ROLE CURRENT_USER SET) once its session is not read-only. Check who set them; "
            "ALTER ROLE ... RESET ALL clears them.",
        )
    if own_connect:
        severity = ERROR if reads_all else WARNING
        how = " and reads every table there (pg_read_all_data)" if reads_all else ""
        report.add(
            severity,
            ROLE,
            f"Role {role} may connect to the back office's own database {own} on this server{how}: "
            f"REVOKE CONNECT ON DATABASE {own} FROM PUBLIC, {role}.",
        )
    elif reads_all:
        report.add(
            INFO,
            ROLE,
            f"Role {role} reads every database of this server (pg_read_all_data); per-database GRANT SELECT is "
            "narrower.",
        )
    if len(report.findings) == before or not any(f.severity in (WARNING, ERROR) for f in report.findings[before:]):
        reach = ", nor reach the back office's own database" if own else ""
        report.add(
            OK,
            ROLE,
            f"Role {role} cannot write any table, sequence or large object, nor create schemas{reach}.",
        )


def _own_database_on_same_server(alias: str) -> str | None:
    """The own database's name when it is on the same server as the source (same host and port)."""
    own = connections["default"].settings_dict
    source = connections[alias].settings_dict
    if (own.get("HOST") or "", str(own.get("PORT") or "")) != (source.get("HOST") or "", str(source.get("PORT") or "")):
        return None
    return own.get("NAME")


def _list(names: list[str]) -> str:
    return ", ".join(names[:8]) + (" …" if len(names) > 8 else "")
