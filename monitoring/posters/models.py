"""Unmanaged models mirroring the source tables (see fixtures/schema/posters.sql)."""

from __future__ import annotations

from django.db import models

from backoffice.fields import NativeEnumField, SourceJSONField


class JobStatus(models.TextChoices):
    """PostgreSQL enum job_status (six values in production; seed 001 lists four)."""

    PENDING = "pending"
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PosterModel(models.TextChoices):
    """batch_jobs.model: a plain varchar; the service writes "flash" or "pro" (seed 001)."""

    FLASH = "flash"
    PRO = "pro"


# poster_failure_details.failure_type: seed 001's three, and render_error (template rendering).
FAILURE_TYPES = ("api_error", "timeout", "validation_error", "render_error")


class LogLevel(models.TextChoices):
    """PostgreSQL enum log_level."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"
    CRITICAL = "CRITICAL"


class BatchJob(models.Model):
    id = models.UUIDField(primary_key=True)
    job_id = models.CharField(max_length=100, unique=True)
    campaign_name = models.CharField(max_length=255, null=True, blank=True)
    status = NativeEnumField(max_length=20, choices=JobStatus.choices, null=True)
    total_items = models.IntegerField(null=True)
    processed_items = models.IntegerField(null=True)
    success_count = models.IntegerField(null=True)
    failure_count = models.IntegerField(null=True)
    template_html = models.TextField(null=True, blank=True)
    template_url = models.CharField(max_length=500, null=True, blank=True)
    poster_size = models.CharField(max_length=50, null=True, blank=True)
    model = models.CharField(max_length=50, null=True, blank=True)
    user_identifiers = models.TextField(null=True, blank=True)
    metadata = SourceJSONField(null=True, default=dict)
    error_message = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(null=True)
    started_at = models.DateTimeField(null=True)
    completed_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "batch_jobs"
        verbose_name = "batch job"
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.job_id


class GeneratedPoster(models.Model):
    id = models.UUIDField(primary_key=True)
    # varchar job_id joining batch_jobs.job_id; the service has no FK constraint, so orphans exist.
    job = models.ForeignKey(
        BatchJob,
        to_field="job_id",
        db_column="job_id",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="posters",
    )
    user_identifier = models.CharField(max_length=255, null=True, blank=True)
    username = models.CharField(max_length=255, null=True, blank=True)
    display_name = models.CharField(max_length=255, null=True, blank=True)
    poster_url = models.CharField(max_length=500, null=True, blank=True)
    s3_key = models.CharField(max_length=500, null=True, blank=True)
    status = NativeEnumField(max_length=20, choices=JobStatus.choices, null=True)
    processing_time_ms = models.IntegerField(null=True)
    error_message = models.TextField(null=True, blank=True)
    metadata = SourceJSONField(null=True, default=dict)
    created_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "generated_posters"
        verbose_name = "generated poster"
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.username or self.user_identifier or '?'} ({self.job_id})"


class JobLog(models.Model):
    id = models.AutoField(primary_key=True)
    job = models.ForeignKey(
        BatchJob,
        to_field="job_id",
        db_column="job_id",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="logs",
    )
    level = NativeEnumField(max_length=10, choices=LogLevel.choices, null=True)
    message = models.TextField()
    details = SourceJSONField(null=True, default=dict)
    created_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "job_logs"
        verbose_name = "job log"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"#{self.pk} {self.level} {self.job_id}"


class PosterFailureDetail(models.Model):
    id = models.UUIDField(primary_key=True)
    job = models.ForeignKey(
        BatchJob,
        to_field="job_id",
        db_column="job_id",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="failures",
    )
    poster = models.ForeignKey(
        GeneratedPoster,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="failure_details",
    )
    user_identifier = models.CharField(max_length=255, null=True, blank=True)
    username = models.CharField(max_length=255, null=True, blank=True)
    failure_type = models.CharField(max_length=100, null=True, blank=True)
    error_message = models.TextField(null=True, blank=True)
    error_details = SourceJSONField(null=True, default=dict)
    retry_count = models.IntegerField(null=True)
    html_template = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "poster_failure_details"
        verbose_name = "poster failure"
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.failure_type or 'failure'} {self.username or ''} ({self.job_id})"
