"""The benchmark harness: each source's bench module declares pages; the runner times them against stock admin.

A page is a URL on the Backoffice admin and, where one exists, the same question asked of a
stock Django admin over the same models (benchmarks/stock_admin.py). Both run in this process,
on the same data, in the same run, so the printed ratio is fair.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

from django.db import connections
from django.test.utils import CaptureQueriesContext

from backoffice.bench_pages import BenchPage, Urls
from backoffice.source_app import source_module

__all__ = ["BenchPage", "Urls", "pages"]


TARGETS_MS = {"list": 80.0, "search": 80.0, "detail": 300.0, "poll": 20.0}
SEARCH_SPEEDUP = 30.0
FLAT_RATIO = 1.5


def pages(alias: str) -> tuple[BenchPage, ...]:
    """The bench pages a source declares (its AppConfig's bench module), none when it has none."""
    module = source_module(alias, "bench")
    return tuple(module.PAGES) if module is not None else ()


@dataclass
class Timing:
    samples_ms: list[float] = field(default_factory=list)
    queries: int = 0
    status: int = 0
    error: str = ""
    sql: list[str] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms) if self.samples_ms else float("nan")

    @property
    def p95(self) -> float:
        if not self.samples_ms:
            return float("nan")
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(client, url: str, requests: int, warmup: int = 2, aliases=("default",)) -> Timing:
    """Server time of `requests` GETs (in-process: the whole Django request, no network)."""
    timing = Timing()
    for _ in range(warmup):
        client.get(url)
    contexts = [CaptureQueriesContext(connections[a]) for a in aliases]
    for ctx in contexts:
        ctx.__enter__()
    try:
        started = time.perf_counter()
        response = client.get(url)
        timing.samples_ms.append((time.perf_counter() - started) * 1000)
    finally:
        for ctx in contexts:
            ctx.__exit__(None, None, None)
    timing.status = response.status_code
    timing.queries = sum(len(ctx) for ctx in contexts)
    timing.sql = [q["sql"] for ctx, alias in zip(contexts, aliases, strict=True) if alias != "default" for q in ctx]
    if response.status_code != 200:
        timing.error = _error_text(response)
        return timing
    for _ in range(requests - 1):
        started = time.perf_counter()
        client.get(url)
        timing.samples_ms.append((time.perf_counter() - started) * 1000)
    return timing


def _error_text(response) -> str:
    text = response.content.decode(errors="replace")
    if "took too long" in text:
        return "statement timeout (clear message shown)"
    return f"HTTP {response.status_code}"
