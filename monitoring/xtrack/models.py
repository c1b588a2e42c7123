"""Unmanaged models mirroring the source tables (see fixtures/schema/xtrack.sql).

The service's DateTime columns are naive (SQLAlchemy default, written as UTC): NaiveUTCDateTimeField
reads them as aware UTC. Enum columns hold the SQLAlchemy member *names* (upper-case).
"""

from __future__ import annotations

from django.db import models

from backoffice.fields import NaiveUTCDateTimeField, NativeEnumField, SourceJSONField

# Columns that exist in the source but are never mapped, selected or rendered.
SECRET_COLUMNS: dict[str, list[str]] = {
    "users": ["password_hash"],
    "notification_bind_tokens": ["token"],
    "verification_codes": ["code"],
}

# (table, columns_sql, index name) the admin pages rely on; a health check reports missing ones.
HOT_INDEXES: list[tuple[str, str, str]] = [
    ("users", "email", "ix_users_email"),
    ("jobs", "x_username", "ix_jobs_x_username"),
    ("jobs", "user_id", "ix_jobs_user_id"),
    ("job_executions", "job_id", "ix_job_executions_job_id"),
    ("job_executions", "created_at", "ix_job_executions_created_at"),
    ("summaries", "created_at", "ix_summaries_created_at"),
    ("summaries", "job_id", "ix_summaries_job_id"),
    ("summaries", "execution_id", "ix_summaries_execution_id"),
    ("summaries", "is_playground", "ix_summaries_is_playground"),
    ("notification_targets", "user_id", "ix_notification_targets_user_id"),
    ("verification_codes", "email", "ix_verification_codes_email"),
]


class UserStatus(models.TextChoices):
    UNVERIFIED = "UNVERIFIED"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


class JobStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    DELETED = "DELETED"


class ExecutionStatus(models.TextChoices):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class NotificationChannel(models.TextChoices):
    TELEGRAM = "TELEGRAM"
    EMAIL = "EMAIL"


class User(models.Model):
    id = models.AutoField(primary_key=True)
    email = models.CharField(max_length=255, unique=True)
    # password_hash: never mapped (SECRET_COLUMNS)
    name = models.CharField(max_length=255, null=True, blank=True)
    status = NativeEnumField(max_length=20, choices=UserStatus.choices)
    created_at = NaiveUTCDateTimeField(null=True)
    updated_at = NaiveUTCDateTimeField(null=True)
    last_login_at = NaiveUTCDateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "users"
        verbose_name = "user"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"user #{self.pk}"


class NotificationTarget(models.Model):
    id = models.AutoField(primary_key=True)
    user = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, db_constraint=False, related_name="notification_targets"
    )
    channel = NativeEnumField(max_length=20, choices=NotificationChannel.choices)
    name = models.CharField(max_length=255, null=True, blank=True)
    telegram_chat_id = models.CharField(max_length=255, null=True, blank=True)
    telegram_username = models.CharField(max_length=255, null=True, blank=True)
    email = models.CharField(max_length=255, null=True, blank=True)
    is_verified = models.BooleanField(default=False)
    is_default = models.BooleanField(default=False)
    created_at = NaiveUTCDateTimeField(null=True)
    updated_at = NaiveUTCDateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "notification_targets"
        verbose_name = "notification target"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"{self.channel} target #{self.pk}"


class Job(models.Model):
    id = models.AutoField(primary_key=True)
    user = models.ForeignKey(User, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="jobs")
    x_username = models.CharField(max_length=255)
    frequency = models.CharField(max_length=50)
    topics = SourceJSONField(null=True, json_type="json")
    language = models.CharField(max_length=20, null=True, blank=True)
    email = models.CharField(max_length=255, null=True, blank=True)
    is_active = models.BooleanField(null=True)
    status = NativeEnumField(max_length=20, choices=JobStatus.choices)
    notification_target = models.ForeignKey(
        NotificationTarget, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="jobs"
    )
    created_at = NaiveUTCDateTimeField(null=True)
    last_run = NaiveUTCDateTimeField(null=True)
    updated_at = NaiveUTCDateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "jobs"
        verbose_name = "job"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"job #{self.pk} @{self.x_username}"


class JobNotificationTarget(models.Model):
    id = models.AutoField(primary_key=True)
    job = models.ForeignKey(Job, on_delete=models.DO_NOTHING, db_constraint=False, related_name="target_links")
    notification_target = models.ForeignKey(
        NotificationTarget, on_delete=models.DO_NOTHING, db_constraint=False, related_name="job_links"
    )
    created_at = NaiveUTCDateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "job_notification_targets"
        verbose_name = "job notification target"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"job #{self.job_id} → target #{self.notification_target_id}"


class JobExecution(models.Model):
    id = models.AutoField(primary_key=True)
    job = models.ForeignKey(Job, on_delete=models.DO_NOTHING, db_constraint=False, related_name="executions")
    status = NativeEnumField(max_length=20, choices=ExecutionStatus.choices)
    started_at = NaiveUTCDateTimeField(null=True)
    completed_at = NaiveUTCDateTimeField(null=True)
    tweets_fetched = models.IntegerField(null=True)
    error_message = models.TextField(null=True, blank=True)
    created_at = NaiveUTCDateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "job_executions"
        verbose_name = "job execution"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"execution #{self.pk} of job #{self.job_id}"


class Summary(models.Model):
    id = models.CharField(max_length=36, primary_key=True)
    job = models.ForeignKey(Job, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="summaries")
    execution = models.ForeignKey(
        JobExecution, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="summaries"
    )
    is_playground = models.BooleanField(null=True)
    x_username = models.CharField(max_length=255, null=True, blank=True)
    topics = SourceJSONField(null=True, json_type="json")
    hours_back = models.IntegerField(null=True)
    content = models.TextField()
    tweets_count = models.IntegerField(null=True)
    raw_data = SourceJSONField(null=True, json_type="json")
    input_tokens = models.IntegerField(null=True)
    output_tokens = models.IntegerField(null=True)
    created_at = NaiveUTCDateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "summaries"
        verbose_name = "summary"
        verbose_name_plural = "summaries"
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"summary {self.pk}"


class NotificationBindToken(models.Model):
    id = models.AutoField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.DO_NOTHING, db_constraint=False, related_name="bind_tokens")
    # token: never mapped (SECRET_COLUMNS)
    channel = NativeEnumField(max_length=20, choices=NotificationChannel.choices)
    expires_at = NaiveUTCDateTimeField()
    used_at = NaiveUTCDateTimeField(null=True)
    created_at = NaiveUTCDateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "notification_bind_tokens"
        verbose_name = "notification bind token"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"bind token #{self.pk}"


class VerificationCode(models.Model):
    id = models.AutoField(primary_key=True)
    user = models.ForeignKey(
        User, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="verification_codes"
    )
    email = models.CharField(max_length=255)
    # code: never mapped (SECRET_COLUMNS)
    purpose = models.CharField(max_length=50)
    attempts = models.IntegerField(default=0)
    expires_at = NaiveUTCDateTimeField()
    used_at = NaiveUTCDateTimeField(null=True)
    created_at = NaiveUTCDateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "verification_codes"
        verbose_name = "verification code"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"verification code #{self.pk}"
