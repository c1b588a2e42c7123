"""Where a pasted identifier can live in the Wrapped source."""

from __future__ import annotations

from backoffice.find import Finder, Hit, admin_url
from backoffice.search import TEXT
from monitoring.wrapped import queries
from monitoring.wrapped.models import AppJob, AppSession, AppUser, AuthJob, DeviceEmail, WrappedRun


def person(term: str) -> list[Hit]:
    """Users, device emails, auth jobs, runs, stage jobs and sessions of one identifier (find a person)."""
    found = queries.find_person(term)
    hits = [
        Hit(u.app_user_id, admin_url(AppUser, u.pk), None, u.updated_at, u.platform_username or "", kind="Users")
        for u in found.users
    ]
    hits += [
        Hit(d.email, admin_url(DeviceEmail, d.pk), None, d.updated_at, f"device {d.device_id}", True, "Device emails")
        for d in found.devices
    ]
    hits += [
        Hit(a.archive_job_id, admin_url(AuthJob, a.pk), a.status, a.updated_at, a.last_error or "", kind="Auth jobs")
        for a in found.auth_jobs
    ]
    hits += [
        Hit(r.id, admin_url(WrappedRun, r.pk), r.status, r.updated_at, r.stage_label, kind="Runs") for r in found.runs
    ]
    hits += [
        Hit(j.id, admin_url(AppJob, j.pk), j.status, j.updated_at, f"{j.task_name} · attempt {j.attempts}", kind="Jobs")
        for j in found.jobs
    ]
    hits += [
        Hit(
            s.id,
            admin_url(AppSession, s.pk),
            "revoked" if s.revoked_at else None,
            s.issued_at,
            f"{s.platform or ''} {s.app_version or ''}".strip(),
            kind="Sessions",
        )
        for s in found.sessions
    ]
    return hits


def tiktok_username(term: str) -> list[Hit]:
    names = sorted({term.lstrip("@"), term.lstrip("@").lower()})
    users = AppUser.objects.filter(platform_username__in=names).order_by("-updated_at")[:20]
    return [Hit(u.platform_username, admin_url(AppUser, u.pk), None, u.updated_at, u.app_user_id) for u in users]


FINDERS = [
    Finder(
        "wrapped",
        "People",
        frozenset({TEXT}),
        "email (as typed or lower-case), or an exact user, device, run, sec_user_id, archive job or job id",
        person,
    ),
    Finder(
        "wrapped",
        "Users by TikTok username",
        frozenset({TEXT}),
        "TikTok username (as typed or lower-case, without @)",
        tiktok_username,
        needs_index="bo_users_platform_username",
    ),
]
