"""Runs the registered pages on a large dataset, under both index sets, against stock admin."""

from __future__ import annotations

import json
import platform
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import connections
from django.test import Client
from django.test.utils import override_settings
from django.urls import clear_url_caches

from backoffice import seeding
from backoffice.source_app import source_config, source_module
from benchmarks.harness import FLAT_RATIO, SEARCH_SPEEDUP, TARGETS_MS, BenchPage, Timing, measure, pages

RUNS_PER_SCALE = 4000  # the Wrapped generator makes ~4,000 runs at scale 1
PAGE_SIZES = (20, 100, 500)


@dataclass
class PageResult:
    page: BenchPage
    ours: Timing
    stock: Timing | None
    queries_by_size: dict[int, int] = field(default_factory=dict)
    seq_scans: list[str] = field(default_factory=list)


def bench_database(alias: str, runs: int) -> str:
    return f"bench_{alias}_{runs}{settings.TEST_DB_SUFFIX}"


@contextmanager
def pointed_at(alias: str, dbname: str):
    """Point the source alias at the bench database for the duration."""
    original = connections[alias].settings_dict["NAME"]
    connections[alias].close()
    connections[alias].settings_dict["NAME"] = dbname
    try:
        yield
    finally:
        connections[alias].close()
        connections[alias].settings_dict["NAME"] = original


def prepare(alias: str, runs: int, log) -> str:
    """Build (or reuse) the bench database for `runs` runs; returns its name."""
    dbname = bench_database(alias, runs)
    built = seeding.build_database(alias, dbname)
    with seeding.connect(alias, dbname) as conn:
        empty = conn.execute("SELECT NOT EXISTS (SELECT 1 FROM app_wrapped_runs)").fetchone()[0]
        if built or empty:
            log(f"generating {runs:,} runs into {dbname} (reused on the next run) …")
            generator = source_module(alias, "demo_data")
            started = datetime.now()
            counts = generator.generate(conn, scale=runs / RUNS_PER_SCALE, big_payloads=2)
            conn.execute("ANALYZE")
            log(f"  {counts} in {(datetime.now() - started).total_seconds():.0f} s")
    return dbname


def set_indexes(alias: str, recommended: bool, log) -> None:
    config = source_config(alias)
    with seeding.connect(alias) as conn:
        for table, columns, name, *_pages in config.recommended_indexes if config else []:
            if recommended:
                conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")
            else:
                conn.execute(f"DROP INDEX IF EXISTS {name}")
        # As autovacuum keeps a live table: statistics and a current visibility map.
        conn.execute("VACUUM ANALYZE")
    log(f"  index set {'(b) service + recommended' if recommended else '(a) service only'}")


def table_sizes(alias: str) -> dict[str, int]:
    with seeding.connect(alias) as conn:
        rows = conn.execute(
            "SELECT relname, reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY reltuples DESC"
        ).fetchall()
    return {name: max(0, int(n)) for name, n in rows}


def explain_seq_scans(alias: str, sql_list: list[str], big_tables: set[str]) -> list[str]:
    """Seq Scans that really ran on tables over 100k rows, in the plans of a page's source queries.

    EXPLAIN ANALYZE (the page's queries are read-only SELECTs): a branch the executor never
    entered, such as the exact count behind a planner estimate, is not a finding.
    """
    found = []
    with seeding.connect(alias) as conn:
        for sql in sql_list:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue  # BEGIN, SET LOCAL, SAVEPOINT ... around a budgeted count
            try:
                plan = conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}").fetchone()[0]
            except Exception as exc:  # a query that cannot be re-planned verbatim
                found.append(f"(could not EXPLAIN: {str(exc).splitlines()[0]})")
                continue
            for node in _nodes(plan[0]["Plan"]):
                ran = node.get("Actual Loops", 1) > 0
                if ran and node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in big_tables:
                    found.append(f"Seq Scan on {node['Relation Name']} in: {' '.join(sql.split())[:200]}")
    return found


def _nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def bench_user():
    from backoffice.management.commands.create_staff import create_staff_user

    return create_staff_user("bench-admin", "admin", "bench-admin-password-1")


def run_pages(alias: str, requests: int, log, with_stock: bool = True) -> list[PageResult]:
    sample_module = source_module(alias, "bench")
    with seeding.connect(alias) as conn:
        samples = sample_module.samples(conn)
    samples["poll_since"] = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    sizes = table_sizes(alias)
    big_tables = {t for t, n in sizes.items() if n > 100_000}
    client = Client()
    client.force_login(bench_user())
    results = []
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        clear_url_caches()
        for page in pages(alias):
            ours = measure(client, page.url(samples), requests, aliases=("default", alias))
            stock = None
            if with_stock and page.baseline:
                stock = measure(
                    client, page.baseline(samples), max(3, requests // 3), warmup=1, aliases=("default", alias)
                )
            result = PageResult(page, ours, stock)
            if page.model_admin:
                result.queries_by_size = _queries_by_page_size(client, page, samples, alias)
            result.seq_scans = explain_seq_scans(alias, ours.sql, big_tables)
            results.append(result)
            log(
                f"    {page.name:<34} p50 {ours.p50:7.1f} ms  p95 {ours.p95:7.1f} ms  q={ours.queries}"
                + (f"  stock p95 {stock.p95:8.1f} ms" if stock and stock.samples_ms else "")
                + (f"  [{ours.error}]" if ours.error else "")
            )
    clear_url_caches()
    return results


def _queries_by_page_size(client, page, samples, alias) -> dict[int, int]:
    model_admin = admin.site._registry[apps.get_model(page.model_admin)]
    original = model_admin.list_per_page
    counts = {}
    try:
        for size in PAGE_SIZES:
            model_admin.list_per_page = size
            client.get(page.url(samples))  # steady state: cached counts and reports are warm
            counts[size] = measure(client, page.url(samples), 1, warmup=0, aliases=("default", alias)).queries
    finally:
        model_admin.list_per_page = original
    return counts


def verdicts(result: PageResult, small: PageResult | None) -> list[str]:
    """What missed its target (empty when everything met it)."""
    misses = []
    target = TARGETS_MS[result.page.kind]
    if result.ours.error:
        misses.append(result.ours.error)
    elif result.ours.p95 > target:
        misses.append(f"p95 {result.ours.p95:.0f} ms > {target:.0f} ms")
    if result.page.kind == "search" and result.stock and result.stock.samples_ms:
        speedup = result.stock.p95 / result.ours.p95
        if speedup < SEARCH_SPEEDUP:
            misses.append(f"only {speedup:.0f}x faster than stock (target {SEARCH_SPEEDUP:.0f}x)")
    if len(set(result.queries_by_size.values())) > 1:
        misses.append(f"query count varies with page size {result.queries_by_size}")
    if small and small.ours.p95 and result.ours.p95 > FLAT_RATIO * max(small.ours.p95, 5.0):
        misses.append(f"not flat: p95 {result.ours.p95:.0f} ms vs {small.ours.p95:.0f} ms on the small set")
    if result.seq_scans:
        misses.append(f"{len(result.seq_scans)} Seq Scan(s) on big tables")
    return misses


def machine_line() -> str:
    import os

    with connections["default"].cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL {version}, Django {__import__('django').get_version()}"
    )


def to_json(results: list[PageResult]) -> str:
    return json.dumps(
        [
            {
                "page": r.page.name,
                "p50": r.ours.p50,
                "p95": r.ours.p95,
                "queries": r.ours.queries,
                "stock_p95": r.stock.p95 if r.stock else None,
            }
            for r in results
        ],
        indent=1,
    )
