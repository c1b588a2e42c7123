"""Derived values of the publishing source (seed 003's dashboard stats) and bounded related rows.

Each stats function is ONE grouped query (the seed's service runs 20 for the platform panel).
"""

from __future__ import annotations

from django.db.models import Avg, Count, F, Max, Min, Q
from django.db.models.fields.json import KT
from django.utils import timezone

from backoffice import display
from monitoring.publishing.models import Campaign, Clip, Job, Platform, PublishLog

RELATED_LIMIT = 20


def queue_stats() -> dict:
    """/stats/queue: counts by status, avg processing ms, oldest pending age, in one query."""
    row = PublishLog.objects.aggregate(
        pending=Count("id", filter=Q(status="pending")),
        processing=Count("id", filter=Q(status="processing")),
        success=Count("id", filter=Q(status="success")),
        failed=Count("id", filter=Q(status="failed")),
        avg_processing=Avg(F("published_at") - F("requested_at"), filter=Q(published_at__isnull=False)),
        oldest_pending=Min("requested_at", filter=Q(status="pending")),
        last_created=Max("created_at"),
    )
    avg = row.pop("avg_processing")
    oldest = row.pop("oldest_pending")
    row["avg_processing_time_ms"] = avg.total_seconds() * 1000 if avg is not None else None
    row["oldest_pending_age_seconds"] = (timezone.now() - oldest).total_seconds() if oldest else None
    return row


def campaign_stats() -> dict:
    rows = dict(Campaign.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {status: rows.get(status, 0) for status in ("draft", "active", "paused", "completed")}


def job_platform_stats() -> dict[str, dict[str, int]]:
    """jobs_completed / jobs_failed per params->>'platform' (missing or odd values count as "other")."""
    known = {p.value for p in Platform}
    result = {p: {"completed": 0, "failed": 0} for p in known}
    rows = (
        Job.objects.filter(status__in=["completed", "failed"])
        .annotate(platform=KT("params__platform"))
        .values_list("platform", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for platform, status, n in rows:
        key = platform if platform in known else "other"
        result[key][status] += n
    return result


def clip_publish_logs(clip_id, limit: int = RELATED_LIMIT) -> list[PublishLog]:
    return list(PublishLog.objects.filter(clip_id=clip_id).defer("extra_metadata").order_by("-created_at")[:limit])


def clip_jobs(clip_id, limit: int = RELATED_LIMIT) -> list[Job]:
    return list(Job.objects.filter(clip_id=clip_id).defer("params", "result").order_by("-created_at")[:limit])


def asset_clips(video_asset_id, limit: int = 50) -> list[Clip]:
    return list(
        Clip.objects.filter(video_asset_id=video_asset_id)
        .only("id", "title", "start_ms", "end_ms", "visual_score", "created_at")
        .order_by("start_ms")[:limit]
    )


def asset_jobs(video_asset_id, limit: int = RELATED_LIMIT) -> list[Job]:
    return list(
        Job.objects.filter(video_asset_id=video_asset_id).defer("params", "result").order_by("-created_at")[:limit]
    )


def admin_link(model_name: str, pk, text=None) -> str:
    return display.change_link("publishing", model_name, pk, text if text is not None else (str(pk)[:8] if pk else pk))


related_table = display.related_table
