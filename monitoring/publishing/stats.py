"""The publishing dashboard statistics: one statement per endpoint, the seed's field names.

Totals of big tables come from the planner's row estimate (``pg_class.reltuples``) once a table
holds more than ``EXACT_TOTAL_LIMIT`` rows, so no endpoint counts a whole big table; each result
says which of its fields are estimates. Status counts are exact (they walk the status indexes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connections
from django.db.models import Avg, Count, F, Min, Q, QuerySet
from django.utils import timezone

from monitoring.publishing.models import PublishLog

ALIAS = "publishing"
PLATFORMS = ("instagram", "tiktok", "youtube", "other")
EXACT_TOTAL_LIMIT = 200_000


@dataclass
class Stats:
    """An endpoint's answer plus the names of fields that are planner estimates."""

    data: dict
    estimated: list[str] = field(default_factory=list)


def _total(table: str) -> str:
    """SQL for a table's row count: exact while small, the planner's estimate beyond the limit.

    The exact branch is an InitPlan, which PostgreSQL runs only when CASE picks it. A table never
    analysed has reltuples = -1 and is counted exactly.
    """
    return (
        f"(SELECT CASE WHEN c.reltuples > %(exact_limit)s THEN c.reltuples::bigint"
        f" ELSE (SELECT count(*) FROM {table}) END FROM pg_class c"
        f" WHERE c.oid = to_regclass('{table}'))"
    )


def _estimated(table: str) -> str:
    return f"(SELECT c.reltuples > %(exact_limit)s FROM pg_class c WHERE c.oid = to_regclass('{table}'))"


def _fetch_one(sql: str, params: dict | None = None) -> dict:
    with connections[ALIAS].cursor() as cursor:
        cursor.execute(sql, {"exact_limit": EXACT_TOTAL_LIMIT, **(params or {})})
        names = [col.name for col in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


OVERVIEW_SQL = f"""
SELECT {_total("video_assets")} AS total_videos,
       {_total("clips")} AS total_clips,
       {_total("jobs")} AS total_jobs,
       {_total("campaigns")} AS total_campaigns,
       (SELECT count(*) FROM jobs WHERE status = 'pending') AS pending_jobs,
       (SELECT count(*) FROM jobs WHERE status = 'processing') AS processing_jobs,
       (SELECT count(*) FROM jobs WHERE status = 'failed') AS failed_jobs,
       (SELECT count(*) FROM publish_logs WHERE status = 'success') AS success_logs,
       (SELECT count(*) FROM publish_logs WHERE status = 'failed') AS failed_logs,
       (SELECT count(*) FROM publish_logs WHERE status = 'pending') AS scheduled_publications,
       {_estimated("video_assets")} AS est_total_videos,
       {_estimated("clips")} AS est_total_clips,
       {_estimated("jobs")} AS est_total_jobs,
       {_estimated("campaigns")} AS est_total_campaigns
"""


def _split_estimates(row: dict) -> Stats:
    estimated = [name.removeprefix("est_") for name, value in row.items() if name.startswith("est_") and value]
    data = {name: value for name, value in row.items() if not name.startswith("est_")}
    return Stats(data, estimated)


def overview() -> Stats:
    """Totals and the job / publication counts by status (``scheduled_publications`` = pending logs)."""
    stats = _split_estimates(_fetch_one(OVERVIEW_SQL))
    stats.data = {name: int(value or 0) for name, value in stats.data.items()}
    return stats


QUEUE_STATUSES = ("pending", "processing", "success", "failed")


def queue(logs: QuerySet | None = None, now: datetime | None = None) -> Stats:
    """The publication queue over `logs` (all publish logs unless narrowed, e.g. to a platform):
    counts by status, mean requested→published ms, oldest pending age.

    A log published before it was requested is a data error and is left out of the average.
    """
    logs = PublishLog.objects.all() if logs is None else logs
    # count(status) (never null), not count(id): every column read is then in
    # bo_publish_logs_platform_status_requested, and the logs are read index-only
    row = logs.filter(status__in=QUEUE_STATUSES).aggregate(
        **{status: Count("status", filter=Q(status=status)) for status in QUEUE_STATUSES},
        processing_time=Avg(F("published_at") - F("requested_at"), filter=Q(published_at__gte=F("requested_at"))),
        oldest_pending=Min("requested_at", filter=Q(status="pending")),
    )
    oldest, average = row.pop("oldest_pending"), row.pop("processing_time")
    row["avg_processing_time_ms"] = round(average.total_seconds() * 1000, 2) if average is not None else None
    now = now or timezone.now()
    row["oldest_pending_age_seconds"] = max((now - oldest).total_seconds(), 0.0) if oldest else None
    return Stats(row)


ORCHESTRATOR_SQL = f"""
SELECT (SELECT max(created_at) FROM publish_logs) AS last_run_at,
       count(*) FILTER (WHERE created_at >= %(now)s - interval '1 hour') AS actions_last_run,
       count(*) AS actions_last_24h,
       (SELECT count(*) FROM publish_logs WHERE status IN ('pending', 'processing')) AS active,
       {_total("publish_logs")} AS total_logs,
       {_estimated("publish_logs")} AS est_queue_saturation,
       (SELECT count(DISTINCT social_account_id) FROM publish_logs
         WHERE status = 'processing' AND social_account_id IS NOT NULL) AS active_workers
FROM publish_logs
WHERE created_at >= %(now)s - interval '24 hours'
"""


def orchestrator(now: datetime | None = None) -> Stats:
    """Orchestrator activity read off publish logs; saturation = (pending + processing) / all, ≤ 1."""
    now = now or timezone.now()
    row = _fetch_one(ORCHESTRATOR_SQL, {"now": now})
    active, total = row.pop("active"), row.pop("total_logs")
    row["queue_saturation"] = round(min(active / total, 1.0), 4) if total else 0.0
    stats = _split_estimates(row)
    last = stats.data["last_run_at"]
    stats.data["last_run_at"] = last.isoformat() if last else None
    return stats


# A clip counts once per platform however many logs it has there: one row per (platform, clip)
# read in the order of bo_publish_logs_platform_clip (index-only, no sort of the logs, unlike
# count(DISTINCT)); the mean score stays per log, each clip weighted by its number of logs.
PLATFORMS_SQL = """
WITH per_clip AS (
    SELECT platform, clip_id, count(*) AS logs,
           bool_or(status IN ('pending', 'scheduled')) AS ready,
           bool_or(status = 'success') AS published
    FROM publish_logs
    WHERE platform = ANY(%(platforms)s)
    GROUP BY platform, clip_id
), per_log AS (
    SELECT l.platform,
           count(*) FILTER (WHERE l.ready) AS clips_ready,
           count(*) FILTER (WHERE l.published) AS clips_published,
           sum(c.visual_score * l.logs) / nullif(sum(l.logs) FILTER (WHERE c.visual_score IS NOT NULL), 0) AS avg_score
    FROM per_clip l JOIN clips c ON c.id = l.clip_id
    GROUP BY l.platform
), per_job AS (
    SELECT params ->> 'platform' AS platform,
           count(*) FILTER (WHERE status = 'completed') AS jobs_completed,
           count(*) FILTER (WHERE status = 'failed') AS jobs_failed
    FROM jobs
    WHERE status IN ('completed', 'failed') AND params ->> 'platform' = ANY(%(platforms)s)
    GROUP BY 1
)
SELECT p.platform, l.clips_ready, l.clips_published, l.avg_score, j.jobs_completed, j.jobs_failed
FROM unnest(%(platforms)s::text[]) AS p(platform)
LEFT JOIN per_log l ON l.platform = p.platform
LEFT JOIN per_job j ON j.platform = p.platform
"""


def platforms(only: str | None = None) -> Stats:
    """Per platform: clips ready / published, mean clip score (0.0 when none), jobs completed / failed.

    Platforms are matched exactly: a job whose params hold another platform counts nowhere.
    """
    wanted = [only] if only else list(PLATFORMS)
    with connections[ALIAS].cursor() as cursor:
        cursor.execute(PLATFORMS_SQL, {"platforms": wanted})
        rows = cursor.fetchall()
    data = {}
    for platform, ready, published, score, completed, failed in sorted(rows, key=lambda r: wanted.index(r[0])):
        data[platform] = {
            "clips_ready": ready or 0,
            "clips_published": published or 0,
            "avg_score": round(float(score), 4) if score is not None else 0.0,
            "jobs_completed": completed or 0,
            "jobs_failed": failed or 0,
        }
    return Stats(data)


CAMPAIGNS_SQL = """
SELECT count(*) FILTER (WHERE status = 'draft') AS draft,
       count(*) FILTER (WHERE status = 'active') AS active,
       count(*) FILTER (WHERE status = 'paused') AS paused,
       count(*) FILTER (WHERE status = 'completed') AS completed
FROM campaigns
"""


def campaigns() -> Stats:
    """Campaigns by status; spend is not recorded by the service yet, so it is 0.0 as it reports."""
    row = _fetch_one(CAMPAIGNS_SQL)
    row["total_budget_spent"] = 0.0
    return Stats(row)
