"""Bulk runs: freeze the confirmed targets, then work through them in a background task.

confirm → `freeze()` (one BulkRun, one BulkRunItem per selected row, in the order shown) →
`process_bulk_run` (django-tasks, database backend; worker: `manage.py db_worker`) → per item:
state "sending" and an audit row "sending" *before* the call, then ok / failed / unknown.

A worker that dies mid-call leaves the item "sending": the run page shows it as "unknown — sent,
no answer" once the run's heartbeat is stale, and "Resume" sends it again with the same
Idempotency-Key (derived from the run's confirmation token and the target).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import connection, transaction
from django.utils import timezone

from backoffice.bulk.models import BulkRun, BulkRunItem, ItemState, RunStatus

try:
    from django.tasks import task
except ImportError:  # Django < 6: the backport
    from django_tasks import task

logger = logging.getLogger(__name__)

UNKNOWN_OUTCOMES = ("timeout", "unreachable", "sending")
RESUMABLE_STATES = (ItemState.PENDING, ItemState.SENDING, ItemState.UNKNOWN)


class WorkerUser:
    """The operator who confirmed, as `request.user` for the audit rows written by the worker."""

    def __init__(self, run: BulkRun):
        self._user = run.user
        self.is_authenticated = run.user is not None
        self.pk = run.user_id

    def get_username(self):
        return self._user.get_username() if self._user else ""

    def __getattr__(self, name):
        return getattr(self._user, name)


class WorkerRequest:
    def __init__(self, run: BulkRun):
        self.user = run.user if run.user is not None else WorkerUser(run)


def patience_seconds() -> float:
    """How long a call may take before its silence means "no answer" (timeouts plus a margin)."""
    return float(settings.SOURCE_API_CONNECT_TIMEOUT) + float(settings.SOURCE_API_READ_TIMEOUT) + 5


def is_stalled(run: BulkRun) -> bool:
    """Running, but no sign of life for longer than a call can take: its worker stopped."""
    if run.status != RunStatus.RUNNING:
        return False
    beat = run.heartbeat_at or run.created_at
    return beat < timezone.now() - timedelta(seconds=patience_seconds())


def source_limits(source: str) -> dict:
    limits = getattr(settings, "BULK_SOURCE_LIMITS", {}) or {}
    merged = {"concurrency": 2, "per_second": 5.0, **(limits.get("default") or {}), **(limits.get(source) or {})}
    merged["concurrency"] = max(1, int(merged["concurrency"]))
    merged["per_second"] = max(0.01, float(merged["per_second"]))
    return merged


# -- pacing: at most `concurrency` calls in flight per source (PostgreSQL advisory locks, so across
# every worker process), each slot paced at per_second / concurrency (so the source sees at most
# per_second calls a second) ----------------------------------------------------------------------
_last_call: dict[tuple[str, int], float] = {}
_last_call_lock = threading.Lock()


def _lock_class(source: str) -> int:
    return int.from_bytes(hashlib.sha256(f"bulk:{source}".encode()).digest()[:4], "big", signed=True)


@contextmanager
def source_slot(source: str, *, poll: float = 0.05):
    limits = source_limits(source)
    concurrency, interval = limits["concurrency"], limits["concurrency"] / limits["per_second"]
    key = _lock_class(source)
    slot = None
    with connection.cursor() as cur:
        while slot is None:
            for candidate in range(concurrency):
                cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [key, candidate])
                if cur.fetchone()[0]:
                    slot = candidate
                    break
            else:
                time.sleep(poll)
    try:
        with _last_call_lock:
            wait = _last_call.get((source, slot), 0.0) + interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        with _last_call_lock:
            _last_call[(source, slot)] = time.monotonic()
        yield slot
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s, %s)", [key, slot])


# -- freezing --------------------------------------------------------------------------------------
def freeze(
    action,
    model,
    request,
    rows,
    *,
    token: str,
    reason: str,
    matched_when_looked: int,
    matched_at_confirm: int | None,
    retry_of: BulkRun | None = None,
    plans: dict | None = None,
) -> BulkRun:
    from backoffice.actions import submission_digest

    user = request.user if getattr(request.user, "is_authenticated", False) else None
    with transaction.atomic(using="default"):
        run = BulkRun.objects.create(
            user=user,
            username=user.get_username() if user else "",
            source=action.source,
            action=action.name,
            description=action.description,
            model=model._meta.label_lower,
            reason=reason,
            token=token,
            submission=submission_digest(token),
            matched_when_looked=matched_when_looked,
            matched_at_confirm=matched_at_confirm,
            retry_of=retry_of,
        )
        BulkRunItem.objects.bulk_create(
            BulkRunItem(
                run=run,
                position=index,
                target_pk=str(row.pk),
                target_key=action.row_key(row)[:200],
                label=str(action.row_label(row))[:300],
                plan=(plans or {}).get(str(row.pk)) or {},
            )
            for index, row in enumerate(rows)
        )
        transaction.on_commit(lambda: enqueue(run), using="default")
    return run


def enqueue(run: BulkRun) -> None:
    result = process_bulk_run.enqueue(run.pk)
    BulkRun.objects.filter(pk=run.pk).update(task_id=str(result.id))


def find_action(run: BulkRun):
    """The SourceAction a run was confirmed for, from the admin of its target model."""
    model = apps.get_model(run.model)
    model_admin = admin.site._registry.get(model)
    for item in getattr(model_admin, "actions", None) or ():
        func = item if callable(item) else getattr(model_admin, item, None)
        action = getattr(func, "source_action", None)
        if action is not None and action.name == run.action:
            return model, action
    from backoffice.bulk.registry import extra_actions

    action = extra_actions().get((run.model, run.action))
    if action is None:
        raise LookupError(f"no action {run.action!r} on {run.model}")
    return model, action


# -- the background task ---------------------------------------------------------------------------
@task()
def process_bulk_run(run_id: int) -> dict:
    return work(run_id)


def claim(run_id: int) -> BulkRun | None:
    with transaction.atomic(using="default"):
        run = BulkRun.objects.select_for_update(of=("self",)).select_related("user").filter(pk=run_id).first()
        if run is None or run.status in (RunStatus.DONE, RunStatus.CANCELLED):
            return None
        if run.status == RunStatus.RUNNING and not is_stalled(run):
            return None  # another worker has it
        run.status = RunStatus.RUNNING
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["status", "heartbeat_at"])
    return run


def work(run_id: int) -> dict:
    """Work through a run's pending (and unknown) items; returns the counts by state."""
    from backoffice.actions import CallContext

    run = claim(run_id)
    if run is None:
        return {}
    model, action = find_action(run)
    request = WorkerRequest(run)
    items = list(run.items.filter(state__in=RESUMABLE_STATES).order_by("position"))
    rows = {str(r.pk): r for r in model._default_manager.filter(pk__in=[i.target_pk for i in items])}
    for item in items:
        if BulkRun.objects.filter(pk=run.pk, cancel_requested=True).exists():
            run.items.filter(state=ItemState.PENDING).update(state=ItemState.CANCELLED, updated_at=timezone.now())
            finish(run, RunStatus.CANCELLED)
            return counts(run)
        row = rows.get(item.target_pk)
        if row is None:
            set_state(item, ItemState.FAILED, message="the row no longer exists")
            continue
        row.bulk_plan = item.plan  # what was confirmed for this row, for the action's plan()
        skip = action.skip_reason(row)
        if skip:
            set_state(item, ItemState.SKIPPED, message=skip)
            continue
        item.attempts += 1
        set_state(item, ItemState.SENDING)
        BulkRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
        ctx = CallContext(request, action, run.token, reason=run.reason)
        try:
            with source_slot(run.source):
                outcome = action.execute(ctx, row)
        except Exception as exc:  # one row's bug must not stop the others
            logger.exception("bulk run %s failed on %s", run.pk, item.target_key)
            set_state(item, ItemState.FAILED, message=f"internal error ({type(exc).__name__})")
            continue
        last = ctx.results[-1] if ctx.results else None
        if outcome.ok:
            state = ItemState.OK
        elif last is not None and last.outcome in UNKNOWN_OUTCOMES:
            state = ItemState.UNKNOWN
        else:
            state = ItemState.FAILED
        set_state(
            item,
            state,
            outcome=last.outcome if last else "",
            http_status=last.http_status if last else None,
            message=outcome.reason or (last.message if last else ""),
            response_excerpt=last.response_excerpt if last else "",
        )
        BulkRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
    finish(run, RunStatus.DONE)
    return counts(run)


def set_state(item: BulkRunItem, state: str, **values) -> None:
    item.state = state
    for name, value in values.items():
        setattr(item, name, value if value is not None or name == "http_status" else "")
    item.save()


def finish(run: BulkRun, status: str) -> None:
    BulkRun.objects.filter(pk=run.pk).update(status=status, finished_at=timezone.now(), heartbeat_at=timezone.now())


def counts(run: BulkRun) -> dict:
    from django.db.models import Count

    found = dict(run.items.values_list("state").annotate(n=Count("id")).order_by())
    return {state: found.get(state, 0) for state in ItemState.values}


# -- operator controls -----------------------------------------------------------------------------
def cancel(run: BulkRun) -> None:
    """Stop after the call in flight; a queued run's items are cancelled at once."""
    with transaction.atomic(using="default"):
        run = BulkRun.objects.select_for_update().get(pk=run.pk)
        run.cancel_requested = True
        run.save(update_fields=["cancel_requested"])
        if run.status == RunStatus.QUEUED or is_stalled(run):
            run.items.filter(state=ItemState.PENDING).update(state=ItemState.CANCELLED, updated_at=timezone.now())
            run.items.filter(state=ItemState.SENDING).update(state=ItemState.UNKNOWN, updated_at=timezone.now())
            finish(run, RunStatus.CANCELLED)


def resume(run: BulkRun) -> bool:
    """Send again what has no known outcome (left "sending" or unknown), with the same keys."""
    with transaction.atomic(using="default"):
        run = BulkRun.objects.select_for_update().get(pk=run.pk)
        if run.status == RunStatus.RUNNING and not is_stalled(run):
            return False
        if not run.items.filter(state__in=RESUMABLE_STATES).exists():
            return False
        run.items.filter(state=ItemState.CANCELLED).update(state=ItemState.PENDING, updated_at=timezone.now())
        run.status = RunStatus.QUEUED
        run.cancel_requested = False
        run.finished_at = None
        run.save(update_fields=["status", "cancel_requested", "finished_at"])
        transaction.on_commit(lambda: enqueue(run), using="default")
    return True
