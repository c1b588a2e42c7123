"""Read functions for the XTrack source: one bounded query each, used by pages and tests."""

from __future__ import annotations

from datetime import timedelta

from django.db.models.functions import Left

from monitoring.xtrack.models import Job, JobExecution, JobNotificationTarget, NotificationTarget, Summary

RECENT_EXECUTIONS = 20
RECENT_SUMMARIES = 10
RELATED_LIMIT = 50
CONTENT_HEAD = 160


def execution_duration(execution: JobExecution) -> timedelta | None:
    if execution.started_at and execution.completed_at:
        return execution.completed_at - execution.started_at
    return None


def recent_executions(job_id: int, limit: int = RECENT_EXECUTIONS) -> list[JobExecution]:
    """A job's last executions (ix_job_executions_job_id), newest first."""
    return list(
        JobExecution.objects.filter(job_id=job_id)
        .only("id", "status", "started_at", "completed_at", "tweets_fetched", "error_message", "created_at")
        .order_by("-id")[:limit]
    )


def recent_summaries(*, job_id: int | None = None, execution_id: int | None = None, limit: int = RECENT_SUMMARIES):
    queryset = Summary.objects.only("id", "execution", "tweets_count", "created_at").annotate(
        content_start=Left("content", CONTENT_HEAD + 1)
    )
    if job_id is not None:
        queryset = queryset.filter(job_id=job_id)
    if execution_id is not None:
        queryset = queryset.filter(execution_id=execution_id)
    return list(queryset.order_by("-created_at", "-id")[:limit])


def user_jobs(user_id: int, limit: int = RELATED_LIMIT) -> list[Job]:
    return list(
        Job.objects.filter(user_id=user_id)
        .only("id", "x_username", "frequency", "status", "is_active", "last_run")
        .order_by("-id")[:limit]
    )


def user_targets(user_id: int, limit: int = RELATED_LIMIT) -> list[NotificationTarget]:
    return list(
        NotificationTarget.objects.filter(user_id=user_id)
        .only("id", "channel", "destination", "is_default", "created_at")
        .order_by("-id")[:limit]
    )


def job_targets(job_id: int, limit: int = RELATED_LIMIT) -> list[JobNotificationTarget]:
    """A job's notification targets, newest link first: one query (the key leads with job_id)."""
    return list(
        JobNotificationTarget.objects.filter(job_id=job_id)
        .select_related("notification_target")
        .only(
            "job_id",
            "notification_target_id",
            "created_at",
            "notification_target__channel",
            "notification_target__destination",
            "notification_target__is_default",
        )
        .order_by("-created_at", "-notification_target_id")[:limit]
    )
