"""Read functions for the XTrack source: one bounded query each, used by pages and tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connections, router
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Left
from django.db.models.query import ModelIterable
from django.utils import timezone

from monitoring.xtrack.models import Job, JobExecution, JobNotificationTarget, NotificationTarget, Summary

RECENT_EXECUTIONS = 20
RECENT_SUMMARIES = 10
RELATED_LIMIT = 50
CONTENT_HEAD = 160


def recent_executions(job_id: int, limit: int = RECENT_EXECUTIONS) -> list[JobExecution]:
    """A job's last executions (ix_job_executions_job_id), newest first; errors cut to their start."""
    return list(
        JobExecution.objects.filter(job_id=job_id)
        .only("id", "status", "started_at", "completed_at", "tweets_fetched", "created_at")
        .annotate(error_start=Left("error_message", CONTENT_HEAD + 1))
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


# -- the jobs list: execution figures for the rows of one page --------------------------------------

STATS_RUNS = 20  # the success rate reads a job's last 20 executions
FAILING_WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}

EXECUTION_STATS_SQL = """
SELECT j.id, s.last_status, s.last_started, s.completed, s.failed, s.running
  FROM unnest(%(ids)s::int[]) AS j(id)
 CROSS JOIN LATERAL (
       SELECT (array_agg(r.status ORDER BY r.id DESC))[1] AS last_status,
              (array_agg(r.started_at ORDER BY r.id DESC))[1] AS last_started,
              count(*) FILTER (WHERE r.status = 'COMPLETED') AS completed,
              count(*) FILTER (WHERE r.status = 'FAILED') AS failed,
              count(*) FILTER (WHERE r.status = 'RUNNING') AS running
         FROM (SELECT e.id, e.status::text AS status, e.started_at
                 FROM job_executions e
                WHERE e.job_id = j.id
                ORDER BY e.id DESC
                LIMIT %(runs)s) AS r
       ) AS s
"""


@dataclass(frozen=True)
class ExecutionStats:
    """A job's last execution and its last STATS_RUNS executions counted by outcome."""

    last_status: str | None = None
    last_started: datetime | None = None
    completed: int = 0
    failed: int = 0
    running: int = 0

    @property
    def finished(self) -> int:
        return self.completed + self.failed

    @property
    def success_rate(self) -> float | None:
        """Completed ÷ finished (running ones are not counted yet); None before any finished run."""
        return self.completed / self.finished if self.finished else None


def execution_stats(job_ids) -> dict[int, ExecutionStats]:
    """{job id: its figures} in one statement: a LATERAL read of each job's last STATS_RUNS
    executions (ix_job_executions_job_id; bo_job_executions_job_id_id reads exactly those)."""
    ids = sorted({int(i) for i in job_ids})
    if not ids:
        return {}
    with connections[router.db_for_read(JobExecution)].cursor() as cursor:
        cursor.execute(EXECUTION_STATS_SQL, {"ids": ids, "runs": STATS_RUNS})
        return {row[0]: ExecutionStats(*row[1:]) for row in cursor.fetchall()}


class WithExecutionStats(ModelIterable):
    """Jobs as the queryset yields them, each given `.stats` (ExecutionStats) by one more query
    for all of them: a page of 20 or 500 rows costs the same two queries."""

    def __iter__(self):
        jobs = list(super().__iter__())
        stats = execution_stats(job.pk for job in jobs)
        for job in jobs:
            job.stats = stats.get(job.pk, ExecutionStats())
        yield from jobs


def with_execution_stats(queryset: QuerySet) -> QuerySet:
    """The same jobs, each with `.stats` once the queryset is read (a slice keeps it)."""
    queryset = queryset.all()
    queryset._iterable_class = WithExecutionStats
    return queryset


def last_run_failed(window: timedelta) -> RawSQL:
    """True for a job whose latest execution failed and was created in the window.

    One descent of bo_job_executions_job_id_id per job read: the jobs list walks its own order and
    stops after its page, whatever the window holds (reading the window's executions grows with
    the traffic). Filter with it through `uncounted`: a count would probe every job.
    """
    since = timezone.now() - window
    return RawSQL(
        "EXISTS (SELECT FROM (SELECT e.status, e.created_at FROM job_executions e"
        ' WHERE e.job_id = "jobs"."id" ORDER BY e.id DESC LIMIT 1) AS latest'
        " WHERE latest.status = 'FAILED' AND latest.created_at >= %s)",
        (since,),
        output_field=BooleanField(),
    )
