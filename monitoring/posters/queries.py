"""Read functions for the Posters source: one bounded query each, used by pages and tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q

from monitoring.posters.models import BatchJob, GeneratedPoster, JobLog, PosterFailureDetail

RECENT_LOGS = 50
RECENT_FAILURES = 50


def success_rate(job: BatchJob) -> float | None:
    """Seed 001's "job statistics": success_count / total_items * 100 (None when no items)."""
    if not job.total_items:
        return None
    return (job.success_count or 0) / job.total_items * 100


def processing_duration(job: BatchJob) -> timedelta | None:
    if job.started_at and job.completed_at:
        return job.completed_at - job.started_at
    return None


@dataclass
class PosterCounts:
    by_status: dict[str, int] = field(default_factory=dict)
    total: int = 0
    missing_user_id: int = 0  # NOT (metadata ? 'user_id'), all statuses
    completed_missing_user_id: int = 0  # what "save to Topmate" would skip


def poster_counts(job_id: str) -> PosterCounts:
    """Posters of one job by status, and how many lack metadata.user_id. One grouped query."""
    missing = ~Q(metadata__has_key="user_id")
    rows = (
        GeneratedPoster.objects.filter(job_id=job_id)
        .order_by()
        .values("status")
        .annotate(n=Count("id"), missing=Count("id", filter=missing))
    )
    counts = PosterCounts()
    for row in rows:
        status = row["status"] or "—"
        counts.by_status[status] = row["n"]
        counts.total += row["n"]
        counts.missing_user_id += row["missing"]
        if row["status"] == "completed":
            counts.completed_missing_user_id = row["missing"]
    return counts


def recent_logs(job_id: str, limit: int = RECENT_LOGS) -> list[JobLog]:
    return list(
        JobLog.objects.filter(job_id=job_id).only("id", "level", "message", "created_at").order_by("-id")[:limit]
    )


def recent_failures(*, job_id: str | None = None, poster_id=None, limit: int = RECENT_FAILURES):
    queryset = PosterFailureDetail.objects.only(
        "id", "job", "poster", "username", "failure_type", "error_message", "retry_count", "created_at"
    )
    if job_id is not None:
        queryset = queryset.filter(job_id=job_id)
    if poster_id is not None:
        queryset = queryset.filter(poster_id=poster_id)
    return list(queryset.order_by("-created_at", "-id")[:limit])
