"""What a source's bench module declares: its pages (PAGES) for the benchmark harness (benchmarks/).

The harness discovers each source's bench module through its AppConfig (source_module(alias,
"bench")); a source never imports the harness.
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
    kind: str = "list"  # list | search | detail | poll: picks the target
    needs: tuple[str, ...] = ()  # recommended indexes (by name) this page relies on
    model_admin: str | None = None  # "app.Model": its list_per_page is varied for the query-count check
