"""Where a pasted identifier can live in the XTrack source."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from backoffice.find import Finder, Hit, admin_url
from backoffice.search import EMAIL, INT, TEXT
from monitoring.xtrack.models import Job, User
from monitoring.xtrack.search import folded_fields


def _match(field: str, index: str, value: str) -> Q:
    """Any case where the source has the lower() index, else as typed or lower-case."""
    if folded_fields({field: index}):
        return Q(Exact(Lower(field), value.lower()))
    return Q(**{f"{field}__in": sorted({value, value.lower()})})


def users_by_email(term: str) -> list[Hit]:
    users = User.objects.filter(_match("email", "bo_users_lower_email", term)).only(
        "id", "email", "status", "created_at"
    )
    return [Hit(u.email, admin_url(User, u.pk), u.status, u.created_at, f"user {u.pk}", personal=True) for u in users]


def jobs_by_username(term: str) -> list[Hit]:
    jobs = (
        Job.objects.filter(_match("x_username", "bo_jobs_lower_x_username", term.lstrip("@")))
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
    Finder(
        "xtrack",
        "Users",
        frozenset({EMAIL}),
        "email (any case with bo_users_lower_email, else as typed or lower-case)",
        users_by_email,
    ),
    Finder(
        "xtrack",
        "Jobs by X username",
        frozenset({TEXT}),
        "X username, without @ (any case with bo_jobs_lower_x_username, else as typed or lower-case)",
        jobs_by_username,
    ),
    Finder("xtrack", "Rows by id", frozenset({INT}), "exact user or job id", by_number),
]
