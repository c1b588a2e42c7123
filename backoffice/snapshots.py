"""Cached figures served stale while one request refreshes them after its response.

A figure that takes a query to work out (a dashboard panel, a list's capped count, a source's
health report, the stats API's answers) is kept as a snapshot: fresh for `max_age` seconds, then
still served, with its age, while the one request that takes the snapshot's lock recomputes it
once its response is sent. So no request waits for a refresh: the periodic recount that used to
land on one unlucky page view every 30 s now runs after that view's last byte.

`AfterResponseMiddleware` gives each request a queue for that work. The WSGI server closes a
response after its last byte (gunicorn's sync worker and Django's test client alike) and Django
runs the response's closers then; the queue is handed to them. Outside a request (a management
command, a test calling a function directly) there is no queue and a stale snapshot is
recomputed at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta
from typing import TypeVar

from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

KEEP_SECONDS = 15 * 60  # a stale snapshot is still served, with its age, this long
LOCK_SECONDS = 60  # a recomputation that died holds its snapshot's lock at most this long

T = TypeVar("T")

_after_response: ContextVar[list[Callable[[], None]] | None] = ContextVar("after_response", default=None)


class AfterResponseMiddleware:
    """Runs the work a request queued (`after_response`) once its response has been sent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        work: list[Callable[[], None]] = []
        token = _after_response.set(work)
        try:
            response = self.get_response(request)
        finally:
            _after_response.reset(token)
        response._resource_closers.extend(work)
        return response


def after_response(work: Callable[[], None]) -> bool:
    """Queue `work` to run once the current response is sent; False outside a request."""
    queue = _after_response.get()
    if queue is None:
        return False
    queue.append(work)
    return True


def snapshot(key: str, max_age: float, compute: Callable[[], dict], *, recompute: bool = True) -> dict | None:
    """The cached snapshot under `key` ({..., "computed_at"}), recomputed once it is older than `max_age`.

    Only the caller that takes the key's lock (cache.add: atomic) recomputes; the others get the
    stale snapshot, or None when there is none yet. Inside a request the lock holder answers from
    the stale snapshot too and recomputes after its response; with no snapshot at all it computes
    now. `recompute=False` only reads.
    """
    state = cache.get(key)
    if state is not None and timezone.now() - state["computed_at"] < timedelta(seconds=max_age):
        return state
    if not recompute or not cache.add(f"{key}:lock", True, LOCK_SECONDS):
        return state
    if state is not None and after_response(lambda: _refresh(key, compute, quiet=True)):
        return state
    return _refresh(key, compute)


def cached_value(key: str, max_age: float, compute: Callable[[], T]) -> T:
    """compute()'s value through a snapshot (see `snapshot`); computed now when none can be served."""
    state = snapshot(key, max_age, lambda: {"value": compute()})
    return compute() if state is None else state["value"]


def _refresh(key: str, compute: Callable[[], dict], *, quiet: bool = False) -> dict | None:
    try:
        state = {**compute(), "computed_at": timezone.now()}
        cache.set(key, state, KEEP_SECONDS)
        return state
    except Exception as exc:
        if not quiet:
            raise
        # after the response nobody is waiting for it: the next stale request tries again
        logger.warning("recomputing %s failed: %s", key, exc)
        return None
    finally:
        cache.delete(f"{key}:lock")
