"""What a source's bench module declares: its pages (PAGES) for the benchmark harness (benchmarks/).

The harness discovers each source's bench module through its AppConfig (source_module(alias,
"bench")); a source never imports the harness. The benchmark's catalogue (benchmarks/catalogue.py)
generates every page the admin registry and the URLs name; a source declares only the pages it
cannot derive (a page picked by its data, like the heaviest detail, a combination of filters, a
poll with its parameters) and `samples(conn)`, the identifiers those pages need.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Urls = Callable[[dict], str]


@dataclass(frozen=True)
class BenchPage:
    name: str
    source: str
    url: Urls  # (sample ids) -> our URL
    baseline: Urls | None = None  # (sample ids) -> stock admin URL answering the same question
    kind: str = "list"  # list | search | detail | poll | dashboard: picks the target
    needs: tuple[str, ...] = ()  # recommended indexes (by name) this page relies on
    model_admin: str | None = None  # "app.Model": its list_per_page is varied for the query-count check
    tuned: Urls | None = None  # (sample ids) -> tuned admin URL; derived from `baseline` when None
    group: str = "declared"  # catalogue group: list, filter, search, detail, dashboard, panel, api, ...
    cold: bool = False  # clear the cache before every timed request (panels, stats: measure the query)
    cached: bool = False  # served from the cache by design (a poll): capture its queries warm, not cold
    htmx: bool = False  # a partial that answers only htmx requests (sent with HX-Request: true)

    def tuned_url(self, samples: dict) -> str | None:
        if self.tuned is not None:
            return self.tuned(samples)
        if self.baseline is not None:
            url = self.baseline(samples)
            return url.replace("/stock-admin/", "/tuned-admin/", 1) if url.startswith("/stock-admin/") else None
        return None
