"""Unmanaged models mirroring the publishing service's tables (see fixtures/schema/publishing.sql)."""

from __future__ import annotations

from django.db import models

from backoffice.fields import SourceJSONField


class JobStatus(models.TextChoices):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"


class PublishStatus(models.TextChoices):
    PENDING = "pending"
    SCHEDULED = "scheduled"
    PROCESSING = "processing"
    SUCCESS = "success"
    FAILED = "failed"


class Platform(models.TextChoices):
    INSTAGRAM = "instagram"
    TIKTOK = "tiktok"
    YOUTUBE = "youtube"
    OTHER = "other"


class VideoAsset(models.Model):
    id = models.UUIDField(primary_key=True)
    title = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    file_path = models.TextField()
    file_size_bytes = models.BigIntegerField(null=True)
    duration_ms = models.IntegerField(null=True)
    width = models.IntegerField(null=True)
    height = models.IntegerField(null=True)
    source_url = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "video_assets"
        verbose_name = "video asset"

    def __str__(self) -> str:
        return self.title or str(self.id)


class Clip(models.Model):
    id = models.UUIDField(primary_key=True)
    video_asset = models.ForeignKey(VideoAsset, on_delete=models.DO_NOTHING, db_constraint=False, related_name="clips")
    title = models.CharField(max_length=255, null=True, blank=True)
    start_ms = models.IntegerField()
    end_ms = models.IntegerField()
    duration_ms = models.IntegerField(null=True)
    file_path = models.TextField(null=True, blank=True)
    visual_score = models.FloatField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "clips"

    def __str__(self) -> str:
        return self.title or f"clip {str(self.id)[:8]}"


class Job(models.Model):
    id = models.UUIDField(primary_key=True)
    job_type = models.CharField(max_length=50)
    status = models.CharField(max_length=20, choices=JobStatus.choices)
    params = SourceJSONField(default=dict)
    result = SourceJSONField(null=True)
    error_message = models.TextField(null=True, blank=True)
    video_asset = models.ForeignKey(
        VideoAsset, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="jobs"
    )
    clip = models.ForeignKey(Clip, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="jobs")
    started_at = models.DateTimeField(null=True)
    completed_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "jobs"

    def __str__(self) -> str:
        return f"{self.job_type} {str(self.id)[:8]}"


class Campaign(models.Model):
    id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=255)
    clip = models.ForeignKey(
        Clip, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="campaigns"
    )
    status = models.CharField(max_length=20, choices=CampaignStatus.choices)
    budget = models.DecimalField(max_digits=12, decimal_places=2)
    targeting = SourceJSONField(default=dict)
    start_date = models.DateTimeField(null=True)
    end_date = models.DateTimeField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "campaigns"

    def __str__(self) -> str:
        return self.name


class PublishLog(models.Model):
    id = models.UUIDField(primary_key=True)
    clip = models.ForeignKey(Clip, on_delete=models.DO_NOTHING, db_constraint=False, related_name="publish_logs")
    platform = models.CharField(max_length=50, choices=Platform.choices)
    social_account_id = models.UUIDField(null=True)  # an account in another service: no FK
    status = models.CharField(max_length=20, choices=PublishStatus.choices)
    requested_at = models.DateTimeField()
    scheduled_for = models.DateTimeField(null=True)
    published_at = models.DateTimeField(null=True)
    platform_post_id = models.CharField(max_length=255, null=True, blank=True)
    post_url = models.TextField(null=True, blank=True)
    error_message = models.TextField(null=True, blank=True)
    retry_count = models.IntegerField()
    extra_metadata = SourceJSONField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "publish_logs"
        verbose_name = "publish log"

    def __str__(self) -> str:
        return f"{self.platform} {str(self.id)[:8]}"
