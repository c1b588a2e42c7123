"""The benchmark harness: consoles register pages; the runner times them against stock admin.

A page is a URL on the Backoffice admin and, where one exists, the same question asked of a
stock Django admin over the same models (benchmarks/stock_admin.py). Both run in this process,
on the same data, in the same run, so the printed ratio is fair.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connections
from django.test.utils import CaptureQueriesContext

Urls = Callable[[dict], str]


@dataclass(frozen=True)
class BenchPage:
    name: str
    source: str
    url: Urls  # (sample ids) -> our URL
    baseline: Urls | None = None  # (sample ids) -> stock admin URL answering the same question
    kind: str = "list"  # list | search | detail | poll: picks the target
    needs: tuple[str, ...] = ()  # recommended indexes (by name) this page relies on
    model_admin: str | None = None  # "app.Model": its list_per_page is varied for the query-count check
    tuned: Urls | None = None  # (sample ids) -> tuned admin URL; derived from `baseline` when None
    group: str = "extra"  # catalogue group: list, filter, search, detail, dashboard, panel, api, find, ...
    cold: bool = False  # clear the cache before every timed request (panels, stats: measure the query)
    cached: bool = False  # served from the cache by design (a poll): capture its queries warm, not cold

    def tuned_url(self, samples: dict) -> str | None:
        if self.tuned is not None:
            return self.tuned(samples)
        if self.baseline is not None:
            url = self.baseline(samples)
            return url.replace("/stock-admin/", "/tuned-admin/", 1) if url.startswith("/stock-admin/") else None
        return None


TARGETS_MS = {"list": 80.0, "search": 80.0, "detail": 300.0, "poll": 20.0, "dashboard": 150.0}
SEARCH_SPEEDUP = 30.0
FLAT_RATIO = 1.5

REGISTRY: list[BenchPage] = []


def register(*pages: BenchPage) -> None:
    REGISTRY.extend(pages)


@dataclass
class Timing:
    samples_ms: list[float] = field(default_factory=list)
    queries: int = 0
    status: int = 0
    error: str = ""
    sql: list[tuple[str, str]] = field(default_factory=list)  # (alias, SQL) of the captured request

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms) if self.samples_ms else float("nan")

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 0.95)


def measure(
    client, url: str, requests: int, warmup: int = 2, aliases=("default",), cold: bool = False, cached: bool = False
) -> Timing:
    """Server time of `requests` GETs (in-process: the whole Django request, no network).

    After the warm-up, one request runs with an empty cache and its queries are captured (so the
    EXPLAIN and growth checks see every query the page can run, the cached count included); it is
    not one of the timed samples. `cold` clears the cache before every timed request too; `cached`
    pages (a poll answered from the cache) are captured warm, as they are served.
    """
    from django.core.cache import cache

    timing = Timing()
    for _ in range(warmup):
        client.get(url)
    contexts = [CaptureQueriesContext(connections[a]) for a in aliases]
    if cached:
        client.get(url)
    else:
        cache.clear()
    for ctx in contexts:
        ctx.__enter__()
    try:
        response = client.get(url)
    finally:
        for ctx in contexts:
            ctx.__exit__(None, None, None)
    timing.status = response.status_code
    timing.queries = sum(len(ctx) for ctx in contexts)
    timing.sql = [
        (alias, q["sql"]) for ctx, alias in zip(contexts, aliases, strict=True) if alias != "default" for q in ctx
    ]
    if response.status_code != 200:
        timing.error = _error_text(response)
        return timing
    client.get(url)  # the cache warm again, as a steady state
    for _ in range(requests):
        if cold:
            cache.clear()
        started = time.perf_counter()
        client.get(url)
        timing.samples_ms.append((time.perf_counter() - started) * 1000)
    return timing


def percentile(samples: list[float], share: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _error_text(response) -> str:
    text = response.content.decode(errors="replace")
    if "took too long" in text:
        return "statement timeout (clear message shown)"
    return f"HTTP {response.status_code}"
