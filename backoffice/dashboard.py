"""The landing dashboard: one panel per source, each a cached query refreshed by htmx every 5 s.

A source lists its panels in `monitoring/<source>/dashboard.py` as `PANELS`. Each panel's
`compute()` runs one index-friendly query and returns the template context.

Stale-while-revalidate (backoffice.snapshots): a panel's snapshot is fresh for `cache_seconds`.
A poll answers from the snapshot, with its age; once it is stale, the one poll that takes the
panel's lock recomputes it after sending its answer, so no poll waits for a query and twenty
staff watching cost one query per panel per refresh. The dashboard page
itself never queries a source: a panel with no snapshot yet renders as "computing…" and fills
in from its first poll. A panel whose source fails shows as down; the others keep working.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as memoize
from importlib import import_module

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django_htmx.http import HttpResponseStopPolling

from backoffice.snapshots import snapshot
from backoffice.source_app import source_module
from backoffice.sources import get_source

logger = logging.getLogger(__name__)

POLL_SECONDS = 5


@dataclass(frozen=True)
class Panel:
    source: str  # the source alias
    name: str  # unique within the source
    title: str
    template: str  # renders the computed context as the panel's body
    compute: Callable[[], dict]
    cache_seconds: int = 4  # just under the poll interval: every poll sees fresh-enough numbers
    permission: str | None = None  # beyond viewing the source, e.g. "audit.view_actionrecord"
    per_user: bool = False  # computed for the user looking (their own recent actions)

    @property
    def key(self) -> str:
        return f"{self.source}.{self.name}"


@dataclass(frozen=True)
class AtLeast:
    """A count that stopped at its cap: the panel shows "10,000+" (the list behind it counts exactly)."""

    n: int

    def __str__(self) -> str:
        return f"{self.n:,}+"

    def __format__(self, spec: str) -> str:
        return str(self)


def count_text(n: int, cap: int) -> str:
    """A capped count as a page shows it: "1,234", or "10,000+" past the cap."""
    return f"{capped(n, cap):,}"


def capped(n: int, cap: int) -> int | AtLeast:
    """`n` as counted with LIMIT cap + 1: itself up to the cap, AtLeast(cap) beyond it."""
    return AtLeast(cap) if n > cap else n


@memoize
def all_panels() -> tuple[Panel, ...]:
    panels = list(import_module("backoffice.dashboard_panels").PANELS)
    for alias in settings.CONFIGURED_SOURCES:
        module = source_module(alias, "dashboard")
        if module is not None:
            panels.extend(module.PANELS)
    return tuple(panels)


def visible_panels(user) -> list[Panel]:
    return [
        panel
        for panel in all_panels()
        if (panel.source == "backoffice" or user.has_module_perms(panel.source))
        and (panel.permission is None or user.has_perm(panel.permission))
    ]


def _computed(panel: Panel, user) -> dict:
    try:
        return {"data": panel.compute(user) if panel.per_user else panel.compute(), "down": None}
    except DatabaseError as exc:
        logger.warning("dashboard panel %s failed: %s", panel.key, exc)
        first_line = (str(exc.__cause__ or exc).strip().splitlines() or [type(exc).__name__])[0]
        return {"data": None, "down": first_line[:200]}


def panel_state(panel: Panel, user, *, recompute: bool = True) -> dict:
    """The panel's template context: its snapshot (recomputed when stale, see `snapshot`), its age.

    No snapshot yet gives `computing`; a failing source gives a "down" state, not an error.
    """
    key = f"dashboard:{panel.key}" + (f":{user.pk}" if panel.per_user else "")
    state = snapshot(key, panel.cache_seconds, lambda: _computed(panel, user), recompute=recompute)
    source_label = "Back office" if panel.source == "backoffice" else get_source(panel.source).label
    context = {"panel": panel, "source_label": source_label, "poll_seconds": POLL_SECONDS}
    if state is None:
        return {**context, "computing": True, "data": None, "down": None, "computed_at": None}
    age = (timezone.now() - state["computed_at"]).total_seconds()
    return {**context, **state, "computing": False, "age_seconds": int(age), "stale": age >= panel.cache_seconds}


def dashboard_context(request) -> dict:
    """The page shows what is cached and queries no source: each panel's poll brings it up to date."""
    return {"panels": [panel_state(panel, request.user, recompute=False) for panel in visible_panels(request.user)]}


def panel_view(request, source: str, name: str):
    """htmx partial for one panel; 286 (stop polling) once the user may no longer see it.

    A panel is a fragment of the dashboard: a request that is not htmx's (a bookmarked or typed
    URL) is sent to the dashboard itself.
    """
    panel = next((p for p in all_panels() if p.source == source and p.name == name), None)
    if panel is None:
        raise Http404("No such panel")
    if panel not in visible_panels(request.user):
        return HttpResponseStopPolling()
    if not request.htmx:
        return redirect("admin:index")
    state = panel_state(panel, request.user)
    return TemplateResponse(request, "backoffice/dashboard/panel.html", {**state, "polled": True})
