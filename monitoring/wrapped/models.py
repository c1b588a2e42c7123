"""Unmanaged models mirroring the Wrapped service's tables (fixtures/schema/wrapped.sql).

Ids are varchar, payloads are `json`, timestamps are naive UTC (see ../shared/upstream.md).
Secret columns are not mapped at all, so no page can select or render them.
"""

from django.db import models

from backoffice.fields import NaiveUTCDateTimeField, SourceJSONField


class RunStatus(models.TextChoices):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class JobStatus(models.TextChoices):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AuthStatus(models.TextChoices):
    PENDING = "pending"
    FINALIZING = "finalizing"
    FINALIZED = "finalized"
    FAILED = "failed"
    EXPIRED = "expired"


class TaskName(models.TextChoices):
    WATCH_HISTORY = "watch_history_fetch_2025"
    ANALYSIS = "wrapped_analysis"
    EMAIL = "email_send"
    XORDI_FINALIZE = "xordi_finalize"
    REAUTH_NOTIFY = "reauth_notify"


class AppUser(models.Model):
    app_user_id = models.CharField(primary_key=True, max_length=64)
    archive_user_id = models.CharField(max_length=255, null=True)
    latest_sec_user_id = models.CharField("sec user id", max_length=255, null=True)
    platform_username = models.CharField(max_length=255, null=True)
    is_watch_history_available = models.CharField(max_length=32)
    time_zone = models.CharField(max_length=64, null=True)
    waitlist_opt_in = models.BooleanField()
    waitlist_opt_in_at = NaiveUTCDateTimeField(null=True)
    referred_by = models.CharField(max_length=255, null=True)
    weekly_report_unsubscribed = models.BooleanField()
    created_at = NaiveUTCDateTimeField()
    updated_at = NaiveUTCDateTimeField()

    class Meta:
        managed = False
        db_table = "app_users"
        verbose_name = "user"

    def __str__(self):
        return self.platform_username or self.app_user_id


class AppUserEmail(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    app_user = models.ForeignKey(
        AppUser, on_delete=models.DO_NOTHING, db_constraint=False, related_name="emails", db_column="app_user_id"
    )
    email = models.CharField(max_length=320)
    created_at = NaiveUTCDateTimeField()
    verified_at = NaiveUTCDateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "app_user_emails"
        verbose_name = "user email"

    def __str__(self):
        return f"Email {self.id} of user {self.app_user_id}"


class DeviceEmail(models.Model):
    device_id = models.CharField(primary_key=True, max_length=255)
    email = models.CharField(max_length=320)
    referred_by = models.CharField(max_length=255, null=True)
    waitlist_opt_in = models.BooleanField()
    waitlist_opt_in_at = NaiveUTCDateTimeField(null=True)
    created_at = NaiveUTCDateTimeField()
    updated_at = NaiveUTCDateTimeField()

    class Meta:
        managed = False
        db_table = "device_emails"
        verbose_name = "device email"

    def __str__(self):
        return f"Device {self.device_id}"


class AppSession(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    app_user = models.ForeignKey(
        AppUser, on_delete=models.DO_NOTHING, db_constraint=False, related_name="sessions", db_column="app_user_id"
    )
    device_id = models.CharField(max_length=255, null=True)
    platform = models.CharField(max_length=32, null=True)
    app_version = models.CharField(max_length=32, null=True)
    os_version = models.CharField(max_length=32, null=True)
    issued_at = NaiveUTCDateTimeField()
    expires_at = NaiveUTCDateTimeField(null=True)
    revoked_at = NaiveUTCDateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "app_sessions"
        verbose_name = "session"

    def __str__(self):
        return f"Session {self.id}"


class AuthJob(models.Model):
    archive_job_id = models.CharField(primary_key=True, max_length=255)
    app_user_id = models.CharField(max_length=64, null=True)
    provider = models.CharField(max_length=32)
    status = models.CharField(max_length=32, choices=AuthStatus.choices)
    last_error = models.TextField(null=True)
    device_id = models.CharField(max_length=255, null=True)
    client_ip = models.CharField(max_length=64, null=True)
    email = models.CharField(max_length=320, null=True)
    platform = models.CharField(max_length=32, null=True)
    app_version = models.CharField(max_length=32, null=True)
    os_version = models.CharField(max_length=32, null=True)
    finalized_at = NaiveUTCDateTimeField(null=True)
    session_id = models.CharField(max_length=64, null=True)
    redirect_clicked_at = NaiveUTCDateTimeField(null=True)
    redirect_clicks = models.IntegerField()
    created_at = NaiveUTCDateTimeField()
    updated_at = NaiveUTCDateTimeField()

    class Meta:
        managed = False
        db_table = "app_auth_jobs"
        verbose_name = "auth job"

    def __str__(self):
        return f"Auth job {self.archive_job_id}"


class AppJob(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    task_name = models.CharField(max_length=64, choices=TaskName.choices)
    payload = SourceJSONField(json_type="json")
    status = models.CharField(max_length=32, choices=JobStatus.choices)
    attempts = models.IntegerField()
    max_attempts = models.IntegerField()
    not_before = NaiveUTCDateTimeField(null=True)
    idempotency_key = models.CharField(max_length=255, null=True)
    locked_by = models.CharField(max_length=255, null=True)
    locked_at = NaiveUTCDateTimeField(null=True)
    lease_seconds = models.IntegerField()
    created_at = NaiveUTCDateTimeField()
    updated_at = NaiveUTCDateTimeField()

    class Meta:
        managed = False
        db_table = "app_jobs"
        verbose_name = "queue job"

    def __str__(self):
        return f"{self.task_name} {self.id}"


class WrappedRun(models.Model):
    id = models.CharField("wrapped run id", primary_key=True, max_length=64)
    app_user = models.ForeignKey(
        AppUser, on_delete=models.DO_NOTHING, db_constraint=False, related_name="runs", db_column="app_user_id"
    )
    sec_user_id = models.CharField(max_length=255, null=True)
    archive_user_id = models.CharField(max_length=255, null=True)
    status = models.CharField(max_length=32, choices=RunStatus.choices)
    email = models.CharField(max_length=320, null=True)
    payload = SourceJSONField(json_type="json")
    watch_history_job = models.ForeignKey(
        AppJob,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        db_column="watch_history_job_id",
        null=True,
    )
    created_at = NaiveUTCDateTimeField()
    updated_at = NaiveUTCDateTimeField()

    class Meta:
        managed = False
        db_table = "app_wrapped_runs"
        verbose_name = "wrapped run"

    def __str__(self):
        return self.id


class Referral(models.Model):
    code = models.CharField(primary_key=True, max_length=64)
    referrer_app_user_id = models.CharField(max_length=64)
    impressions = models.IntegerField()
    conversions = models.IntegerField()
    completions = models.IntegerField()
    created_at = NaiveUTCDateTimeField()
    updated_at = NaiveUTCDateTimeField()

    class Meta:
        managed = False
        db_table = "referrals"

    def __str__(self):
        return f"Referral {self.code}"


class ReferralEvent(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    referrer_app_user_id = models.CharField(max_length=64)
    referred_app_user_id = models.CharField(max_length=64, null=True)
    event_type = models.CharField(max_length=32)
    archive_job_id = models.CharField(max_length=255, null=True)
    wrapped_run_id = models.CharField(max_length=64, null=True)
    ip = models.CharField(max_length=64, null=True)
    user_agent = models.TextField(null=True)
    created_at = NaiveUTCDateTimeField()

    class Meta:
        managed = False
        db_table = "referral_events"
        verbose_name = "referral event"

    def __str__(self):
        return f"Referral event {self.event_type} {self.id}"
