"""The XTrack source's part of a person's timeline: their account, jobs, executions and summaries."""

from __future__ import annotations

from backoffice.find import admin_url, source_indexes
from backoffice.timeline import Entry, Person
from monitoring.xtrack.models import Job, JobExecution, Summary, User

SOURCE = "xtrack"


def resolve(person: Person) -> None:
    """Users by email (unique index); jobs by their user (needs an index) or by X username."""
    ids = person.ids_in(SOURCE)
    if person.emails:
        users = User.objects.filter(email__in=sorted(person.emails)).values_list("id", flat=True)
        ids |= {f"user:{pk}" for pk in users[:20]}
    user_ids = [int(key.split(":")[1]) for key in ids if key.startswith("user:")]
    jobs = Job.objects.none()
    if user_ids and "bo_jobs_user_id" in source_indexes(SOURCE):
        jobs = Job.objects.filter(user_id__in=user_ids)
    if person.usernames:
        jobs = jobs | Job.objects.filter(x_username__in=sorted(person.usernames))
    ids |= {f"job:{pk}" for pk in jobs.values_list("id", flat=True)[:50]}


def entries(person: Person, *, since, before, limit: int) -> list[Entry]:
    keys = person.ids_in(SOURCE)
    user_ids = [int(k.split(":")[1]) for k in keys if k.startswith("user:")]
    job_ids = [int(k.split(":")[1]) for k in keys if k.startswith("job:")]
    found: list[Entry] = []
    for user in User.objects.filter(pk__in=user_ids).only("id", "email", "status", "created_at", "last_login_at"):
        url = admin_url(User, user.pk)
        found.append(Entry(user.created_at, SOURCE, "user", "XTrack account created", user.status, url))
        if user.last_login_at:
            found.append(Entry(user.last_login_at, SOURCE, "user", "Logged in to XTrack", None, url))
    if job_ids:
        for job in Job.objects.filter(pk__in=job_ids).only("id", "x_username", "status", "created_at", "frequency"):
            found.append(
                Entry(
                    job.created_at,
                    SOURCE,
                    "job",
                    f"Tracking @{job.x_username} ({job.frequency})",
                    job.status,
                    admin_url(Job, job.pk),
                )
            )
        executions = (
            JobExecution.objects.filter(job_id__in=job_ids, created_at__gte=since, created_at__lt=before)
            .only("id", "job_id", "status", "created_at", "tweets_fetched", "error_message")
            .order_by("-created_at")[:limit]
        )
        for ex in executions:
            found.append(
                Entry(
                    ex.created_at,
                    SOURCE,
                    "execution",
                    f"Job {ex.job_id} run {ex.status.lower()}",
                    ex.status,
                    admin_url(JobExecution, ex.pk),
                    ex.error_message or f"{ex.tweets_fetched or 0} tweets",
                )
            )
        summaries = (
            Summary.objects.filter(job_id__in=job_ids, created_at__gte=since, created_at__lt=before)
            .only("id", "job_id", "created_at", "tweets_count")
            .order_by("-created_at")[:limit]
        )
        for summary in summaries:
            found.append(
                Entry(
                    summary.created_at,
                    SOURCE,
                    "summary",
                    f"Summary for job {summary.job_id}",
                    None,
                    admin_url(Summary, summary.pk),
                    f"{summary.tweets_count or 0} tweets",
                )
            )
    return found
