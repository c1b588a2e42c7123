"""Wrapped panels of the landing dashboard: each one grouped query over a bounded window."""

from __future__ import annotations

from datetime import timedelta

from django.db import connections
from django.utils import timezone

from backoffice.charts import chart, hourly_labels, series_by_bucket
from backoffice.dashboard import Panel, capped
from backoffice.estimates import bounds, figure, limited
from monitoring.wrapped import expressions, queries
from monitoring.wrapped.queries import OPEN_JOB_STATUSES, STAGE_LABELS

WINDOW = timedelta(hours=24)
STUCK_AFTER = timedelta(minutes=30)
# Beyond this a panel says "1,000+" (as the queue's counts, queries.QUEUE_COUNT_CAP): the list
# behind the link counts further.
STAGE_CAP = 1_000  # each run counted per stage is a heap visit (an expression index is no index-only scan)


def _rows(sql: str, params: dict) -> list[tuple]:
    with connections["wrapped"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def runs_now() -> dict:
    """Runs updated in the last 24 h by derived stage, failures in the last hour and day, stuck runs.

    Each stage is counted on bo_runs_stage up to STAGE_CAP (an expression index reads no payload,
    but is no index-only scan: every run counted is a heap visit); the status counts are
    index-only scans of bo_runs_status_updated_at.
    """
    now = timezone.now().replace(tzinfo=None)  # the service stores naive UTC
    stage = expressions.stage_filter_sql(None, expressions.json_kind())
    (stages, failed_hour, failed_day, stuck) = _rows(
        f"""
        SELECT ARRAY(
                   SELECT (SELECT count(*) FROM (
                               SELECT FROM app_wrapped_runs WHERE {stage} = s.code AND updated_at >= %(day)s
                               LIMIT %(cap)s) capped)
                   FROM unnest(%(codes)s::text[]) WITH ORDINALITY AS s(code, i) ORDER BY s.i),
               (SELECT count(*) FROM app_wrapped_runs WHERE status = 'failed' AND updated_at >= %(hour)s),
               (SELECT count(*) FROM app_wrapped_runs WHERE status = 'failed' AND updated_at >= %(day)s),
               (SELECT count(*) FROM app_wrapped_runs
                 WHERE status = 'pending' AND updated_at >= %(day)s AND updated_at < %(stuck)s)
        """,
        {
            "codes": list(STAGE_LABELS),
            "cap": STAGE_CAP + 1,
            "day": now - WINDOW,
            "hour": now - timedelta(hours=1),
            "stuck": now - STUCK_AFTER,
        },
    )[0]
    return {
        "stages": [
            (code, label, capped(n, STAGE_CAP)) for (code, label), n in zip(STAGE_LABELS.items(), stages, strict=True)
        ],
        "failed_hour": failed_hour,
        "failed_day": failed_day,
        "stuck": stuck,
        "stuck_minutes": int(STUCK_AFTER.total_seconds() // 60),
    }


def runs_per_hour() -> dict:
    """Runs touched per hour over 24 h, by status: the shape of the day at a glance."""
    now = timezone.now().replace(tzinfo=None)
    rows = _rows(
        "SELECT date_trunc('hour', updated_at), status, count(*) FROM app_wrapped_runs"
        " WHERE updated_at >= %(since)s GROUP BY 1, 2",
        {"since": now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=23)},
    )
    labels, buckets = hourly_labels(now, hours=24)
    return {
        "chart": chart(
            "bar",
            labels,
            series_by_bucket(
                rows,
                buckets,
                [("ready", "ready", "#16a34a"), ("pending", "pending", "#f59e0b"), ("failed", "failed", "#dc2626")],
            ),
            stacked=True,
        )
    }


def queue_now() -> dict:
    """Open jobs by task × status (each count capped) with the oldest pending job's age: the
    queue's own query (queries.queue_cells), index-only reads per (status, task) pair."""
    now = timezone.now().replace(tzinfo=None)
    statuses = list(OPEN_JOB_STATUSES)
    rows = queries.queue_cells(statuses)
    table: dict[str, dict] = {}
    for task, status, n, oldest in rows:
        entry = table.setdefault(task, {"counts": dict.fromkeys(statuses, 0), "oldest": None})
        entry["counts"][status] = capped(n, queries.QUEUE_COUNT_CAP)
        if oldest is not None:
            entry["oldest"] = oldest
    return {
        "statuses": statuses,
        "rows": [
            (task, [(s, e["counts"][s]) for s in statuses], (now - e["oldest"]) if e["oldest"] else None)
            for task, e in table.items()
        ],
    }


def queue_depth() -> dict:
    """Open jobs every 5 minutes over the last hour, rebuilt from when each job was created and last moved.

    Only jobs that moved within the hour are read row by row. A job that has not moved since is
    open at every point of the hour exactly when it is open now (it was created before it last
    moved), so those are one number: all open jobs (a capped index-only count of bo_jobs_status_task,
    the planner's estimate past it: the line is then marked ≈) less the open ones that moved.
    """
    now = timezone.now().replace(tzinfo=None)
    since = now - timedelta(hours=1)
    open_jobs = "FROM app_jobs WHERE status IN ('pending', 'running')"
    rows = _rows(
        f"""
        WITH moved AS (
            SELECT created_at, updated_at, status IN ('pending', 'running') AS open
            FROM app_jobs WHERE updated_at > %(since)s
        )
        SELECT t, {limited(open_jobs)},
               count(m.created_at) FILTER (WHERE m.created_at <= t AND (m.open OR m.updated_at > t))
               - count(m.created_at) FILTER (WHERE m.open)
        FROM generate_series(%(since)s::timestamp, %(now)s::timestamp, interval '5 minutes') AS t
        LEFT JOIN moved m ON true
        GROUP BY t ORDER BY t
        """,
        bounds({"since": since, "now": now}),
    )
    with connections["wrapped"].cursor() as cursor:  # an EXPLAIN only once the count reached its cap
        open_now = figure(cursor, rows[0][1], open_jobs, {})
    label = "open jobs (≈ estimated)" if open_now.estimated else "open jobs"
    return {
        "chart": chart(
            "line",
            [t.strftime("%H:%M") for t, _, _ in rows],
            [{"label": label, "values": [open_now.value + change for _, _, change in rows], "colour": "#2563eb"}],
        )
    }


PANELS = [
    Panel("wrapped", "runs", "Wrapped runs, last 24 h", "wrapped/dashboard/runs.html", runs_now),
    Panel("wrapped", "runs_per_hour", "Wrapped runs per hour", "backoffice/dashboard/chart.html", runs_per_hour),
    Panel("wrapped", "queue", "Wrapped queue", "wrapped/dashboard/queue.html", queue_now),
    Panel("wrapped", "queue_depth", "Wrapped queue depth, last hour", "backoffice/dashboard/chart.html", queue_depth),
]
