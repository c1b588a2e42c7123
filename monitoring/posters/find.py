"""Where a pasted identifier can live in the Posters source."""

from __future__ import annotations

import contextlib
import uuid

from django.db.models import Q

from backoffice.find import Finder, Hit, admin_url
from backoffice.search import TEXT, UUID
from monitoring.posters.models import BatchJob, GeneratedPoster


def _batch_hit(batch: BatchJob) -> Hit:
    detail = f"{batch.processed_items or 0}/{batch.total_items or 0} processed · {batch.failure_count or 0} failed"
    return Hit(batch.job_id, admin_url(BatchJob, batch.pk), batch.status, batch.created_at, detail)


def batches(term: str) -> list[Hit]:
    match = Q(job_id=term)
    with contextlib.suppress(ValueError):
        match |= Q(pk=uuid.UUID(term))
    rows = BatchJob.objects.filter(match).only(
        "id", "job_id", "status", "created_at", "processed_items", "total_items", "failure_count"
    )
    return [_batch_hit(batch) for batch in rows[:20]]


def posters_by_username(term: str) -> list[Hit]:
    names = sorted({term.lstrip("@"), term.lstrip("@").lower()})
    rows = (
        GeneratedPoster.objects.filter(username__in=names)
        .select_related("job")
        .only("id", "username", "status", "created_at", "error_message", "job__job_id")
        .order_by("-created_at")
    )
    return [
        Hit(p.username, admin_url(GeneratedPoster, p.pk), p.status, p.created_at, f"batch {p.job.job_id}")
        for p in rows[:20]
    ]


def poster_by_id(term: str) -> list[Hit]:
    rows = GeneratedPoster.objects.filter(pk=uuid.UUID(term)).only("id", "username", "status", "created_at")
    return [Hit(p.username or str(p.pk), admin_url(GeneratedPoster, p.pk), p.status, p.created_at) for p in rows]


FINDERS = [
    Finder("posters", "Batch jobs", frozenset({TEXT}), "exact job_id or batch id", batches),
    Finder(
        "posters", "Posters by username", frozenset({TEXT}), "username (as typed or lower-case)", posters_by_username
    ),
    Finder("posters", "Posters", frozenset({UUID}), "exact poster id", poster_by_id),
]
