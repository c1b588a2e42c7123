"""Where a pasted identifier can live in the XTrack source."""

from __future__ import annotations

from backoffice.find import Finder, Hit, admin_url
from backoffice.search import EMAIL, INT, TEXT
from monitoring.xtrack.models import Job, User


def users_by_email(term: str) -> list[Hit]:
    users = User.objects.filter(email__in=sorted({term, term.lower()})).only("id", "email", "status", "created_at")
    return [Hit(u.email, admin_url(User, u.pk), u.status, u.created_at, f"user {u.pk}", personal=True) for u in users]


def jobs_by_username(term: str) -> list[Hit]:
    names = sorted({term.lstrip("@"), term.lstrip("@").lower()})
    jobs = (
        Job.objects.filter(x_username__in=names)
        .only("id", "x_username", "status", "frequency", "last_run", "is_active")
        .order_by("-id")
    )
    return [
        Hit(f"@{j.x_username}", admin_url(Job, j.pk), j.status, j.last_run, f"job {j.pk} · {j.frequency}")
        for j in jobs[:20]
    ]


def by_number(term: str) -> list[Hit]:
    number = int(term)
    hits = [
        Hit(f"@{j.x_username}", admin_url(Job, j.pk), j.status, j.last_run, f"job {j.pk}", kind="Jobs by id")
        for j in Job.objects.filter(pk=number).only("id", "x_username", "status", "last_run")
    ]
    hits += [
        Hit(u.email, admin_url(User, u.pk), u.status, u.created_at, f"user {u.pk}", True, kind="Users by id")
        for u in User.objects.filter(pk=number).only("id", "email", "status", "created_at")
    ]
    return hits


FINDERS = [
    Finder("xtrack", "Users", frozenset({EMAIL}), "email (as typed or lower-case)", users_by_email),
    Finder(
        "xtrack",
        "Jobs by X username",
        frozenset({TEXT}),
        "X username (as typed or lower-case, without @)",
        jobs_by_username,
    ),
    Finder("xtrack", "Rows by id", frozenset({INT}), "exact user or job id", by_number),
]
