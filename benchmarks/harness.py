"""The benchmark harness: times a page (benchmarks/catalogue.py lists them) against its baselines.

A page is a URL on the Backoffice admin and, where one exists, the same question asked of a
stock and a tuned Django admin over the same models (benchmarks/stock_admin.py). All run in this
process, on the same data, in the same run, so the printed ratio is fair. Beside the pages the
catalogue generates, each source's bench module (found through its AppConfig) declares the pages
it alone can name, and the sample identifiers they need.
"""

from __future__ import annotations

import gc
import statistics
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

from django.db import connections
from django.test import Client
from django.test.client import ClientHandler
from django.test.utils import CaptureQueriesContext

from backoffice.bench_pages import BenchPage, Urls
from backoffice.source_app import source_module

__all__ = ["BenchClient", "BenchPage", "Urls", "pages", "samples"]


TARGETS_MS = {"list": 50.0, "search": 50.0, "detail": 150.0, "poll": 20.0, "dashboard": 150.0}
SEARCH_SPEEDUP = 30.0
FLAT_RATIO = 1.3  # p50 on the large set ÷ p50 on the small one (each at least FLAT_FLOOR_MS)
FLAT_FLOOR_MS = 5.0


def pages(alias: str) -> tuple[BenchPage, ...]:
    """The bench pages a source declares (its AppConfig's bench module), none when it has none."""
    module = source_module(alias, "bench")
    return tuple(module.PAGES) if module is not None else ()


def samples(alias: str, connect) -> dict:
    """The identifiers the source's declared pages need (its bench module's samples(conn)), or none."""
    module = source_module(alias, "bench")
    if module is None or not hasattr(module, "samples"):
        return {}
    with connect(alias) as conn:
        return module.samples(conn)


class _StampingHandler(ClientHandler):
    """Notes when the response is ready to send: before its closers, which a WSGI server runs only
    after the last byte (backoffice.snapshots defers refreshing a stale figure there)."""

    ready_at = 0.0

    def get_response(self, request):
        response = super().get_response(request)
        self.ready_at = time.perf_counter()
        return response


class BenchClient(Client):
    """A test client that times a request as its user waits for it: until the response is ready
    to send (a streamed body until its last chunk), without the work deferred past that."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.handler = _StampingHandler(self.handler.enforce_csrf_checks)

    def timed_get(self, url: str, headers: dict) -> float:
        """Milliseconds until `url`'s response was ready (or streamed out)."""
        started = time.perf_counter()
        response = self.get(url, headers=headers)
        if response.streaming:
            for _chunk in response.streaming_content:
                pass
            return (time.perf_counter() - started) * 1000
        return (self.handler.ready_at - started) * 1000


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
    client,
    url: str,
    requests: int,
    warmup: int = 2,
    aliases=("default",),
    cold: bool = False,
    cached: bool = False,
    htmx: bool = False,
) -> Timing:
    """Server time of `requests` GETs of one URL (see `warmed_up` and `time_in_turns`)."""
    contender = warmed_up(client, url, warmup, aliases, cold=cold, cached=cached, htmx=htmx)
    time_in_turns([contender], requests)
    return contender.timing


@dataclass
class Contender:
    """One way of answering a page (ours, a baseline, ours on the other dataset), timed in turns
    with the others: a disturbance of the machine then falls on all of them alike."""

    client: BenchClient
    url: str
    headers: dict
    timing: Timing
    cold: bool = False
    requests: int | None = None  # fewer samples than the others (None: as many)
    dataset: Dataset | None = None  # answered on another dataset (None: the current one)

    def within(self):
        return self.dataset.active() if self.dataset is not None else nullcontext()


def warmed_up(
    client, url: str, warmup: int, aliases, cold: bool = False, cached: bool = False, htmx: bool = False, **kwargs
) -> Contender:
    """Warm `url` up and capture one request's queries, ready to be timed.

    After the warm-up, one request runs with an empty cache and its queries are captured (so the
    EXPLAIN and growth checks see every query the page can run, the cached count included); it is
    not one of the timed samples. `cold` clears the cache before every timed request too; `cached`
    pages (a poll answered from the cache) are captured warm, as they are served. `htmx` sends
    HX-Request (a partial answers only htmx's requests).
    """
    from django.core.cache import cache

    headers = {"HX-Request": "true"} if htmx else {}
    contender = Contender(client, url, headers, Timing(), cold=cold, **kwargs)
    timing = contender.timing
    with contender.within():
        for _ in range(warmup):
            client.get(url, headers=headers)
        contexts = [CaptureQueriesContext(connections[a]) for a in aliases]
        if cached:
            client.get(url, headers=headers)
        else:
            cache.clear()
        for ctx in contexts:
            ctx.__enter__()
        try:
            response = client.get(url, headers=headers)
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
    return contender


def time_in_turns(contenders: list[Contender], requests: int) -> None:
    """`requests` rounds, each timing one request of every contender (fewer for a contender that
    asks for fewer), the order rotated from round to round so no one always goes first. Timed
    one after the other, two contenders minutes apart differed by more than 30 % on this machine."""
    from django.core.cache import cache

    ready = [c for c in contenders if not c.timing.error]
    if not ready:
        return
    # Each one's steady state again: warming another up empties the cache (its captured request
    # runs cold), which would make this one's first sample a cold one.
    for contender in ready:
        with contender.within():
            contender.client.get(contender.url, headers=contender.headers)
    # What the harness holds by now (every earlier page's captured SQL and plans) is left out of
    # the garbage collector's scans: a full collection over it paused a random request by 125-165
    # ms and more as the run went on, ours and the baselines' alike; a server process of its own
    # holds none of it.
    gc.collect()
    gc.freeze()
    for turn in range(requests):
        for contender in ready[turn % len(ready) :] + ready[: turn % len(ready)]:
            if contender.requests is not None and len(contender.timing.samples_ms) >= contender.requests:
                continue
            with contender.within():
                if contender.cold:
                    cache.clear()
                contender.timing.samples_ms.append(contender.client.timed_get(contender.url, contender.headers))


class Dataset:
    """Another dataset's bench databases, with connections and a cache of their own, swapped in for
    one request at a time: timing a page on it between two requests on the current dataset costs
    no reconnection, and no cached figure crosses from one dataset to the other."""

    def __init__(self, dbnames: dict[str, str]):
        from django.core.cache.backends.locmem import LocMemCache

        self.dbnames = dbnames
        self._connections = {}
        self._cache = LocMemCache(f"bench-dataset-{id(self)}", {})

    @contextmanager
    def active(self):
        from django.core.cache import caches

        saved = {alias: connections[alias] for alias in self.dbnames}
        saved_cache = caches["default"]
        for alias, dbname in self.dbnames.items():
            if alias not in self._connections:
                wrapper = connections.create_connection(alias)
                wrapper.settings_dict = {**wrapper.settings_dict, "NAME": dbname}
                self._connections[alias] = wrapper
            connections[alias] = self._connections[alias]
        caches["default"] = self._cache
        try:
            yield
        finally:
            for alias, wrapper in saved.items():
                connections[alias] = wrapper
            caches["default"] = saved_cache

    def close(self) -> None:
        for wrapper in self._connections.values():
            wrapper.close()
        self._connections.clear()
        self._cache.clear()


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
