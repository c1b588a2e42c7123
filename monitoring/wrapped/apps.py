"""The wrapped source as the core sees it (backoffice.source_app): declared here, once."""

from backoffice.source_app import SourceAppConfig
from monitoring.wrapped import expressions

SECRET_COLUMNS = {
    "app_users": ["latest_anchor_token"],
    "app_sessions": ["token_hash", "token_encrypted"],
    "app_wrapped_runs": ["token_hash"],
}

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
    ("app_jobs", "status, task_name", "bo_jobs_status_task", "the queue's counts by task and status"),
    ("app_jobs", "updated_at DESC, id DESC", "bo_jobs_updated_at_id", "the queue (open jobs, newest first)"),
    # The queue narrowed to a status or a task, read in the list's order (updated_at DESC, id DESC):
    # without them the page walks bo_jobs_updated_at_id and throws away every other job.
    (
        "app_jobs",
        "status, updated_at DESC, id DESC",
        "bo_jobs_status_updated_at",
        "the queue filtered by status (e.g. Succeeded)",
    ),
    ("app_jobs", "task_name, updated_at DESC, id DESC", "bo_jobs_task_updated_at", "the queue filtered by task"),
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
    # The lists' own order, tie-breaker included (the admin adds id DESC): a page reads its rows
    # from the index instead of sorting the whole table.
    (
        "app_user_emails",
        "created_at DESC, id DESC",
        "bo_user_emails_created_at_id",
        "the user emails list (newest first)",
    ),
    ("app_sessions", "issued_at DESC, id DESC", "bo_sessions_issued_at_id", "the sessions list (newest first)"),
    (
        "referral_events",
        "created_at DESC, id DESC",
        "bo_referral_events_created_at_id",
        "the referral events list (newest first)",
    ),
    ("referral_events", "referrer_app_user_id", "bo_referral_events_referrer", "the referral events search"),
    ("referral_events", "referred_app_user_id", "bo_referral_events_referred", "the referral events search"),
]

# The dashboard's panels (monitoring/wrapped/dashboard.py); the others they read are named above.
RECOMMENDED_INDEXES += [
    (
        "app_jobs",
        "status, task_name, created_at",
        "bo_jobs_status_task_created",
        "the dashboard's queue panel (the oldest pending job of each task, index-only)",
    ),
]


class WrappedConfig(SourceAppConfig):
    name = "monitoring.wrapped"
    label = "wrapped"  # == the DB alias the router sends these models to

    status_tones = {
        "ok": frozenset({"ready", "succeeded", "finalized"}),
        "run": frozenset({"running", "finalizing"}),
        "warn": frozenset({"pending", "scrape_done"}),
        "bad": frozenset({"failed", "error", "expired"}),
    }
    secret_columns = SECRET_COLUMNS
    service_indexes = SERVICE_INDEXES
    recommended_indexes = RECOMMENDED_INDEXES
    api_endpoints = (
        ("POST", "/admin/wrapped/runs/{key}/retry"),
        ("POST", "/admin/test/runs/{key}/retry-watch-history"),
        ("POST", "/admin/test/runs/{key}/retry-analysis"),
        ("POST", "/admin/test/runs/{key}/retry-email"),
        ("POST", "/admin/wrapped/runs/retry-failed"),
    )

    dashboard = "dashboard"
    find = "find"
    timeline = "timeline"
    bench = "bench"
    demo_data = "demo_data"
    fake_service = "fake_service"
