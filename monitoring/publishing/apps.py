"""The publishing source as the core sees it (backoffice.source_app): declared here, once."""

from backoffice.source_app import SourceAppConfig

# Columns that exist upstream but are never mapped (nothing secret in this source).
SECRET_COLUMNS = {}

# (table, columns_sql, name): the indexes the admin pages rely on (ordering, search, filters).
SERVICE_INDEXES = [
    ("video_assets", "created_at, id", "idx_video_assets_created_at"),
    ("clips", "created_at, id", "idx_clips_created_at"),
    ("clips", "video_asset_id", "idx_clips_video_asset_id"),
    ("jobs", "created_at, id", "idx_jobs_created_at"),
    ("jobs", "status", "idx_jobs_status"),
    ("jobs", "clip_id", "idx_jobs_clip_id"),
    ("jobs", "video_asset_id", "idx_jobs_video_asset_id"),
    ("campaigns", "created_at, id", "idx_campaigns_created_at"),
    ("campaigns", "status", "idx_campaigns_status"),
    ("campaigns", "clip_id", "idx_campaigns_clip_id"),
    ("publish_logs", "created_at, id", "idx_publish_logs_created_at"),
    ("publish_logs", "status", "idx_publish_logs_status"),
    ("publish_logs", "platform", "idx_publish_logs_platform"),
    ("publish_logs", "clip_id", "idx_publish_logs_clip_id"),
    ("publish_logs", "social_account_id", "idx_publish_logs_social_account_id"),
    ("publish_logs", "platform_post_id", "idx_publish_logs_platform_post_id"),
]

# Indexes the back office's pages, the dashboard's publishing panels and the stats API need beyond
# the service's own (index-only where a column list can say it); check_sources prints them as
# CREATE INDEX CONCURRENTLY suggestions. (table, columns, name, pages)
RECOMMENDED_INDEXES = [
    # The logs list filtered by "requested" (a date range): the bounded count is an index-only range
    # read instead of a Seq Scan of publish_logs; id makes it index-only.
    (
        "publish_logs",
        "requested_at, id",
        "bo_publish_logs_requested_at",
        "the publish logs list filtered by requested (date range)",
    ),
    (
        "publish_logs",
        "platform, clip_id, status",
        "bo_publish_logs_platform_clip",
        "stats platforms and the platforms panel (clips ready / published, the mean clip score)",
    ),
    (
        "publish_logs",
        "platform, status, requested_at, published_at",
        "bo_publish_logs_platform_status_requested",
        "stats queue (with and without ?platform=) and the queue panel",
    ),
    (
        "publish_logs",
        "status, social_account_id",
        "bo_publish_logs_status_account",
        "stats orchestrator and the orchestrator panel (active workers)",
    ),
    (
        "jobs",
        "(params ->> 'platform'), status",
        "bo_jobs_platform_status",
        "stats platforms and the platforms panel (jobs completed / failed by params.platform)",
    ),
]


class PublishingConfig(SourceAppConfig):
    name = "monitoring.publishing"
    label = "publishing"  # == the DB alias the router sends these models to

    status_tones = {
        "ok": frozenset({"completed", "success", "active"}),
        "run": frozenset({"processing"}),
        "warn": frozenset({"pending", "paused", "draft"}),
        "bad": frozenset({"failed", "error"}),
    }
    secret_columns = SECRET_COLUMNS
    service_indexes = SERVICE_INDEXES
    recommended_indexes = RECOMMENDED_INDEXES

    dashboard = "dashboard"
    find = "find"
    urls = "urls"
    demo_data = "demo_data"
