"""Read-only admin pages for the publishing source."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models.fields.json import KT

from backoffice.admin_base import SourceModelAdmin
from backoffice.display import json_block, status_badge
from monitoring.publishing import queries
from monitoring.publishing.models import Campaign, Clip, Job, PublishLog, VideoAsset
from monitoring.publishing.queries import admin_link, related_table


def _dt(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


class PublishingAdmin(SourceModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return flatten_fieldsets(self.get_fieldsets(request, obj))


@admin.register(VideoAsset)
class VideoAssetAdmin(PublishingAdmin):
    list_display = ("title", "duration_ms", "width", "height", "file_size_bytes", "created_at")
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

    @admin.display(description="clips")
    def clips_table(self, obj):
        return related_table(
            ["clip", "title", "start ms", "end ms", "visual score"],
            [
                [admin_link("clip", c.pk), c.title, c.start_ms, c.end_ms, c.visual_score]
                for c in queries.asset_clips(obj.pk)
            ],
            note="At most 50 clips.",
        )

    @admin.display(description="jobs")
    def jobs_table(self, obj):
        return _jobs_table(queries.asset_jobs(obj.pk))


def _jobs_table(jobs) -> str:
    return related_table(
        ["job", "type", "status", "created", "completed", "error"],
        [
            [
                admin_link("job", j.pk),
                j.job_type,
                status_badge(j.status),
                _dt(j.created_at),
                _dt(j.completed_at),
                (j.error_message or "")[:120],
            ]
            for j in jobs
        ],
        note=f"Latest {queries.RELATED_LIMIT}.",
    )


@admin.register(Clip)
class ClipAdmin(PublishingAdmin):
    list_display = ("id", "title", "video_title", "start_ms", "end_ms", "visual_score", "created_at")
    list_columns = ("id", "title", "video_asset__title", "start_ms", "end_ms", "visual_score", "created_at")
    list_select_related = ("video_asset",)
    ordering = ("-created_at",)
    identifier_fields = {"id": "uuid", "video_asset": "uuid"}
    fieldsets = (
        (None, {"fields": ("id", "title", "video_asset", "file_path")}),
        ("Segment", {"fields": ("start_ms", "end_ms", "duration_ms", "visual_score")}),
        ("Publish logs", {"fields": ("publish_logs_table",)}),
        ("Jobs", {"fields": ("jobs_table",)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="video")
    def video_title(self, obj):
        return obj.video_asset.title

    @admin.display(description="publish logs")
    def publish_logs_table(self, obj):
        return related_table(
            ["log", "platform", "status", "requested", "published", "post id"],
            [
                [
                    admin_link("publishlog", p.pk),
                    p.platform,
                    status_badge(p.status),
                    _dt(p.requested_at),
                    _dt(p.published_at),
                    p.platform_post_id,
                ]
                for p in queries.clip_publish_logs(obj.pk)
            ],
            note=f"Latest {queries.RELATED_LIMIT}.",
        )

    @admin.display(description="jobs")
    def jobs_table(self, obj):
        return _jobs_table(queries.clip_jobs(obj.pk))


@admin.register(Job)
class JobAdmin(PublishingAdmin):
    list_display = ("id", "job_type", "status_badge", "platform", "clip_link", "created_at", "completed_at")
    # params is never loaded on the list: only its "platform" key, extracted by the database.
    list_columns = ("id", "job_type", "status", "clip_id", "created_at", "completed_at")
    list_filter = ("status",)
    ordering = ("-created_at",)
    identifier_fields = {"id": "uuid", "clip": "uuid", "video_asset": "uuid"}
    fieldsets = (
        (None, {"fields": ("id", "job_type", "status_badge", "video_asset", "clip")}),
        ("Timing", {"fields": ("created_at", "started_at", "completed_at", "updated_at")}),
        ("Parameters", {"fields": ("params_block",)}),
        ("Result", {"fields": ("result_block", "error_message")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(platform_key=KT("params__platform"))

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj.status)

    @admin.display(description="platform")
    def platform(self, obj):
        return obj.platform_key or "—"

    @admin.display(description="clip")
    def clip_link(self, obj):
        return admin_link("clip", obj.clip_id)

    @admin.display(description="params")
    def params_block(self, obj):
        return json_block(obj.params)

    @admin.display(description="result")
    def result_block(self, obj):
        return json_block(obj.result)


@admin.register(Campaign)
class CampaignAdmin(PublishingAdmin):
    list_display = ("name", "status_badge", "budget", "clip_link", "start_date", "end_date", "created_at")
    list_columns = ("id", "name", "status", "budget", "clip_id", "start_date", "end_date", "created_at")
    list_filter = ("status",)
    ordering = ("-created_at",)
    identifier_fields = {"id": "uuid", "clip": "uuid"}
    fieldsets = (
        (None, {"fields": ("id", "name", "status_badge", "clip", "budget")}),
        ("Schedule", {"fields": ("start_date", "end_date")}),
        ("Targeting", {"fields": ("targeting_block",)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj.status)

    @admin.display(description="clip")
    def clip_link(self, obj):
        return admin_link("clip", obj.clip_id)

    @admin.display(description="targeting")
    def targeting_block(self, obj):
        return json_block(obj.targeting)


@admin.register(PublishLog)
class PublishLogAdmin(PublishingAdmin):
    list_display = (
        "id",
        "clip_link",
        "platform",
        "status_badge",
        "social_account_id",
        "requested_at",
        "published_at",
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
    list_filter = ("status", "platform")
    ordering = ("-created_at",)
    identifier_fields = {"id": "uuid", "clip": "uuid", "social_account_id": "uuid", "platform_post_id": "text"}
    fieldsets = (
        (None, {"fields": ("id", "clip", "platform", "status_badge", "social_account_id")}),
        ("Timing", {"fields": ("requested_at", "scheduled_for", "published_at", "created_at", "updated_at")}),
        ("Post", {"fields": ("platform_post_id", "post_url")}),
        ("Errors", {"fields": ("error_message", "retry_count")}),
        ("Metadata", {"fields": ("metadata_block",)}),
    )

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj.status)

    @admin.display(description="clip")
    def clip_link(self, obj):
        return admin_link("clip", obj.clip_id)

    @admin.display(description="metadata")
    def metadata_block(self, obj):
        return json_block(obj.extra_metadata)
