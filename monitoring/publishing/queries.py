"""Derived values of the publishing source (seed 003's dashboard stats) and bounded related rows.

Each stats function is ONE grouped query (the seed's service runs 20 for the platform panel).
"""

from __future__ import annotations

from monitoring.publishing.models import Campaign, Clip, Job, PublishLog

RELATED_LIMIT = 20


def clip_publish_logs(clip_id, limit: int = RELATED_LIMIT) -> list[PublishLog]:
    return list(PublishLog.objects.filter(clip_id=clip_id).defer("extra_metadata").order_by("-created_at")[:limit])


def clip_jobs(clip_id, limit: int = RELATED_LIMIT) -> list[Job]:
    return list(Job.objects.filter(clip_id=clip_id).defer("params", "result").order_by("-created_at")[:limit])


def clip_campaigns(clip_id, limit: int = RELATED_LIMIT) -> list[Campaign]:
    return list(
        Campaign.objects.filter(clip_id=clip_id)
        .only("id", "name", "status", "budget", "created_at")
        .order_by("-created_at")[:limit]
    )


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
