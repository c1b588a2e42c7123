"""Build every configured source database and fill the empty ones with demo data.

Each source declares a generator (its AppConfig's demo_data module, e.g. monitoring/<alias>/demo_data.py):
`generate(conn, scale) -> {table: rows}`
that writes set-based SQL through a privileged (seeding) connection. A source whose tables already
hold rows is left alone, so running the loader again reuses the data.
"""

from __future__ import annotations

import sys
import time

from django.conf import settings
from psycopg import sql

from backoffice import seeding
from backoffice.source_app import source_module


def _out(stdout, message: str) -> None:
    stream = stdout or sys.stdout
    stream.write(message if message.endswith("\n") else message + "\n")
    if hasattr(stream, "flush"):
        stream.flush()


CONFIRM_FLAG = "--i-mean-it"


def add_confirm_argument(parser) -> None:
    parser.add_argument(
        CONFIRM_FLAG,
        dest="i_mean_it",
        action="append",
        default=[],
        metavar="ALIAS",
        help="outside the embedded PostgreSQL, name each database to write (repeat it: default, wrapped, ...)",
    )


def refuse_unnamed_targets(targets, named) -> None:
    """Demo data goes to the embedded PostgreSQL only, unless every other target is named.

    Raises CommandError naming the databases that would be written without being named.
    """
    from django.core.management.base import CommandError

    if settings.EMBEDDED:
        return
    missing = [alias for alias in targets if alias not in set(named)]
    if missing:
        flags = " ".join(f"{CONFIRM_FLAG}={alias}" for alias in missing)
        raise CommandError(
            "Refusing to write demo data outside the embedded PostgreSQL: database URLs are set, and "
            f"{', '.join(missing)} would be written. If that is really what you want, add: {flags}"
        )


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
    return source_module(alias, "demo_data")


def load_demo_data(scale: float = 1.0, stdout=None) -> dict:
    """Run every configured source's generator on its empty database; return what happened per source.

    {alias: {"status": "loaded" | "kept" | "skipped", "rows": {table: n}, "seconds": s}}
    """
    results: dict[str, dict] = {}
    for alias in settings.CONFIGURED_SOURCES:
        module = _generator(alias)
        if module is None:
            _out(stdout, f"  {alias:<11} no demo generator declared (demo_data on its AppConfig): skipped")
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
        summary = ", ".join(f"{table} {count:,}" for table, count in rows.items())
        _out(
            stdout,
            f"  {alias:<11} {sum(rows.values()):,} rows in {generated:.1f}s (+ANALYZE {seconds - generated:.1f}s)",
        )
        if summary:
            _out(stdout, f"  {'':<11} {summary}")
        results[alias] = {"status": "loaded", "rows": rows, "seconds": round(seconds, 2)}
    return results
