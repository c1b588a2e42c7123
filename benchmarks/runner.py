"""Runs the page catalogue on a dataset, under both index sets, against the stock and tuned admins."""

from __future__ import annotations

import json
import platform
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import connections
from django.test.utils import override_settings
from django.urls import clear_url_caches
from psycopg import sql

from backoffice import health, seeding
from backoffice.source_app import source_config, source_module
from benchmarks import catalogue, growth
from benchmarks.harness import (
    FLAT_FLOOR_MS,
    FLAT_RATIO,
    SEARCH_SPEEDUP,
    TARGETS_MS,
    BenchClient,
    BenchPage,
    Dataset,
    Timing,
    measure,
    time_in_turns,
    warmed_up,
)

# Rows of each generator's largest table at scale 1: the bench sizes every source by that table
# (Wrapped: runs; the others: their biggest table, 5,000 rows at scale 1).
ROWS_PER_SCALE = {"wrapped": 4000}
DEFAULT_ROWS_PER_SCALE = 5000
RUNS_PER_SCALE = ROWS_PER_SCALE["wrapped"]
PAGE_SIZES = (20, 100, 500)
EXPLAIN_TIMEOUT = "15s"


@dataclass
class PageResult:
    page: BenchPage
    ours: Timing
    stock: Timing | None
    tuned: Timing | None = None
    queries_by_size: dict[int, int] = field(default_factory=dict)
    seq_scans: list[str] = field(default_factory=list)
    work: list[growth.QueryWork] = field(default_factory=list)
    # The same page on the small dataset, timed in turns with this one: the pair the time flatness
    # is judged on (two passes minutes apart differ by more than 30 % on a small machine).
    small_ours: Timing | None = None


@dataclass
class Pairing:
    """The small dataset to time each page on, in turns with its large-dataset samples."""

    dbnames: dict[str, str]
    samples: dict
    dataset: Dataset = field(init=False)

    def __post_init__(self):
        self.dataset = Dataset(self.dbnames)


def bench_database(alias: str, runs: int) -> str:
    return f"bench_{alias}_{runs}{settings.TEST_DB_SUFFIX}"


def bench_sources(chosen: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The configured sources that declare a demo generator (of `chosen`, when given)."""
    return tuple(
        a
        for a in settings.CONFIGURED_SOURCES
        if source_module(a, "demo_data") is not None and (chosen is None or a in chosen)
    )


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


@contextmanager
def pointed_all(dbnames: dict[str, str]):
    with ExitStack() as stack:
        for alias, dbname in dbnames.items():
            stack.enter_context(pointed_at(alias, dbname))
        yield


def prepare(alias: str, runs: int, log) -> str:
    """Build (or reuse) the bench database of `alias` sized for `runs` rows; returns its name."""
    dbname = bench_database(alias, runs)
    fingerprint = data_fingerprint(alias)
    with seeding.connect(alias, "postgres") as server:
        comment = server.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [dbname]
        ).fetchone()
    stale = comment is not None and comment[0] != fingerprint
    if stale:
        log(f"{dbname} was built from another schema or generator: rebuilt")
    built = seeding.build_database(alias, dbname, drop=stale)
    with seeding.connect(alias, "postgres") as server:
        server.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(dbname), sql.Literal(fingerprint)))
    from backoffice.demo.loader import has_rows

    with seeding.connect(alias, dbname) as conn:
        if built or not has_rows(conn):
            generator = source_module(alias, "demo_data")
            scale = runs / ROWS_PER_SCALE.get(alias, DEFAULT_ROWS_PER_SCALE)
            log(f"generating {alias} at scale {scale:g} into {dbname} (reused on the next run) …")
            started = datetime.now()
            counts = generator.generate(conn, scale=scale)
            conn.execute("ANALYZE")
            log(f"  {counts} in {(datetime.now() - started).total_seconds():.0f} s")
    return dbname


def data_fingerprint(alias: str) -> str:
    """What a bench database was made from: the source's schema file and its demo generator."""
    import hashlib
    import inspect

    from backoffice.sources import get_source

    digest = hashlib.sha256(get_source(alias).schema_file.read_bytes())
    digest.update(inspect.getsource(source_module(alias, "demo_data")).encode())
    return f"bench data {digest.hexdigest()[:16]}"


def prepare_all(runs: int, log, chosen: tuple[str, ...] | None = None) -> dict[str, str]:
    """Build or reuse the bench databases of the chosen sources only: 10M of every source outgrows a disk."""
    return {alias: prepare(alias, runs, log) for alias in bench_sources(chosen)}


def recommended_indexes(alias: str) -> list[tuple[str, str, str]]:
    """(table, columns, name) of each index the source's AppConfig recommends."""
    config = source_config(alias)
    return [(table, columns, name) for table, columns, name, *_pages in (config.recommended_indexes if config else [])]


def create_index_sql(table: str, columns: str, name: str) -> str:
    """CREATE INDEX IF NOT EXISTS (not CONCURRENTLY: the bench database has no other user)."""
    return health.suggestion(table, columns, name).replace(" CONCURRENTLY", "", 1)


def set_indexes(alias: str, recommended: bool, log) -> None:
    with seeding.connect(alias) as conn:
        # An index an earlier declaration recommended (renamed or replaced since) is not part of
        # either set: the planner would otherwise read it and the run would measure a stale set.
        declared = {name for _table, _columns, name in recommended_indexes(alias)}
        stale = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'bo\\_%%'"
        ).fetchall()
        for (name,) in stale:
            if name not in declared:
                conn.execute(f'DROP INDEX IF EXISTS "{name}"')
        for table, columns, name in recommended_indexes(alias):
            if recommended:
                conn.execute(create_index_sql(table, columns, name))
            else:
                conn.execute(f"DROP INDEX IF EXISTS {name}")
        # As autovacuum keeps a live table: statistics and a current visibility map.
        conn.execute("VACUUM ANALYZE")
    log(f"  {alias}: index set {'(b) service + recommended' if recommended else '(a) service only'}")


def table_sizes(alias: str) -> dict[str, int]:
    with seeding.connect(alias) as conn:
        rows = conn.execute(
            "SELECT relname, reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY reltuples DESC"
        ).fetchall()
    return {name: max(0, int(n)) for name, n in rows}


class Explainer:
    """EXPLAIN (ANALYZE, BUFFERS) of captured queries, on one privileged connection per source."""

    def __init__(self):
        self.conns = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for conn in self.conns.values():
            conn.close()

    def work(self, alias: str, sql: str) -> growth.QueryWork | None:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            return None  # BEGIN, SET LOCAL, SAVEPOINT ... around a budgeted count
        conn = self.conns.get(alias)
        if conn is None:
            conn = self.conns[alias] = seeding.connect(alias)
            conn.execute(f"SET statement_timeout = '{EXPLAIN_TIMEOUT}'")
        try:
            plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}").fetchone()[0]
        except Exception as exc:  # a query that cannot be re-planned verbatim
            return growth.QueryWork(alias, sql, error=str(exc).splitlines()[0])
        return growth.analyse(alias, sql, plan[0])


def seq_scans(work: list[growth.QueryWork], big_tables: dict[str, set[str]]) -> list[str]:
    """Seq Scans that really ran on tables over 100k rows (a branch never entered is no finding,
    nor a capped count's scan that its LIMIT stopped within the growth check's bound: it read no
    more of the table at 1M rows than it would at 10M)."""
    found = []
    for query in work:
        if query.error:
            found.append(f"(could not EXPLAIN: {query.error})")
        for node in query.nodes:
            if node.capped:
                continue
            if node.node_type == "Seq Scan" and node.relation in big_tables.get(query.alias, set()):
                found.append(f"Seq Scan on {node.relation} in: {' '.join(query.sql.split())[:200]}")
    return found


def bench_user():
    from backoffice.management.commands.create_staff import create_staff_user

    return create_staff_user("bench-admin", "admin", "bench-admin-password-1")


def gather_samples(user, sources: tuple[str, ...] | None = None) -> tuple[list[BenchPage], dict]:
    samples = catalogue.declared_samples(seeding.connect, sources)
    samples["poll_since"] = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    pages = catalogue.build(user, samples, sources)
    return pages, samples


def run_pages(
    requests: int,
    log,
    with_stock: bool = True,
    with_tuned: bool = True,
    sources: tuple[str, ...] | None = None,
    only: str | None = None,
    warmup: int = 2,
    page_sizes: tuple[int, ...] = PAGE_SIZES,
    paired_with: Pairing | None = None,
    samples_out: dict | None = None,
) -> list[PageResult]:
    """Time every catalogue page (of `sources`, when given; whose name `only` matches, a regex, when given).

    `paired_with`: also time each page on that dataset, in turns with the large one (PageResult.small_ours).
    `samples_out` receives the sample identifiers the pages were built from.
    """
    import re

    aliases = ("default", *settings.CONFIGURED_SOURCES)
    big_tables = {alias: {t for t, n in table_sizes(alias).items() if n > 100_000} for alias in bench_sources(sources)}
    user = bench_user()
    client = BenchClient()
    client.force_login(user)
    # A baseline that cannot answer (our filter over a plain queryset) is "n/a", not a crash.
    baseline_client = BenchClient(raise_request_exception=False)
    baseline_client.force_login(user)
    results = []
    with override_settings(ROOT_URLCONF="benchmarks.urls"), Explainer() as explainer, catalogue.staged(user):
        clear_url_caches()
        pages, samples = gather_samples(user, sources)
        if samples_out is not None:
            samples_out.update(samples)
        for page in pages:
            if sources is not None and page.source not in sources:
                continue
            if only and not re.search(only, page.name):
                continue
            ours = warmed_up(
                client, page.url(samples), warmup, aliases, cold=page.cold, cached=page.cached, htmx=page.htmx
            )
            contenders = [ours]
            stock = tuned = small = None
            if with_stock and page.baseline:
                # a third as many samples: the stock admin is several times slower, and only the
                # order of magnitude of the ratio to it is read
                baseline_requests = max(min(3, requests), requests // 3)
                stock = warmed_up(
                    baseline_client, page.baseline(samples), min(1, warmup), aliases, requests=baseline_requests
                )
                contenders.append(stock)
            tuned_url = page.tuned_url(samples)
            if with_tuned and tuned_url:
                tuned = warmed_up(baseline_client, tuned_url, min(1, warmup), aliases)
                contenders.append(tuned)
            if paired_with is not None and not ours.timing.error:
                small = _small_twin(client, page, paired_with, warmup, aliases)
                contenders += [small] if small is not None else []
            time_in_turns(contenders, requests)
            result = PageResult(
                page,
                ours.timing,
                stock.timing if stock else None,
                tuned.timing if tuned else None,
                small_ours=small.timing if small and not small.timing.error else None,
            )
            if page.model_admin and page_sizes:
                result.queries_by_size = _queries_by_page_size(client, page, samples, aliases, page_sizes)
            result.work = [w for alias, sql in result.ours.sql if (w := explainer.work(alias, sql)) is not None]
            result.seq_scans = seq_scans(result.work, big_tables)
            results.append(result)
            log(_progress_line(result))
    if paired_with is not None:
        paired_with.dataset.close()
    clear_url_caches()
    return results


def _progress_line(result: PageResult) -> str:
    ours, tuned, stock = result.ours, result.tuned, result.stock
    return (
        f"    {result.page.name[:60]:<60} p50 {ours.p50:7.1f} p95 {ours.p95:7.1f} ms q={ours.queries}"
        + (f"  tuned p95 {tuned.p95:7.1f}" if tuned and tuned.samples_ms else "")
        + (f"  stock p95 {stock.p95:7.1f}" if stock and stock.samples_ms else "")
        + (f"  small p50 {result.small_ours.p50:7.1f}" if result.small_ours else "")
        + (f"  [{ours.error}]" if ours.error else "")
    )


def _small_twin(client, page, pairing: Pairing, warmup, aliases):
    """Ours on the small dataset, ready to be timed in turns with the large one (None when the small
    dataset lacks what the page needs)."""
    try:
        url = page.url(pairing.samples)
    except (KeyError, TypeError):
        return None
    return warmed_up(
        client,
        url,
        warmup,
        aliases,
        cold=page.cold,
        cached=page.cached,
        htmx=page.htmx,
        dataset=pairing.dataset,
    )


def _queries_by_page_size(client, page, samples, aliases, page_sizes) -> dict[int, int]:
    model_admin = admin.site._registry[apps.get_model(page.model_admin)]
    original = model_admin.list_per_page
    counts = {}
    try:
        for size in page_sizes:
            model_admin.list_per_page = size
            client.get(page.url(samples))  # steady state: cached counts and reports are warm
            counts[size] = measure(client, page.url(samples), 0, warmup=0, aliases=aliases).queries
    finally:
        model_admin.list_per_page = original
    return counts


def ratio(ours: Timing, other: Timing | None, attr: str) -> float | None:
    """ours ÷ other at p50 or p95 (≤ 1.0: ours is faster); None without a comparable baseline."""
    if other is None or other.error or not other.samples_ms or not ours.samples_ms:
        return None
    return getattr(ours, attr) / max(getattr(other, attr), 0.01)


# The back office's own admin pages read the same rows at both sizes: how much slower they ran in
# the large pass is the harness's drift (its process and server grew warmer and fuller), not the
# data's, and the flatness of time is judged after dividing by it.
CONTROL_GROUPS = ("list", "filter", "search", "detail", "history")


def small_timing(result: PageResult, small: PageResult | None) -> Timing | None:
    """The page's time on the small dataset: paired with the large one when it was, else from the
    small dataset's own pass."""
    if result.small_ours is not None and result.small_ours.samples_ms:
        return result.small_ours
    return small.ours if small is not None and small.ours.samples_ms else None


def harness_drift(large: list[PageResult], small: dict[str, PageResult]) -> float:
    """Median of large ÷ small p50 over the control pages (1.0 when there are none)."""
    ratios = sorted(
        r.ours.p50 / max(s.p50, 0.01)
        for r in large
        if r.page.source == "backoffice"
        and r.page.group in CONTROL_GROUPS
        and (s := small_timing(r, small.get(r.page.name)))
        and r.ours.samples_ms
    )
    return max(1.0, ratios[len(ratios) // 2]) if ratios else 1.0


def verdicts(result: PageResult, small: PageResult | None, drift: float = 1.0) -> list[str]:
    """What missed its target (empty when everything met it); `drift` from `harness_drift`."""
    misses = []
    target = TARGETS_MS[result.page.kind]
    if result.ours.error:
        misses.append(result.ours.error)
    elif result.ours.p95 > target:
        misses.append(f"p95 {result.ours.p95:.0f} ms > {target:.0f} ms")
    if result.page.group == "declared" and result.page.kind == "search" and result.stock and result.stock.samples_ms:
        speedup = result.stock.p95 / result.ours.p95
        if speedup < SEARCH_SPEEDUP:
            misses.append(f"only {speedup:.0f}x faster than stock (target {SEARCH_SPEEDUP:.0f}x)")
    if len(set(result.queries_by_size.values())) > 1:
        misses.append(f"query count varies with page size {result.queries_by_size}")
    paired = small_timing(result, small)
    if paired and result.ours.p50 > FLAT_RATIO * drift * max(paired.p50, FLAT_FLOOR_MS):
        misses.append(
            f"not flat: p50 {result.ours.p50:.0f} ms vs {paired.p50:.0f} ms on the small set (drift ×{drift:.2f})"
        )
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
                "group": r.page.group,
                "p50": r.ours.p50,
                "p95": r.ours.p95,
                "queries": r.ours.queries,
                "stock_p95": r.stock.p95 if r.stock else None,
                "tuned_p95": r.tuned.p95 if r.tuned else None,
            }
            for r in results
        ],
        indent=1,
    )
