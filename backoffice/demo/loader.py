"""Build every configured source database and fill the empty ones with demo data.

Each source has a generator `backoffice.demo.data.<alias>.generate(conn, scale) -> {table: rows}`
that writes set-based SQL through a privileged (seeding) connection. A source whose tables already
hold rows is left alone, so running the loader again reuses the data.
"""

from __future__ import annotations

import importlib
import sys
import time

from django.conf import settings
from psycopg import sql

from backoffice import seeding


def _out(stdout, message: str) -> None:
    stream = stdout or sys.stdout
    stream.write(message if message.endswith("\n") else message + "\n")
    if hasattr(stream, "flush"):
        stream.flush()


def build_sources(drop: bool = False, stdout=None) -> dict[str, bool]:
    """Create each configured source DB from fixtures/schema; {alias: True when (re)built}."""
    built = {}
    for alias in settings.CONFIGURED_SOURCES:
        dbname = settings.DATABASES[alias]["NAME"]
        built[alias] = seeding.build_database(alias, dbname, drop=drop)
        if stdout is not None:
            _out(stdout, f"  {alias:<11} database {dbname!r} {'built' if built[alias] else 'exists'}")
    return built


def table_names(conn) -> list[str]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1"
    )
    return [row[0] for row in rows]


def has_rows(conn) -> bool:
    """True when any table of the source holds a row (one cheap LIMIT 1 per table)."""
    for table in table_names(conn):
        query = sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier(table))
        if conn.execute(query).fetchone():
            return True
    return False


def _generator(alias: str):
    name = f"backoffice.demo.data.{alias}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:  # the module exists but something it imports is missing: a real error
            raise
        return None


def load_demo_data(scale: float = 1.0, stdout=None) -> dict:
    """Run every configured source's generator on its empty database; return what happened per source.

    {alias: {"status": "loaded" | "kept" | "skipped", "rows": {table: n}, "seconds": s}}
    """
    results: dict[str, dict] = {}
    for alias in settings.CONFIGURED_SOURCES:
        module = _generator(alias)
        if module is None:
            _out(stdout, f"  {alias:<11} no demo generator yet (backoffice/demo/data/{alias}.py): skipped")
            results[alias] = {"status": "skipped", "rows": {}, "seconds": 0.0}
            continue
        with seeding.connect(alias) as conn:
            if has_rows(conn):
                _out(stdout, f"  {alias:<11} already has data: kept (use --rebuild to start over)")
                results[alias] = {"status": "kept", "rows": {}, "seconds": 0.0}
                continue
            _out(stdout, f"  {alias:<11} generating at scale {scale:g} ...")
            started = time.monotonic()
            rows = module.generate(conn, scale) or {}
            generated = time.monotonic() - started
            conn.execute("ANALYZE")
            seconds = time.monotonic() - started
        seeding.dirty_aliases.add(alias)
        summary = ", ".join(f"{table} {count:,}" for table, count in rows.items())
        _out(
            stdout,
            f"  {alias:<11} {sum(rows.values()):,} rows in {generated:.1f}s (+ANALYZE {seconds - generated:.1f}s)",
        )
        if summary:
            _out(stdout, f"  {'':<11} {summary}")
        results[alias] = {"status": "loaded", "rows": rows, "seconds": round(seconds, 2)}
    return results
