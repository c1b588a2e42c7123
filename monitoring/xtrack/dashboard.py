"""XTrack panels of the landing dashboard."""

from __future__ import annotations

from datetime import timedelta

from django.db import connections
from django.utils import timezone

from backoffice.charts import chart, hourly_labels, series_by_bucket
from backoffice.dashboard import Panel

WINDOW = timedelta(hours=24)


def executions_now() -> dict:
    """Executions of the last 24 h by status, and jobs whose latest execution in that window failed.

    Both come from the window the created_at index serves, in one statement.
    """
    since = timezone.now() - WINDOW
    with connections["xtrack"].cursor() as cursor:
        cursor.execute(
            """
            WITH recent AS (
                SELECT job_id, status::text AS status, created_at FROM job_executions WHERE created_at >= %(since)s
            ), latest AS (
                SELECT DISTINCT ON (job_id) job_id, status FROM recent ORDER BY job_id, created_at DESC
            )
            SELECT (SELECT count(*) FROM recent WHERE status = 'COMPLETED'),
                   (SELECT count(*) FROM recent WHERE status = 'RUNNING'),
                   (SELECT count(*) FROM recent WHERE status = 'FAILED'),
                   (SELECT count(*) FROM latest WHERE status = 'FAILED'),
                   (SELECT array_agg(job_id ORDER BY job_id) FROM (
                        SELECT job_id FROM latest WHERE status = 'FAILED' ORDER BY job_id LIMIT 8) shown)
            """,
            {"since": since},
        )
        completed, running, failed, failing_jobs, shown = cursor.fetchone()
    return {
        "completed": completed,
        "running": running,
        "failed": failed,
        "failing_jobs": failing_jobs,
        "failing_job_ids": shown or [],
    }


def executions_per_hour() -> dict:
    now = timezone.now()
    labels, buckets = hourly_labels(now, hours=24)
    with connections["xtrack"].cursor() as cursor:
        cursor.execute(
            "SELECT date_trunc('hour', created_at), status::text, count(*) FROM job_executions"
            " WHERE created_at >= %(since)s GROUP BY 1, 2",
            {"since": buckets[0]},
        )
        rows = cursor.fetchall()
    series = series_by_bucket(
        rows,
        buckets,
        [("COMPLETED", "completed", "#16a34a"), ("RUNNING", "running", "#2563eb"), ("FAILED", "failed", "#dc2626")],
    )
    return {"chart": chart("bar", labels, series, stacked=True)}


PANELS = [
    Panel("xtrack", "executions", "XTrack executions, last 24 h", "xtrack/dashboard/executions.html", executions_now),
    Panel(
        "xtrack",
        "executions_per_hour",
        "XTrack executions per hour",
        "backoffice/dashboard/chart.html",
        executions_per_hour,
    ),
]
