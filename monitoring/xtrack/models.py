"""Unmanaged models mirroring the source tables (see fixtures/schema/xtrack.sql).

Timestamps are timestamptz. Enum columns hold the SQLAlchemy member *names* (upper-case).
"""

from __future__ import annotations

from django.db import models

from backoffice.fields import NativeEnumField, SourceJSONField


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


class VerificationCodeType(models.TextChoices):
    EMAIL_VERIFICATION = "EMAIL_VERIFICATION"
    PASSWORD_RESET = "PASSWORD_RESET"
    EMAIL_CHANGE = "EMAIL_CHANGE"


class User(models.Model):
    id = models.AutoField(primary_key=True)
    email = models.CharField(max_length=255, unique=True)
    # password_hash: never mapped (SECRET_COLUMNS)
    name = models.CharField(max_length=255, null=True, blank=True)
    status = NativeEnumField(max_length=20, choices=UserStatus.choices)
    created_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(null=True)
    last_login_at = models.DateTimeField(null=True)

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
    destination = models.CharField(max_length=255)  # a Telegram chat id or an email address
    meta = SourceJSONField(json_type="json", null=True)
    is_default = models.BooleanField()
    created_at = models.DateTimeField(null=True)

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
    topics = SourceJSONField(json_type="json", null=True)
    language = models.CharField(max_length=20)
    email = models.CharField(max_length=255, null=True, blank=True)
    is_active = models.BooleanField(null=True)
    status = NativeEnumField(max_length=20, choices=JobStatus.choices)
    notification_target = models.ForeignKey(
        NotificationTarget, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    created_at = models.DateTimeField(null=True)
    last_run = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "jobs"
        verbose_name = "job"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"job #{self.pk} @{self.x_username}"


class JobNotificationTarget(models.Model):
    # No id: the key is (job_id, notification_target_id). Shown inside the job page only.
    pk = models.CompositePrimaryKey("job_id", "notification_target_id")
    job = models.ForeignKey(Job, on_delete=models.DO_NOTHING, db_constraint=False, related_name="target_links")
    notification_target = models.ForeignKey(
        NotificationTarget, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    created_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "job_notification_targets"
        verbose_name = "job notification target"

    def __str__(self) -> str:
        return f"job #{self.job_id} → target #{self.notification_target_id}"


class JobExecution(models.Model):
    id = models.AutoField(primary_key=True)
    job = models.ForeignKey(Job, on_delete=models.DO_NOTHING, db_constraint=False, related_name="executions")
    status = NativeEnumField(max_length=20, choices=ExecutionStatus.choices)
    started_at = models.DateTimeField(null=True)
    completed_at = models.DateTimeField(null=True)
    tweets_fetched = models.IntegerField(null=True)
    error_message = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(null=True)

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
    is_playground = models.BooleanField()
    x_username = models.CharField(max_length=255, null=True, blank=True)
    topics = SourceJSONField(json_type="json", null=True)
    hours_back = models.IntegerField(null=True)
    content = models.TextField()
    tweets_count = models.IntegerField(null=True)
    raw_data = SourceJSONField(json_type="json", null=True)
    input_tokens = models.IntegerField()
    output_tokens = models.IntegerField()
    created_at = models.DateTimeField(null=True)

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
    expires_at = models.DateTimeField()
    used = models.BooleanField()
    created_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "notification_bind_tokens"
        verbose_name = "notification bind token"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"bind token #{self.pk}"


class VerificationCode(models.Model):
    id = models.AutoField(primary_key=True)
    email = models.CharField(max_length=255)  # no user id: codes are sent to an address
    # code: never mapped (SECRET_COLUMNS)
    code_type = NativeEnumField(max_length=20, choices=VerificationCodeType.choices)
    used = models.BooleanField(null=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "verification_codes"
        verbose_name = "verification code"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"verification code #{self.pk}"
