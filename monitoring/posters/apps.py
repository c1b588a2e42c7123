"""The posters source as the core sees it (backoffice.source_app): declared here, once."""

from backoffice.source_app import SourceAppConfig

# Columns that exist in the source but are never mapped, selected or rendered.
SECRET_COLUMNS = {}

# (table, columns_sql, index name): the service's own indexes the admin pages rely on.
SERVICE_INDEXES = [
    ("batch_jobs", "job_id", "batch_jobs_job_id_key"),
    ("batch_jobs", "created_at DESC", "idx_batch_jobs_created_at"),
    ("generated_posters", "job_id", "idx_generated_posters_job_id"),
    ("generated_posters", "username", "idx_generated_posters_username"),
    ("job_logs", "job_id", "idx_job_logs_job_id"),
    ("poster_failure_details", "job_id", "idx_failure_details_job_id"),
]

# Indexes the back office's pages need beyond the service's own; check_sources prints them as
# CREATE INDEX CONCURRENTLY suggestions.
RECOMMENDED_INDEXES = [
    ("generated_posters", "created_at DESC, id DESC", "bo_generated_posters_created_at_id"),
    ("generated_posters", "USING gin (metadata)", "bo_generated_posters_metadata"),
    (
        "poster_failure_details",
        "poster_id",
        "bo_poster_failure_details_poster_id",
        "a poster's failures and the failures search by UUID",
    ),
    # The failures search by username (exact); a UUID term reads the primary key and poster_id.
    (
        "poster_failure_details",
        "username",
        "bo_poster_failure_details_username",
        "the poster failures search by username",
    ),
    ("poster_failure_details", "created_at DESC", "bo_poster_failure_details_created_at"),
    # The batch jobs list filtered by status keeps its newest-first order without a sort.
    ("batch_jobs", "status, created_at DESC", "bo_batch_jobs_status_created_at"),
    (
        "batch_jobs",
        "model, created_at DESC",
        "bo_batch_jobs_model_created_at",
        "the batch jobs list filtered by model (and a date range), and its count",
    ),
]


# The dashboard's panels (monitoring/posters/dashboard.py): today's posters and failures, index-only.
RECOMMENDED_INDEXES += [
    (
        "generated_posters",
        "created_at, status",
        "bo_generated_posters_created_status",
        "the dashboard's batches panel (posters made and failed today) and posters-per-hour chart",
    ),
    (
        "poster_failure_details",
        "created_at, failure_type",
        "bo_poster_failure_details_created_type",
        "the dashboard's batches panel (today's top failure types)",
    ),
]


class PostersConfig(SourceAppConfig):
    name = "monitoring.posters"
    label = "posters"  # == the DB alias the router sends these models to

    status_tones = {
        "ok": frozenset({"completed", "success"}),
        "run": frozenset({"processing", "queued"}),
        "warn": frozenset({"pending", "WARNING"}),
        "bad": frozenset({"failed", "error", "cancelled", "CRITICAL", "ERROR"}),
    }
    secret_columns = SECRET_COLUMNS
    service_indexes = SERVICE_INDEXES
    recommended_indexes = RECOMMENDED_INDEXES
    api_endpoints = (
        ("GET", "/api/batch/jobs/{key}/posters-for-save"),
        ("POST", "/api/save-bulk-posters"),
    )

    dashboard = "dashboard"
    find = "find"
    timeline = "timeline"
    bench = "bench"
    demo_data = "demo_data"
    fake_service = "fake_service"
