"""fixtures/schema/<source>.sql equals the service's own DDL (fixtures/upstream/<source>.sql).

Both files are applied to two scratch databases on the test server (through the privileged
seeding connection) and their catalogs are compared: every table and column with its type,
length/precision, nullability and default; enum labels in order; primary, unique, foreign and
check constraints; index definitions; the partition key of partitioned tables. A fixture that
drifts from the service fails here, naming the difference.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from psycopg import sql

from tests import seeding

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ["wrapped", "posters", "xtrack", "fleet"]
UUID_OSSP = 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";'
# The embedded PostgreSQL ships without uuid-ossp: the same stand-in the fixtures use.
UUID_SHIM = "CREATE FUNCTION uuid_generate_v4() RETURNS uuid LANGUAGE sql VOLATILE AS 'SELECT gen_random_uuid()';"

COLUMNS_SQL = """
SELECT c.table_name, c.column_name, c.data_type, c.udt_name, c.is_nullable, c.column_default,
       c.character_maximum_length, c.numeric_precision, c.numeric_scale
  FROM information_schema.columns c
  JOIN pg_class k ON k.relname = c.table_name AND k.relnamespace = 'public'::regnamespace
 WHERE c.table_schema = 'public' AND NOT k.relispartition
"""
ENUMS_SQL = """
SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
  FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
 WHERE t.typnamespace = 'public'::regnamespace
 GROUP BY t.typname
"""
CONSTRAINTS_SQL = """
SELECT k.relname, c.conname, c.contype, pg_get_constraintdef(c.oid)
  FROM pg_constraint c JOIN pg_class k ON k.oid = c.conrelid
 WHERE k.relnamespace = 'public'::regnamespace AND NOT k.relispartition
"""
INDEXES_SQL = """
SELECT i.tablename, i.indexname, i.indexdef
  FROM pg_indexes i JOIN pg_class k ON k.relname = i.tablename AND k.relnamespace = 'public'::regnamespace
 WHERE i.schemaname = 'public' AND NOT k.relispartition
"""
PARTITIONS_SQL = """
SELECT k.relname, pg_get_partkeydef(k.oid)
  FROM pg_class k WHERE k.relnamespace = 'public'::regnamespace AND k.relkind = 'p'
"""
PARTITION_BOUNDS_SQL = """
SELECT k.relname, pg_get_expr(k.relpartbound, k.oid)
  FROM pg_class k WHERE k.relnamespace = 'public'::regnamespace AND k.relispartition
"""


def upstream_ddl(service: str) -> str:
    return (ROOT / "fixtures" / "upstream" / f"{service}.sql").read_text()


def fixture_ddl(service: str) -> str:
    return (ROOT / "fixtures" / "schema" / f"{service}.sql").read_text()


def scratch_name(service: str, kind: str) -> str:
    return f"test_fidelity_{service}_{kind}{settings.TEST_DB_SUFFIX}"


def catalog(service: str, kind: str, ddl: str, *extra: str) -> dict:
    """Apply `ddl` (then `extra` statements) to a fresh scratch database and read its catalog."""
    name = scratch_name(service, kind)
    with seeding.connect(service, "postgres") as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with seeding.connect(service, name) as conn:
            available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'uuid-ossp'").fetchone()
            if UUID_OSSP in ddl and not available:
                ddl = ddl.replace(UUID_OSSP, UUID_SHIM)
            conn.execute(ddl)
            for statement in extra:
                conn.execute(statement)
            return {
                "column": {(r[0], r[1]): r[2:] for r in conn.execute(COLUMNS_SQL)},
                "enum": dict(conn.execute(ENUMS_SQL).fetchall()),
                "constraint": {(r[0], r[1]): r[2:] for r in conn.execute(CONSTRAINTS_SQL)},
                "index": {(r[0], r[1]): r[2] for r in conn.execute(INDEXES_SQL)},
                "partition key": dict(conn.execute(PARTITIONS_SQL).fetchall()),
                "partition": dict(conn.execute(PARTITION_BOUNDS_SQL).fetchall()),
            }
    finally:
        with seeding.connect(service, "postgres") as server:
            server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def differences(upstream: dict, fixture: dict) -> list[str]:
    out = []
    for section in ("column", "enum", "constraint", "index", "partition key"):
        want, have = upstream[section], fixture[section]
        for key in sorted(want.keys() - have.keys(), key=str):
            out.append(f"{section} {key} is missing from the fixture: {want[key]}")
        for key in sorted(have.keys() - want.keys(), key=str):
            out.append(f"{section} {key} is only in the fixture: {have[key]}")
        for key in sorted(want.keys() & have.keys(), key=str):
            if want[key] != have[key]:
                out.append(f"{section} {key} differs: service {want[key]} / fixture {have[key]}")
    # The fixture may add later months (rows written today need a partition), never drop one.
    for name, bound in upstream["partition"].items():
        if fixture["partition"].get(name) != bound:
            out.append(f"partition {name} {bound} is missing from the fixture")
    return out


@pytest.fixture(scope="module")
def upstream_catalogs(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return {service: catalog(service, "upstream", upstream_ddl(service)) for service in SERVICES}


@pytest.mark.parametrize("service", SERVICES)
def test_fixture_equals_the_service_schema(upstream_catalogs, django_db_blocker, service):
    with django_db_blocker.unblock():
        fixture = catalog(service, "fixture", fixture_ddl(service))
    upstream = upstream_catalogs[service]
    assert upstream["column"], "the service DDL created no tables"
    assert differences(upstream, fixture) == []


def test_upstream_copies_are_marked_verbatim():
    for service in SERVICES:
        first_line = upstream_ddl(service).splitlines()[0]
        assert first_line.startswith(f"-- The {service} service's own DDL"), service


# Each edit, applied after the fixture, is a drift the comparison must name.
DRIFTS = [
    ("xtrack", "ALTER TABLE notification_bind_tokens ADD COLUMN used_at timestamptz", "used_at"),
    ("xtrack", "ALTER TABLE jobs ALTER COLUMN last_run TYPE timestamp", "last_run"),
    ("xtrack", "ALTER TABLE jobs ALTER COLUMN language DROP NOT NULL", "language"),
    ("xtrack", "ALTER TYPE executionstatus ADD VALUE 'CANCELLED'", "executionstatus"),
    ("fleet", "ALTER TABLE hooks ALTER COLUMN performance_score TYPE double precision", "performance_score"),
    ("fleet", "ALTER TABLE proxies ALTER COLUMN ip_reputation_score TYPE numeric(6,2)", "ip_reputation_score"),
    ("fleet", "DROP INDEX idx_health_account_time", "idx_health_account_time"),
    (
        "fleet",
        "ALTER TABLE niche_subreddit_map DROP CONSTRAINT niche_subreddit_map_pkey, "
        "ADD PRIMARY KEY (niche_id, subreddit_name, is_active)",
        "niche_subreddit_map_pkey",
    ),
    ("wrapped", "ALTER TABLE app_jobs ALTER COLUMN payload TYPE jsonb", "payload"),
    ("posters", "ALTER TABLE job_logs ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP", "created_at"),
]


@pytest.mark.parametrize(("service", "statement", "named"), DRIFTS, ids=[d[1][:60] for d in DRIFTS])
def test_a_drifted_fixture_is_caught(upstream_catalogs, django_db_blocker, service, statement, named):
    with django_db_blocker.unblock():
        drifted = catalog(service, "fixture", fixture_ddl(service), statement)
    found = differences(upstream_catalogs[service], drifted)
    assert found and all(named in line for line in found), found


@pytest.mark.parametrize("service", SERVICES)
def test_declared_service_indexes_exist_and_recommended_ones_do_not(service):
    """The indexes declared as the service's own exist; the back office's recommendations are only suggested."""
    from backoffice.health import index_declarations

    with seeding.connect(service) as conn:
        names = {row[0] for row in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    declared = index_declarations(service)
    assert [spec.name for spec in declared if spec.service and spec.name not in names] == []
    assert [spec.name for spec in declared if not spec.service and spec.name in names] == []
