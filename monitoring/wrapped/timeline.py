"""The Wrapped source's part of a person's timeline."""

from __future__ import annotations

from django.db.models import Q

from backoffice.find import admin_url, source_indexes
from backoffice.timeline import Entry, Person
from monitoring.wrapped import queries
from monitoring.wrapped.models import AppJob, AppSession, AppUser, AppUserEmail, AuthJob, WrappedRun

SOURCE = "wrapped"


def resolve(person: Person) -> None:
    """app_user_ids from the identifier, then the emails and TikTok usernames those users have."""
    ids = person.ids_in(SOURCE)
    ids |= set(queries.person_user_ids(person.term))
    if person.usernames and "bo_users_platform_username" in source_indexes(SOURCE):
        by_name = AppUser.objects.filter(platform_username__in=sorted(person.usernames))
        ids |= set(by_name.values_list("app_user_id", flat=True)[:50])
    if ids:
        person.emails |= set(AppUserEmail.objects.filter(app_user_id__in=ids).values_list("email", flat=True)[:50])
        names = AppUser.objects.filter(app_user_id__in=ids, platform_username__isnull=False)
        person.usernames |= set(names.values_list("platform_username", flat=True)[:50])


def entries(person: Person, *, since, before, limit: int) -> list[Entry]:
    ids = sorted(person.ids_in(SOURCE))
    emails = sorted(person.emails)
    found: list[Entry] = []
    if ids:
        for user in AppUser.objects.filter(app_user_id__in=ids, created_at__gte=since, created_at__lt=before):
            found.append(
                Entry(
                    user.created_at,
                    SOURCE,
                    "user",
                    "Signed up",
                    None,
                    admin_url(AppUser, user.pk),
                    user.platform_username or "",
                )
            )
        runs = list(
            queries.with_digest(WrappedRun.objects.only(*queries.LIST_COLUMNS, "created_at"))
            .filter(app_user_id__in=ids, updated_at__gte=since, updated_at__lt=before)
            .order_by("-updated_at")[:limit]
        )
        for run in runs:
            url = admin_url(WrappedRun, run.pk)
            found.append(
                Entry(run.updated_at, SOURCE, "run", f"Run {queries.stage_label(run).lower()}", run.status, url, run.pk)
            )
            if run.created_at and run.created_at >= since:
                found.append(Entry(run.created_at, SOURCE, "run", "Run started", None, url, run.pk))
        if runs:
            keys = queries._idempotency_guesses([r.id for r in runs])
            for job in AppJob.objects.defer("payload").filter(idempotency_key__in=keys).order_by("-updated_at")[:limit]:
                found.append(
                    Entry(
                        job.updated_at,
                        SOURCE,
                        "stage job",
                        f"{job.task_name} {job.status} (attempt {job.attempts}/{job.max_attempts})",
                        job.status,
                        admin_url(AppJob, job.pk),
                        job.idempotency_key or "",
                    )
                )
        sessions = AppSession.objects.filter(app_user_id__in=ids, issued_at__gte=since, issued_at__lt=before)
        for session in sessions.order_by("-issued_at")[:limit]:
            what = "Session revoked" if session.revoked_at else "Logged in"
            found.append(
                Entry(
                    session.revoked_at or session.issued_at,
                    SOURCE,
                    "session",
                    what,
                    None,
                    admin_url(AppSession, session.pk),
                    f"{session.platform or ''} {session.app_version or ''}",
                )
            )
    auth_match = Q(app_user_id__in=ids) if ids else Q(pk__in=[])
    if emails:
        auth_match |= Q(email__in=emails)
    auth_jobs = AuthJob.objects.filter(auth_match, updated_at__gte=since, updated_at__lt=before)
    for job in auth_jobs.order_by("-updated_at")[:limit]:
        found.append(
            Entry(
                job.updated_at,
                SOURCE,
                "auth job",
                f"TikTok link {job.status}",
                job.status,
                admin_url(AuthJob, job.pk),
                job.last_error or "",
            )
        )
    return found
