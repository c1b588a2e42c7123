"""The Posters source's part of a person's timeline: posters made for their username."""

from __future__ import annotations

from backoffice.find import admin_url
from backoffice.timeline import Entry, Person
from monitoring.posters.models import GeneratedPoster

SOURCE = "posters"


def resolve(person: Person) -> None:
    """Posters know a person only by username, which other sources resolve."""


def entries(person: Person, *, since, before, limit: int) -> list[Entry]:
    if not person.usernames:
        return []
    posters = (
        GeneratedPoster.objects.filter(
            username__in=sorted(person.usernames), created_at__gte=since, created_at__lt=before
        )
        .select_related("job")
        .only("id", "username", "status", "created_at", "error_message", "job__job_id")
        .order_by("-created_at")[:limit]
    )
    return [
        Entry(
            p.created_at,
            SOURCE,
            "poster",
            f"Poster {p.status or 'made'} in batch {p.job.job_id}",
            p.status,
            admin_url(GeneratedPoster, p.pk),
            p.error_message or p.username or "",
        )
        for p in posters
    ]
