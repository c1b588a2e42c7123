"""The xtrack source as the core sees it (backoffice.source_app): declared here, once."""

from backoffice.source_app import SourceAppConfig

# Columns that exist in the source but are never mapped, selected or rendered.
SECRET_COLUMNS = {
    "users": ["password_hash"],
    "notification_bind_tokens": ["token"],
    "verification_codes": ["code"],
}

# (table, columns_sql, index name): the service's own indexes the admin pages rely on.
SERVICE_INDEXES = [
    ("users", "email", "users_email_key"),
    ("jobs", "x_username", "ix_jobs_x_username"),
    ("job_executions", "job_id", "ix_job_executions_job_id"),
    ("job_executions", "created_at", "ix_job_executions_created_at"),
    ("summaries", "job_id", "ix_summaries_job_id"),
    ("summaries", "is_playground", "ix_summaries_is_playground"),
    ("notification_bind_tokens", "user_id", "ix_notification_bind_tokens_user_id"),
    ("job_notification_targets", "job_id, notification_target_id", "job_notification_targets_pkey"),
]

# Indexes the back office's related lists and searches need beyond the service's own;
# check_sources prints them as CREATE INDEX CONCURRENTLY suggestions.
RECOMMENDED_INDEXES = [
    ("jobs", "user_id", "bo_jobs_user_id"),
    ("summaries", "execution_id", "bo_summaries_execution_id"),
    ("summaries", "created_at DESC, id DESC", "bo_summaries_created_at_id"),
    ("notification_targets", "user_id", "bo_notification_targets_user_id"),
    ("verification_codes", "email", "bo_verification_codes_email"),
    # A job's last executions read exactly (the jobs list's last status and success rate, the job
    # page's history); ix_job_executions_job_id alone reads all of a job's executions and sorts.
    (
        "job_executions",
        "job_id, id DESC",
        "bo_job_executions_job_id_id",
        "the jobs list (last status, success rate) and the job page (executions)",
    ),
    ("job_executions", "status, id DESC", "bo_job_executions_status_id", "the executions list's status filter"),
    # The bind tokens list filtered by channel or used, in its order (id DESC): the page stops after
    # its rows and the bounded count reads only the matching index entries, not the whole table.
    (
        "notification_bind_tokens",
        "channel, id DESC",
        "bo_bind_tokens_channel_id",
        "the bind tokens list filtered by channel (Telegram / Email)",
    ),
    ("notification_bind_tokens", "used, id DESC", "bo_bind_tokens_used_id", "the bind tokens list filtered by used"),
    # The same for the other small lists' filters whose value few rows hold (suspended users,
    # codes never marked used, targets that are not the default): without them the bounded
    # count reads the whole table to find its few rows.
    ("users", "status, id DESC", "bo_users_status_id", "the users list filtered by status"),
    ("verification_codes", "used, id DESC", "bo_verification_codes_used_id", "the codes list filtered by used"),
    (
        "notification_targets",
        "is_default, id DESC",
        "bo_notification_targets_default_id",
        "the notification targets list filtered by default",
    ),
    # Case-insensitive search: without them the searches match exactly (and say so).
    (
        "jobs",
        "lower(x_username)",
        "bo_jobs_lower_x_username",
        "the jobs search by x_username, in any case (else exact)",
    ),
    (
        "users",
        "lower(email)",
        "bo_users_lower_email",
        "the users and jobs searches by email, in any case (else as typed or lower-case)",
    ),
]


# The dashboard's panels (monitoring/xtrack/dashboard.py): the last 24 h of executions, index-only.
RECOMMENDED_INDEXES += [
    (
        "job_executions",
        "created_at, status, job_id",
        "bo_job_executions_created_status_job",
        "the dashboard's executions panels (by status, jobs whose latest run failed, per hour)",
    ),
]


class XtrackConfig(SourceAppConfig):
    name = "monitoring.xtrack"
    label = "xtrack"  # == the DB alias the router sends these models to

    status_tones = {
        "ok": frozenset({"completed", "active", "ACTIVE", "COMPLETED"}),
        "run": frozenset({"running", "RUNNING"}),
        "warn": frozenset({"UNVERIFIED"}),
        "bad": frozenset({"failed", "error", "FAILED", "SUSPENDED"}),
    }
    secret_columns = SECRET_COLUMNS
    service_indexes = SERVICE_INDEXES
    recommended_indexes = RECOMMENDED_INDEXES

    dashboard = "dashboard"
    find = "find"
    timeline = "timeline"
    demo_data = "demo_data"
