"""Unmanaged models mirroring the Wrapped service's tables (fixtures/schema/wrapped.sql).

Ids are varchar, payloads are `json`, timestamps are naive UTC (see ../shared/upstream.md).
Secret columns are not mapped at all, so no page can select or render them.
"""

from django.db import models

from backoffice.fields import NaiveUTCDateTimeField, SourceJSONField
from monitoring.wrapped import expressions

SECRET_COLUMNS = {
    "app_users": ["latest_anchor_token"],
    "app_sessions": ["token_hash", "token_encrypted"],
    "app_wrapped_runs": ["token_hash"],
}


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


# Indexes the back office's hot queries need beyond what the service has; check_sources prints
# them as CREATE INDEX CONCURRENTLY suggestions. (table, columns, name)
RECOMMENDED_INDEXES = [
    # The stage and warnings filters, as expressions: a filtered page then reads no payload.
    # Rendered for the payload's real type (json or jsonb) when a health check suggests them.
    (
        "app_wrapped_runs",
        expressions.indexable(lambda kind: f"{expressions.stage_filter_sql(None, kind)}, updated_at DESC, id DESC"),
        "bo_runs_stage",
    ),
    (
        "app_wrapped_runs",
        expressions.indexable(
            lambda kind: f"{expressions.has_warnings_filter_sql(None, kind)}, updated_at DESC, id DESC"
        ),
        "bo_runs_warnings",
    ),
    ("app_wrapped_runs", "updated_at DESC, id DESC", "bo_runs_updated_at_id"),
    ("app_wrapped_runs", "status, updated_at DESC, id DESC", "bo_runs_status_updated_at"),
    ("app_wrapped_runs", "lower(email)", "bo_runs_lower_email"),
    ("app_jobs", "status, task_name", "bo_jobs_status_task"),
    ("app_jobs", "updated_at DESC, id DESC", "bo_jobs_updated_at_id"),
    ("app_auth_jobs", "updated_at DESC, archive_job_id DESC", "bo_auth_updated_at_id"),
    ("device_emails", "updated_at DESC, device_id DESC", "bo_device_emails_updated_at"),
    ("app_users", "created_at DESC, app_user_id DESC", "bo_users_created_at"),
    # Find anything: a TikTok username pasted by support.
    ("app_users", "platform_username", "bo_users_platform_username"),
]


# The service's own indexes (fixtures/schema/wrapped.sql) that pages read through, and which pages:
# check_sources reports one that is gone. (table, columns, name, pages)
SERVICE_INDEXES = [
    ("app_user_emails", "email", "ix_app_user_emails_email", "Find a person, the runs and users searches by email"),
    ("device_emails", "email", "ix_device_emails_email", "Find a person and the Auth / Linking search by email"),
    ("app_sessions", "app_user_id", "ix_app_sessions_app_user_id", "the user detail (sessions) and Find a person"),
    (
        "app_sessions",
        "device_id",
        "ix_app_sessions_device_id",
        "the device detail (sessions), the runs search and Find a person by device id",
    ),
    ("app_auth_jobs", "app_user_id", "ix_app_auth_jobs_app_user_id", "the user detail (auth jobs) and Find a person"),
    ("app_auth_jobs", "email", "ix_app_auth_jobs_email", "Find a person and the runs search by email"),
    ("app_jobs", "task_name", "ix_app_jobs_task_name", "the queue's task filter"),
    (
        "app_jobs",
        "idempotency_key",
        "ix_app_jobs_idempotency_key",
        "the queue search and Find a person (a run's stage jobs)",
    ),
    (
        "app_wrapped_runs",
        "app_user_id",
        "ix_app_wrapped_runs_app_user_id",
        "the runs search by person, the user detail (runs) and Find a person",
    ),
    ("app_wrapped_runs", "sec_user_id", "ix_app_wrapped_runs_sec_user_id", "the runs search by sec_user_id"),
    (
        "app_wrapped_runs",
        "archive_user_id",
        "ix_app_wrapped_runs_archive_user_id",
        "the runs search by archive_user_id",
    ),
]

# Lookups the pages make on columns the service leaves unindexed: recommended, with their pages.
RECOMMENDED_INDEXES += [
    ("app_users", "archive_user_id", "bo_users_archive_user_id", "the users search"),
    (
        "app_users",
        "latest_sec_user_id",
        "bo_users_latest_sec_user_id",
        "the users search, the runs search and Find a person (by sec_user_id)",
    ),
    ("app_user_emails", "app_user_id", "bo_user_emails_app_user_id", "the user detail (emails) and the timeline"),
    (
        "app_auth_jobs",
        "device_id",
        "bo_auth_jobs_device_id",
        "the Auth / Linking list (latest auth job of each device), its detail and Find a person",
    ),
    ("referrals", "referrer_app_user_id", "bo_referrals_referrer", "the referrals search"),
    ("referral_events", "referrer_app_user_id", "bo_referral_events_referrer", "the referral events search"),
    ("referral_events", "referred_app_user_id", "bo_referral_events_referred", "the referral events search"),
]
