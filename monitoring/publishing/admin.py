"""Publishing pages: assets, clips, jobs, campaigns and publish logs, navigable both ways."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models.fields.json import KT

from backoffice.admin_base import SourceModelAdmin
from backoffice.columns import Badge, Duration, Excerpt, Json, Link, Plain, Related, When
from backoffice.filters import DateRangeFilter
from monitoring.publishing import queries
from monitoring.publishing.models import Campaign, Clip, Job, PublishLog, VideoAsset

# Columns shared by lists and related tables: a link or a badge looks the same everywhere.
ASSET = Link("video_asset_id", "publishing.videoasset", text="video_asset__title", description="video")
CLIP = Link("clip_id", "publishing.clip", description="clip")
STATUS = Badge("status")
PROCESSING = Duration("requested_at", "published_at", description="requested → published")
CREATED = When("created_at", description="created")


class PublishingAdmin(SourceModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return flatten_fieldsets(self.get_fieldsets(request, obj))


class RequestedFilter(DateRangeFilter):
    field = "requested_at"
    title = "requested"


@admin.register(VideoAsset)
class VideoAssetAdmin(PublishingAdmin):
    created = CREATED
    clips_table = Related(
        lambda asset: queries.asset_clips(asset.pk),
        [
            ("clip", Link("pk", "publishing.clip", text="title")),
            ("start ms", "start_ms"),
            ("end ms", "end_ms"),
            ("visual score", "visual_score"),
            ("created", CREATED),
        ],
        description="clips",
        note="At most 50 clips, in order.",
    )
    jobs_table = Related(
        lambda asset: queries.asset_jobs(asset.pk),
        [
            ("job", Link("pk", "publishing.job")),
            ("type", "job_type"),
            ("status", STATUS),
            ("clip", CLIP),
            ("created", CREATED),
            ("error", Excerpt("error_message")),
        ],
        description="jobs",
        note=f"Latest {queries.RELATED_LIMIT}.",
    )
    list_display = ("title", "duration_ms", "width", "height", "file_size_bytes", "created")
    list_columns = ("id", "title", "duration_ms", "width", "height", "file_size_bytes", "created_at")
    ordering = ("-created_at",)
    identifier_fields = {"id": "uuid"}
    fieldsets = (
        (None, {"fields": ("id", "title", "description", "file_path", "source_url")}),
        ("Media", {"fields": ("duration_ms", "width", "height", "file_size_bytes")}),
        ("Clips", {"fields": ("clips_table",)}),
        ("Jobs", {"fields": ("jobs_table",)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )


@admin.register(Clip)
class ClipAdmin(PublishingAdmin):
    video = ASSET
    created = CREATED
    publish_logs_table = Related(
        lambda clip: queries.clip_publish_logs(clip.pk),
        [
            ("log", Link("pk", "publishing.publishlog")),
            ("platform", "platform"),
            ("status", STATUS),
            ("requested", When("requested_at")),
            ("requested → published", PROCESSING),
            ("post id", "platform_post_id"),
        ],
        description="publish logs",
        note=f"Latest {queries.RELATED_LIMIT}.",
    )
    jobs_table = Related(
        lambda clip: queries.clip_jobs(clip.pk),
        [
            ("job", Link("pk", "publishing.job")),
            ("type", "job_type"),
            ("status", STATUS),
            ("created", CREATED),
            ("error", Excerpt("error_message")),
        ],
        description="jobs",
        note=f"Latest {queries.RELATED_LIMIT}.",
    )
    campaigns_table = Related(
        lambda clip: queries.clip_campaigns(clip.pk),
        [("campaign", Link("pk", "publishing.campaign", text="name")), ("status", STATUS), ("budget", "budget")],
        description="campaigns",
        note=f"Latest {queries.RELATED_LIMIT}.",
    )
    list_display = ("id", "title", "video", "start_ms", "end_ms", "visual_score", "created")
    list_columns = (
        "id",
        "title",
        "video_asset_id",
        "video_asset__title",
        "start_ms",
        "end_ms",
        "visual_score",
        "created_at",
    )
    list_select_related = ("video_asset",)
    ordering = ("-created_at",)
    identifier_fields = {"id": "uuid", "video_asset": "uuid"}
    fieldsets = (
        (None, {"fields": ("id", "title", "video", "file_path")}),
        ("Segment", {"fields": ("start_ms", "end_ms", "duration_ms", "visual_score")}),
        ("Publish logs", {"fields": ("publish_logs_table",)}),
        ("Jobs", {"fields": ("jobs_table",)}),
        ("Campaigns", {"fields": ("campaigns_table",)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )


@admin.register(Job)
class JobAdmin(PublishingAdmin):
    status_badge = STATUS
    platform = Plain("platform_key", description="platform", ordering=False)
    clip_link = CLIP
    video = Link("video_asset_id", "publishing.videoasset", description="video")
    created = CREATED
    took = Duration("started_at", "completed_at", description="took")
    params_block = Json("params", description="params")
    result_block = Json("result", description="result")
    list_display = ("id", "job_type", "status_badge", "platform", "clip_link", "created", "took")
    # params is never loaded on the list: only its "platform" key, extracted by the database.
    list_columns = ("id", "job_type", "status", "clip_id", "created_at", "started_at", "completed_at")
    list_filter = ("status",)
    ordering = ("-created_at",)
    identifier_fields = {"id": "uuid", "clip": "uuid", "video_asset": "uuid"}
    fieldsets = (
        (None, {"fields": ("id", "job_type", "status_badge", "video", "clip_link")}),
        ("Timing", {"fields": ("created_at", "started_at", "completed_at", "took", "updated_at")}),
        ("Parameters", {"fields": ("params_block",)}),
        ("Result", {"fields": ("result_block", "error_message")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(platform_key=KT("params__platform"))


@admin.register(Campaign)
class CampaignAdmin(PublishingAdmin):
    status_badge = STATUS
    clip_link = CLIP
    created = CREATED
    targeting_block = Json("targeting", description="targeting")
    list_display = ("name", "status_badge", "budget", "clip_link", "start_date", "end_date", "created")
    list_columns = ("id", "name", "status", "budget", "clip_id", "start_date", "end_date", "created_at")
    list_filter = ("status",)
    ordering = ("-created_at",)
    identifier_fields = {"id": "uuid", "clip": "uuid"}
    fieldsets = (
        (None, {"fields": ("id", "name", "status_badge", "clip_link", "budget")}),
        ("Schedule", {"fields": ("start_date", "end_date")}),
        ("Targeting", {"fields": ("targeting_block",)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )


@admin.register(PublishLog)
class PublishLogAdmin(PublishingAdmin):
    status_badge = STATUS
    clip_link = CLIP
    requested = When("requested_at", description="requested")
    processing = PROCESSING
    metadata_block = Json("extra_metadata", description="metadata")
    list_display = (
        "id",
        "clip_link",
        "platform",
        "status_badge",
        "social_account_id",
        "requested",
        "processing",
        "retry_count",
    )
    list_columns = (
        "id",
        "clip_id",
        "platform",
        "status",
        "social_account_id",
        "requested_at",
        "published_at",
        "retry_count",
    )
    list_filter = ("status", "platform", RequestedFilter)
    ordering = ("-created_at",)
    identifier_fields = {"id": "uuid", "clip": "uuid", "social_account_id": "uuid", "platform_post_id": "text"}
    fieldsets = (
        (None, {"fields": ("id", "clip_link", "platform", "status_badge", "social_account_id")}),
        (
            "Timing",
            {"fields": ("requested_at", "scheduled_for", "published_at", "processing", "created_at", "updated_at")},
        ),
        ("Post", {"fields": ("platform_post_id", "post_url")}),
        ("Errors", {"fields": ("error_message", "retry_count")}),
        ("Metadata", {"fields": ("metadata_block",)}),
    )
