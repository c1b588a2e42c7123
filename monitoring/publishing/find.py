"""Where a pasted identifier can live in the Publishing source."""

from __future__ import annotations

import contextlib
import uuid

from django.db import connections
from django.db.models import Q

from backoffice.find import Finder, Hit, admin_url
from backoffice.search import TEXT, UUID
from monitoring.publishing.models import Campaign, Clip, Job, PublishLog, VideoAsset

MODELS_BY_ID = {"video asset": VideoAsset, "clip": Clip, "job": Job, "campaign": Campaign, "publish log": PublishLog}


def by_id(term: str) -> list[Hit]:
    """Any row whose primary key is this uuid: one statement over the five tables' keys."""
    sql = " UNION ALL ".join(
        f"SELECT '{name}', id, created_at FROM {model._meta.db_table} WHERE id = %(key)s"
        for name, model in MODELS_BY_ID.items()
    )
    with connections["publishing"].cursor() as cursor:
        cursor.execute(sql, {"key": str(uuid.UUID(term))})
        rows = cursor.fetchall()
    return [Hit(f"{name} {pk}", admin_url(MODELS_BY_ID[name], pk), None, created_at) for name, pk, created_at in rows]


def publish_logs(term: str) -> list[Hit]:
    match = Q(platform_post_id=term)
    with contextlib.suppress(ValueError):
        match |= Q(social_account_id=uuid.UUID(term))
    rows = (
        PublishLog.objects.filter(match)
        .only("id", "platform", "status", "platform_post_id", "created_at")
        .order_by("-created_at")
    )
    return [
        Hit(f"{p.platform} {p.platform_post_id or p.pk}", admin_url(PublishLog, p.pk), p.status, p.created_at)
        for p in rows[:20]
    ]


FINDERS = [
    Finder("publishing", "Rows by id", frozenset({UUID}), "exact asset, clip, job, campaign or log id", by_id),
    Finder(
        "publishing", "Publish logs", frozenset({TEXT}), "exact platform post id or social account id", publish_logs
    ),
]
