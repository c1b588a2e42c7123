"""The publishing dashboard statistics, with the seed's field names, in bounded work.

The service's dashboard polls these every few seconds, so no figure reads a whole big table
(see backoffice.estimates): counts are exact up to EXACT_UP_TO rows and the planner's estimate
beyond; the mean processing time is taken over a sample of about SAMPLE_ROWS logs once the logs
outnumber it; a platform's distinct clips and mean clip score come from a sample of clips once
its logs outnumber the cap. Each answer names the fields that are estimates (the API sends them
as X-Estimated-Fields, the panels mark them "≈"). One statement per endpoint while every figure
is exact; an estimate adds an EXPLAIN (or, for clips, one sampling statement).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connections
from django.utils import timezone

from backoffice import estimates
from backoffice.estimates import Figure, bounded_counts, bounds, dict_rows, limited, sample_of, sampled, table_rows

ALIAS = "publishing"
PLATFORMS = ("instagram", "tiktok", "youtube", "other")
QUEUE_STATUSES = ("pending", "processing", "success", "failed")
READY = "('pending', 'scheduled')"


@dataclass
class Stats:
    """An endpoint's answer plus the names of its fields that are estimates ("tiktok.avg_score")."""

    data: dict
    estimated: list[str] = field(default_factory=list)


def _stats(figures: dict[str, Figure], **exact) -> Stats:
    data = {name: figure.value for name, figure in figures.items()} | exact
    return Stats(data, [name for name, figure in figures.items() if figure.estimated])


OVERVIEW_COUNTS = {
    "total_videos": "FROM video_assets",
    "total_clips": "FROM clips",
    "total_jobs": "FROM jobs",
    "total_campaigns": "FROM campaigns",
    "pending_jobs": "FROM jobs WHERE status = 'pending'",
    "processing_jobs": "FROM jobs WHERE status = 'processing'",
    "failed_jobs": "FROM jobs WHERE status = 'failed'",
    "success_logs": "FROM publish_logs WHERE status = 'success'",
    "failed_logs": "FROM publish_logs WHERE status = 'failed'",
    "scheduled_publications": "FROM publish_logs WHERE status = 'pending'",
}


def overview() -> Stats:
    """Totals and the job / publication counts by status (``scheduled_publications`` = pending logs)."""
    figures, _ = bounded_counts(ALIAS, OVERVIEW_COUNTS)
    return _stats(figures)


# The oldest pending log: min(requested_at) per platform, each one index probe of
# bo_publish_logs_platform_status_requested, over the platforms found by a loose index scan
# (a plain min() would read every pending log: the index is ordered by platform first).
OLDEST_PENDING_SQL = """(
    WITH RECURSIVE platforms AS (
        (SELECT platform FROM publish_logs ORDER BY platform LIMIT 1)
        UNION ALL
        SELECT (SELECT l.platform FROM publish_logs l WHERE l.platform > p.platform ORDER BY l.platform LIMIT 1)
        FROM platforms p WHERE p.platform IS NOT NULL
    )
    SELECT min((SELECT min(l.requested_at) FROM publish_logs l WHERE l.platform = p.platform AND l.status = 'pending'))
    FROM platforms p WHERE p.platform IS NOT NULL
)"""


def queue(platform: str | None = None, now: datetime | None = None) -> Stats:
    """The publication queue (of one platform, or all): counts by status, mean requested →
    published ms, oldest pending age.

    A log published before it was requested is a data error and is left out of the average.
    """
    narrow = " AND platform = %(platform)s" if platform else ""
    counts = {status: f"FROM publish_logs WHERE status = '{status}'{narrow}" for status in QUEUE_STATUSES}
    oldest = (
        f"(SELECT min(requested_at) FROM publish_logs WHERE status = 'pending'{narrow})"
        if platform
        else OLDEST_PENDING_SQL
    )
    also = {
        "processing_time": f"(SELECT avg(published_at - requested_at) FROM publish_logs {sample_of('publish_logs')}"
        f" WHERE published_at >= requested_at{narrow})",
        "processing_time_sampled": sampled("publish_logs"),
        "oldest_pending": oldest,
    }
    figures, row = bounded_counts(ALIAS, counts, {"platform": platform}, also)
    average, oldest_at = row["processing_time"], row["oldest_pending"]
    now = now or timezone.now()
    stats = _stats(
        figures,
        avg_processing_time_ms=round(average.total_seconds() * 1000, 2) if average is not None else None,
        oldest_pending_age_seconds=max((now - oldest_at).total_seconds(), 0.0) if oldest_at else None,
    )
    if row["processing_time_sampled"]:
        stats.estimated.append("avg_processing_time_ms")
    return stats


# Distinct accounts holding a processing log: a loose index scan of
# bo_publish_logs_status_account, one probe per account, at most EXACT_UP_TO + 1 of them.
ACTIVE_WORKERS_SQL = """(
    WITH RECURSIVE workers AS (
        (SELECT social_account_id AS account FROM publish_logs
          WHERE status = 'processing' AND social_account_id IS NOT NULL ORDER BY social_account_id LIMIT 1)
        UNION ALL
        SELECT (SELECT l.social_account_id FROM publish_logs l
                 WHERE l.status = 'processing' AND l.social_account_id > w.account
                 ORDER BY l.social_account_id LIMIT 1)
        FROM workers w WHERE w.account IS NOT NULL
    )
    SELECT count(*) FROM (SELECT 1 FROM workers WHERE account IS NOT NULL LIMIT %(count_limit)s) AS found
)"""


def orchestrator(now: datetime | None = None) -> Stats:
    """Orchestrator activity read off publish logs; saturation = (pending + processing) / all, ≤ 1;
    active workers = distinct accounts with a processing log (exact up to EXACT_UP_TO)."""
    counts = {
        "actions_last_run": "FROM publish_logs WHERE created_at >= %(now)s - interval '1 hour'",
        "actions_last_24h": "FROM publish_logs WHERE created_at >= %(now)s - interval '24 hours'",
        "pending": "FROM publish_logs WHERE status = 'pending'",
        "processing": "FROM publish_logs WHERE status = 'processing'",
        "total": "FROM publish_logs",
    }
    also = {"last_run_at": "(SELECT max(created_at) FROM publish_logs)", "active_workers": ACTIVE_WORKERS_SQL}
    now = now or timezone.now()
    figures, row = bounded_counts(ALIAS, counts, {"now": now}, also)
    pending, processing, total = figures.pop("pending"), figures.pop("processing"), figures.pop("total")
    workers = Figure(row["active_workers"], estimated=row["active_workers"] > estimates.EXACT_UP_TO)
    active, last = pending.value + processing.value, row["last_run_at"]
    saturation = Figure(
        round(min(active / total.value, 1.0), 4) if total.value else 0.0,
        estimated=any(f.estimated for f in (pending, processing, total)),
    )
    figures = {"last_run_at": Figure(last.isoformat() if last else None), **figures}
    return _stats(figures | {"queue_saturation": saturation, "active_workers": workers})


def _platform_logs(statuses: str = "") -> str:
    return f"FROM publish_logs l WHERE l.platform = p.platform{statuses}"


def _platform_jobs(status: str, platform: str = "p.platform") -> str:
    return f"FROM jobs j WHERE j.status = '{status}' AND j.params ->> 'platform' = {platform}"


# Per platform, each figure counted up to the cap; a platform's distinct clips and mean score are
# computed exactly only while its logs are within the cap (CASE runs a subquery only when taken).
# MATERIALIZED: the capped counts are read once, not once per reference.
PLATFORMS_SQL = f"""
WITH counted AS MATERIALIZED (
    SELECT p.platform,
           {limited(_platform_logs(f" AND l.status IN {READY}"))} AS ready_logs,
           {limited(_platform_logs(" AND l.status = 'success'"))} AS published_logs,
           {limited(_platform_logs())} AS logs,
           {limited(_platform_jobs("completed"), from_heap=True)} AS jobs_completed,
           {limited(_platform_jobs("failed"), from_heap=True)} AS jobs_failed
    FROM unnest(%(platforms)s::text[]) AS p(platform)
)
SELECT p.*,
       CASE WHEN p.ready_logs < %(count_limit)s THEN
           (SELECT count(DISTINCT l.clip_id) {_platform_logs(f" AND l.status IN {READY}")}) END AS clips_ready,
       CASE WHEN p.published_logs < %(count_limit)s THEN
           (SELECT count(DISTINCT l.clip_id) {_platform_logs(" AND l.status = 'success'")}) END AS clips_published,
       CASE WHEN p.logs < %(count_limit)s THEN
           (SELECT avg(c.visual_score) FROM publish_logs l JOIN clips c ON c.id = l.clip_id
            WHERE l.platform = p.platform) END AS avg_score
FROM counted p
"""

# The same clip figures from a sample of clips, each with its logs (one probe of the clip_id
# index per sampled clip: LATERAL with GROUP BY stays a per-clip probe, never a scan of the
# logs); counts are scaled to the clips table. A clip's score counts once per log, as above.
CLIP_SAMPLE_SQL = f"""
WITH sample AS MATERIALIZED (
    SELECT c.id, c.visual_score FROM clips c {sample_of("clips")}
), per_clip AS (
    SELECT l.platform, s.visual_score, l.logs, l.ready, l.published
    FROM sample s CROSS JOIN LATERAL (
        SELECT platform, count(*) AS logs,
               bool_or(status IN {READY}) AS ready, bool_or(status = 'success') AS published
        FROM publish_logs WHERE clip_id = s.id AND platform = ANY(%(platforms)s) GROUP BY platform
    ) AS l
)
SELECT platform,
       count(*) FILTER (WHERE ready) * scale AS clips_ready,
       count(*) FILTER (WHERE published) * scale AS clips_published,
       sum(visual_score * logs) / nullif(sum(logs) FILTER (WHERE visual_score IS NOT NULL), 0) AS avg_score,
       is_sampled
FROM per_clip, (
    SELECT is_sampled,
           CASE WHEN is_sampled THEN {table_rows("clips")}::numeric / greatest((SELECT count(*) FROM sample), 1)
                ELSE 1 END AS scale
    FROM (SELECT {sampled("clips")} AS is_sampled) AS sampling
) AS scaling
GROUP BY platform, scale, is_sampled
"""

# figure → the capped count of logs that decides between exact and sampled
CLIP_FIGURES = {"clips_ready": "ready_logs", "clips_published": "published_logs", "avg_score": "logs"}
PLATFORM_FIELDS = ("clips_ready", "clips_published", "avg_score", "jobs_completed", "jobs_failed")


def _clip_figure(name: str, counted: dict, sample: dict | None) -> Figure:
    if counted[CLIP_FIGURES[name]] <= estimates.EXACT_UP_TO:
        return Figure(counted[name])
    if sample is None:  # no sampled clip has a log on this platform
        return Figure(None, estimated=True)
    value = sample[name]
    return Figure(round(value) if name != "avg_score" else value, estimated=sample["is_sampled"])


def platforms(only: str | None = None) -> Stats:
    """Per platform: clips ready / published, mean clip score (0.0 when none), jobs completed / failed.

    Platforms are matched exactly: a job whose params hold another platform counts nowhere.
    """
    wanted = [only] if only else list(PLATFORMS)
    cap = estimates.EXACT_UP_TO
    with connections[ALIAS].cursor() as cursor:
        cursor.execute(PLATFORMS_SQL, bounds({"platforms": wanted}))
        counted = {row["platform"]: row for row in dict_rows(cursor)}
        samples = {}
        if any(row[logs] > cap for row in counted.values() for logs in CLIP_FIGURES.values()):
            cursor.execute(CLIP_SAMPLE_SQL, bounds({"platforms": wanted}))
            samples = {row["platform"]: row for row in dict_rows(cursor)}
        data, estimated = {}, []
        for platform in wanted:
            row = counted[platform]
            figures = {name: _clip_figure(name, row, samples.get(platform)) for name in CLIP_FIGURES}
            for name, status in (("jobs_completed", "completed"), ("jobs_failed", "failed")):
                jobs = _platform_jobs(status, platform="%(platform)s")
                figures[name] = estimates.figure(cursor, row[name], jobs, {"platform": platform}, from_heap=True)
            score = figures["avg_score"].value
            data[platform] = {name: figures[name].value or 0 for name in PLATFORM_FIELDS}
            data[platform]["avg_score"] = round(float(score), 4) if score is not None else 0.0
            estimated += [f"{platform}.{name}" for name in PLATFORM_FIELDS if figures[name].estimated]
    return Stats(data, estimated)


CAMPAIGNS_COUNTS = {
    status: f"FROM campaigns WHERE status = '{status}'" for status in ("draft", "active", "paused", "completed")
}


def campaigns() -> Stats:
    """Campaigns by status; spend is not recorded by the service yet, so it is 0.0 as it reports."""
    figures, _ = bounded_counts(ALIAS, CAMPAIGNS_COUNTS)
    return _stats(figures, total_budget_spent=0.0)
