"""Wrapped panels of the landing dashboard: each one grouped query over a bounded window."""

from __future__ import annotations

from datetime import timedelta

from django.db import connections
from django.utils import timezone

from backoffice.charts import chart, hourly_labels, series_by_bucket
from backoffice.dashboard import Panel
from monitoring.wrapped import expressions
from monitoring.wrapped.queries import OPEN_JOB_STATUSES, STAGE_LABELS

WINDOW = timedelta(hours=24)
STUCK_AFTER = timedelta(minutes=30)


def _rows(sql: str, params: dict) -> list[tuple]:
    with connections["wrapped"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def runs_now() -> dict:
    """Runs updated in the last 24 h by derived stage, failures in the last hour and day, stuck runs."""
    now = timezone.now().replace(tzinfo=None)  # the service stores naive UTC
    rows = _rows(
        f"""
        SELECT {expressions.stage_filter_sql()} AS stage, count(*),
               count(*) FILTER (WHERE status = 'failed' AND updated_at >= %(hour)s),
               count(*) FILTER (WHERE status = 'failed'),
               count(*) FILTER (WHERE status = 'pending' AND updated_at < %(stuck)s)
        FROM app_wrapped_runs WHERE updated_at >= %(day)s GROUP BY 1
        """,
        {"day": now - WINDOW, "hour": now - timedelta(hours=1), "stuck": now - STUCK_AFTER},
    )
    by_stage = {stage: n for stage, n, *_ in rows}
    return {
        "stages": [(code, label, by_stage.get(code, 0)) for code, label in STAGE_LABELS.items()],
        "failed_hour": sum(r[2] for r in rows),
        "failed_day": sum(r[3] for r in rows),
        "stuck": sum(r[4] for r in rows),
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
    """Open jobs by task × status with the oldest pending job's age, and the queue depth over the last hour."""
    now = timezone.now().replace(tzinfo=None)
    statuses = list(OPEN_JOB_STATUSES)
    rows = _rows(
        "SELECT task_name, status, count(*), min(created_at) FILTER (WHERE status = 'pending')"
        " FROM app_jobs WHERE status = ANY(%(statuses)s) GROUP BY 1, 2 ORDER BY 1",
        {"statuses": statuses},
    )
    table: dict[str, dict] = {}
    for task, status, n, oldest in rows:
        entry = table.setdefault(task, {"counts": dict.fromkeys(statuses, 0), "oldest": None})
        entry["counts"][status] = n
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
    """Open jobs every 5 minutes over the last hour, rebuilt from when each job was created and last moved."""
    now = timezone.now().replace(tzinfo=None)
    since = now - timedelta(hours=1)
    rows = _rows(
        """
        SELECT t, count(j.created_at) FILTER (
                   WHERE j.created_at <= t AND (j.status IN ('pending', 'running') OR j.updated_at > t))
        FROM generate_series(%(since)s::timestamp, %(now)s::timestamp, interval '5 minutes') AS t
        LEFT JOIN LATERAL (
            SELECT created_at, updated_at, status FROM app_jobs
            WHERE status IN ('pending', 'running') OR updated_at > %(since)s
        ) j ON true
        GROUP BY t ORDER BY t
        """,
        {"since": since, "now": now},
    )
    return {
        "chart": chart(
            "line",
            [t.strftime("%H:%M") for t, _ in rows],
            [{"label": "open jobs", "values": [n for _, n in rows], "colour": "#2563eb"}],
        )
    }


PANELS = [
    Panel("wrapped", "runs", "Wrapped runs, last 24 h", "wrapped/dashboard/runs.html", runs_now),
    Panel("wrapped", "runs_per_hour", "Wrapped runs per hour", "backoffice/dashboard/chart.html", runs_per_hour),
    Panel("wrapped", "queue", "Wrapped queue", "wrapped/dashboard/queue.html", queue_now),
    Panel("wrapped", "queue_depth", "Wrapped queue depth, last hour", "backoffice/dashboard/chart.html", queue_depth),
]
