"""Posters panels of the landing dashboard."""

from __future__ import annotations

from django.db import connections
from django.utils import timezone

from backoffice.charts import chart, hourly_labels, series_by_bucket
from backoffice.dashboard import Panel

IN_PROGRESS = ("pending", "queued", "processing")
SHOWN_BATCHES = 6
TOP_FAILURE_TYPES = 5


def _rows(sql: str, params: dict) -> list[tuple]:
    with connections["posters"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def batches_now() -> dict:
    """Batches in progress (newest first, with progress), today's poster failure rate, top failure types.

    One statement: three bounded selects joined by UNION ALL under a `kind` column.
    """
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = _rows(
        """
        (SELECT 'batch', id::text, job_id, status::text, coalesce(processed_items, 0), coalesce(total_items, 0),
                coalesce(failure_count, 0), created_at
           FROM batch_jobs WHERE status = ANY(%(in_progress)s::job_status[])
           ORDER BY created_at DESC LIMIT %(shown)s)
        UNION ALL
        (SELECT 'today', NULL, NULL, NULL, count(*) FILTER (WHERE status = 'failed'), count(*), 0, NULL
           FROM generated_posters WHERE created_at >= %(today)s)
        UNION ALL
        (SELECT 'failure', NULL, coalesce(failure_type, 'unknown'), NULL, count(*), 0, 0, NULL
           FROM poster_failure_details WHERE created_at >= %(today)s
           GROUP BY 3 ORDER BY 5 DESC LIMIT %(top)s)
        """,
        {"in_progress": list(IN_PROGRESS), "shown": SHOWN_BATCHES, "today": today, "top": TOP_FAILURE_TYPES},
    )
    batches = [
        {"pk": pk, "job_id": job_id, "status": status, "processed": done, "total": total, "failures": failures}
        for kind, pk, job_id, status, done, total, failures, _ in rows
        if kind == "batch"
    ]
    failed_today, made_today = next(
        ((done, total) for kind, *_, done, total, _f, _c in rows if kind == "today"), (0, 0)
    )
    return {
        "batches": batches,
        "failed_today": failed_today,
        "made_today": made_today,
        "failure_percent": round(100 * failed_today / made_today, 1) if made_today else None,
        "failure_types": [(name, n) for kind, _pk, name, _s, n, *_ in rows if kind == "failure"],
    }


def throughput() -> dict:
    """Posters finished per hour over 24 h, completed against failed."""
    now = timezone.now()
    labels, buckets = hourly_labels(now, hours=24)
    rows = _rows(
        "SELECT date_trunc('hour', created_at) AT TIME ZONE 'UTC', status::text, count(*) FROM generated_posters"
        " WHERE created_at >= %(since)s AND status IN ('completed', 'failed') GROUP BY 1, 2",
        {"since": buckets[0]},
    )
    series = series_by_bucket(rows, buckets, [("completed", "completed", "#16a34a"), ("failed", "failed", "#dc2626")])
    return {"chart": chart("bar", labels, series, stacked=True)}


PANELS = [
    Panel("posters", "batches", "Poster batches", "posters/dashboard/batches.html", batches_now),
    Panel("posters", "throughput", "Posters per hour", "backoffice/dashboard/chart.html", throughput),
]
