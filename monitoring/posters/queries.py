"""Read functions for the Posters source: one bounded query each, used by pages and tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import router
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Left, Length, RowNumber

from backoffice import compiled
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


# -- batch detail: bounded reads, a constant number of queries whatever the job's size -------------
JOB_POSTERS = 50
JOB_LOGS = 50
FAILURE_GROUPS = 20
FAILURES_PER_GROUP = 10
LOG_MESSAGE_CHARS = 2000
FRONTEND_MARK = "[FRONTEND ERROR]"


def with_user_id(queryset):
    """Annotate metadata's `user_id` and `fetched_from_api` as decoded JSON values (a string id
    stays a string) and whether the `user_id` key is there at all (a JSON null is not "missing").
    The metadata document itself is never loaded."""
    return queryset.annotate(
        meta_user_id=KeyTransform("user_id", "metadata"),
        meta_has_user_id=ExpressionWrapper(Q(metadata__has_key="user_id"), output_field=BooleanField()),
        meta_fetched=KeyTransform("fetched_from_api", "metadata"),
    )


def _job_posters_shown(job_id: str):
    """The posters a batch's page shows: failed first, then newest (idx_generated_posters_job_id)."""
    failed_first = Case(When(status="failed", then=Value(0)), default=Value(1), output_field=IntegerField())
    return GeneratedPoster.objects.filter(job_id=job_id).order_by(failed_first, "-created_at", "-id")


def job_poster_urls(job_id: str, limit: int = JOB_POSTERS) -> list[str | None]:
    """The poster_url of each poster `job_posters` shows, and nothing else: the page allows their
    image origins before its posters table is loaded. Asked on every view of a batch, so its
    statement is compiled once (backoffice.compiled)."""
    found = compiled.rows(
        ("job_poster_urls", limit),
        lambda job_id: _job_posters_shown(job_id).values_list("poster_url")[:limit],
        using=router.db_for_read(GeneratedPoster),
        job_id=job_id,
    )
    return [url for (url,) in found]


def job_posters(job_id: str, limit: int = JOB_POSTERS) -> list[GeneratedPoster]:
    """The job's posters, failed first, then newest."""
    queryset = _job_posters_shown(job_id).only(
        "id",
        "job",
        "username",
        "display_name",
        "poster_url",
        "status",
        "processing_time_ms",
        "error_message",
        "created_at",
    )
    return list(with_user_id(queryset)[:limit])


def is_frontend_error(log: JobLog) -> bool:
    """Seed 001: the frontend reports its errors as "[FRONTEND ERROR] …" with details.source "frontend"."""
    message = getattr(log, "message_start", None) or log.message or ""
    details = log.details if isinstance(log.details, dict) else {}
    return message.startswith(FRONTEND_MARK) or details.get("source") == "frontend"


def job_logs(job_id: str, limit: int = JOB_LOGS) -> list[JobLog]:
    """The job's latest logs, newest first; messages cut at LOG_MESSAGE_CHARS by the database."""
    return list(
        JobLog.objects.filter(job_id=job_id)
        .only("id", "job", "level", "details", "created_at")
        .annotate(message_start=Left("message", LOG_MESSAGE_CHARS), message_length=Length("message"))
        .order_by("-id")[:limit]
    )


def job_log_count(job_id: str) -> int:
    """All logs of a job (idx_job_logs_job_id): the M of "showing N of M"."""
    return JobLog.objects.filter(job_id=job_id).count()


@dataclass
class FailureGroup:
    failure_type: str | None
    count: int
    retries: int
    max_retries: int | None
    rows: list[PosterFailureDetail] = field(default_factory=list)


def failure_groups(
    job_id: str, groups: int = FAILURE_GROUPS, per_group: int = FAILURES_PER_GROUP
) -> tuple[list[FailureGroup], int]:
    """Failures of a job grouped by failure_type (largest first), with the latest rows of each.

    Two queries: one GROUP BY for counts and retries, one window query for the rows (at most
    `per_group` per type). Returns the groups and the number of types in all.
    """
    base = PosterFailureDetail.objects.filter(job_id=job_id)
    totals = list(
        base.order_by()
        .values("failure_type")
        .annotate(n=Count("id"), retries=Sum("retry_count"), max_retries=Max("retry_count"))
        .order_by("-n", "failure_type")
    )
    shown = [FailureGroup(t["failure_type"], t["n"], t["retries"] or 0, t["max_retries"]) for t in totals[:groups]]
    if not shown:
        return [], 0
    by_type = {g.failure_type: g for g in shown}
    types = [t for t in by_type if t is not None]
    type_q = Q(failure_type__in=types) if types else Q(pk__in=[])
    if None in by_type:
        type_q |= Q(failure_type__isnull=True)
    rows = (
        base.filter(type_q)
        .only("id", "job", "poster", "username", "failure_type", "retry_count", "created_at")
        .annotate(
            error_start=Left("error_message", 300),
            rank=Window(RowNumber(), partition_by=[F("failure_type")], order_by=[F("created_at").desc(), F("id")]),
        )
        .filter(rank__lte=per_group)
        .order_by("failure_type", "rank")
    )
    for row in rows:
        by_type[row.failure_type].rows.append(row)
    return shown, len(totals)
