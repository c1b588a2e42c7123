"""Drifted copies of source databases for tests: the service's schema with changes applied.

    with drifted_databases({"wrapped": ["ALTER TABLE …", …]}, django_db_blocker, tag="drift"):
        ...  # the "wrapped" alias now reads test_<tag>_wrapped<TEST_DB_SUFFIX>

Each copy is built from fixtures/schema/<source>.sql (backoffice.seeding.build_database: CREATE
DATABASE through the privileged connection, the DDL, then lock_down: no TEMP, no CREATE on
public; the reader role reads it through pg_read_all_data). The drift is applied through the
privileged connection, then the normal Django alias is pointed at the copy (close the connection,
swap settings_dict["NAME"]), so pages read it through their ordinary SELECT-only alias. Use it
from a module- or class-scoped fixture: it must run before the per-test transactions open. On
exit the aliases are restored and the copies dropped.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from psycopg import sql

from tests import seeding


def drift_db_name(alias: str, tag: str = "drift") -> str:
    return f"test_{tag}_{alias}{settings.TEST_DB_SUFFIX}"


@contextmanager
def drifted_databases(drifts: dict[str, list[str]], django_db_blocker, tag: str = "drift"):
    restore = {}
    try:
        with django_db_blocker.unblock():
            for alias, statements in drifts.items():
                name = drift_db_name(alias, tag)
                seeding.build_database(alias, name, drop=True)
                with seeding.connect(alias, name) as conn:
                    for statement in statements:
                        conn.execute(statement)
                restore[alias] = connections[alias].settings_dict["NAME"]
                connections[alias].close()
                connections[alias].settings_dict["NAME"] = name
        cache.clear()
        yield {alias: drift_db_name(alias, tag) for alias in drifts}
    finally:
        cache.clear()
        with django_db_blocker.unblock():
            for alias, original in restore.items():
                name = drift_db_name(alias, tag)
                connections[alias].close()
                connections[alias].settings_dict["NAME"] = original
                cached = getattr(seeding._local, "connections", {}).pop((alias, name), None)
                if cached is not None:
                    cached.close()
                with seeding.connect(alias, "postgres") as server:
                    server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
