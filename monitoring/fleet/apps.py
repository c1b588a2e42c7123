"""The fleet source as the core sees it (backoffice.source_app): declared here, once."""

from backoffice.source_app import SourceAppConfig

# Columns that exist in the service and are never mapped, so never selected nor rendered.
SECRET_COLUMNS = {
    "accounts": ["email_enc", "password_enc", "phone_number_enc", "totp_secret_enc"],
    "proxies": ["credentials_enc"],
}

# (table, columns_sql, name): the service's own indexes the admin pages rely on.
SERVICE_INDEXES = [
    ("accounts", "platform, username", "accounts_platform_username_key"),
    ("devices", "udid", "devices_udid_key"),
    ("niches", "slug", "niches_slug_key"),
    ("system_events", "id", "system_events_pkey"),
    ("system_events", 'severity, "timestamp" DESC', "idx_events_unresolved"),
    # The accounts "needs warming" view (partial: written whole so a suggestion recreates it as it was).
    (
        "accounts",
        "USING btree (last_warmed_at NULLS FIRST) WHERE current_state IN ('created', 'warming_p1', 'warming_p2', "
        "'warming_p3', 'active') AND platform IN ('tiktok', 'instagram') AND deleted_at IS NULL",
        "idx_accounts_needs_warming",
    ),
    ("warming_progress", "account_id, phase, day_in_phase", "warming_progress_account_id_phase_day_in_phase_key"),
    ("niche_subreddit_map", "niche_id, subreddit_name", "niche_subreddit_map_pkey"),
    ("metric_snapshots", "distribution_id, time DESC", "idx_metrics_distribution_time"),
    ("account_health_snapshots", "account_id, time DESC", "idx_health_account_time"),
]

# Indexes the back office's lists, searches and related tables need beyond the service's own;
# check_sources prints them as CREATE INDEX CONCURRENTLY suggestions.
RECOMMENDED_INDEXES = [
    ("accounts", "username", "bo_accounts_username"),
    ("accounts", "device_id", "bo_accounts_device"),
    ("system_events", 'device_id, "timestamp" DESC', "bo_events_device"),
    ("system_events", 'account_id, "timestamp" DESC', "bo_events_account"),
    ("content", "created_at, id", "bo_content_created"),
    ("content", "temporal_workflow_id", "bo_content_workflow"),
    ("content_assets", "content_id", "bo_content_assets_content"),
    ("content_assets", "created_at, id", "bo_content_assets_created"),
    ("content_flags", "content_id", "bo_content_flags_content"),
    ("content_flags", "distribution_id", "bo_content_flags_distribution"),
    ("content_flags", "flagged_at, id", "bo_content_flags_flagged"),
    ("hooks", "created_at, id", "bo_hooks_created"),
    ("warming_progress", "recorded_at, id", "bo_warming_progress_recorded"),
    ("distributions", "created_at, id", "bo_distributions_created"),
    ("distributions", "account_id, created_at DESC", "bo_distributions_account"),
    ("distributions", "content_id", "bo_distributions_content"),
    ("distributions", "post_id_on_platform", "bo_distributions_post_id"),
    ("trending_topics", "detected_at, id", "bo_trending_topics_detected"),
    ("activity_log", 'account_id, "timestamp" DESC', "bo_activity_log_account_time"),
    # Accounts: the list reads live accounts (deleted_at IS NULL) by default, in (platform, username)
    # order. Partial indexes on that predicate and its opposite serve the list, the platform filter,
    # the export and their "more than N" counts index-only.
    (
        "accounts",
        "USING btree (platform, username) WHERE deleted_at IS NULL",
        "bo_accounts_live",
        "the accounts list (not deleted), its platform filter, its export and their counts",
    ),
    (
        "accounts",
        "USING btree (platform, username) WHERE deleted_at IS NOT NULL",
        "bo_accounts_deleted",
        "the accounts list filtered to deleted accounts, and its count",
    ),
    # Shadowbanned (or not) and a state or state group, in the list's order; deleted_at included
    # so the counts read the index alone whatever the deleted filter says.
    (
        "accounts",
        "USING btree (is_shadowbanned, platform, username) INCLUDE (deleted_at)",
        "bo_accounts_by_shadowban",
        "the accounts list filtered by shadowbanned (yes / no), and its count",
    ),
    (
        "accounts",
        "USING btree (current_state, platform, username) INCLUDE (deleted_at)",
        "bo_accounts_by_state",
        "the accounts list filtered by a state or a state group (read in state order), its count, "
        "and the dashboard's accounts by state group",
    ),
    # System events: unresolved first, then newest first (the resolved and "all" views too).
    ("system_events", 'resolved, "timestamp" DESC, id DESC', "bo_events_resolved_time"),
    # The category filter and an event type search, in the list's order in every resolution view.
    (
        "system_events",
        'category, resolved, "timestamp" DESC, id DESC',
        "bo_events_category",
        "the system events list filtered by category, and its count",
    ),
    (
        "system_events",
        'event_type, resolved, "timestamp" DESC, id DESC',
        "bo_events_type",
        "the system events list searched by event type, and its count",
    ),
    # The dashboard's "posts failed today", index-only (a day's distributions grow with the fleet).
    (
        "distributions",
        "status, created_at",
        "bo_distributions_status_created",
        "the dashboard's fleet panel (posts failed today)",
    ),
    # Devices and niches are small beside the rest (50k devices and 16k niches in the 10M bench
    # set), but their filters' counts read them whole: the filter columns, indexed.
    ("devices", "status", "bo_devices_status", "the devices list filtered by status or disconnected, and its count"),
    ("devices", "battery_level", "bo_devices_battery", "the devices list filtered to a low battery, and its count"),
    ("devices", "storage_free_gb", "bo_devices_storage", "the devices list filtered to low storage, and its count"),
    ("niches", "tier, status", "bo_niches_tier_status", "the niches list's tier and status filter counts"),
    # The list filters' counts: one index per table, its later columns reached by skip scan; the
    # rows themselves come from the list's (created_at, id) order.
    (
        "content",
        "production_status, content_format",
        "bo_content_status_format",
        "the content list's production status and content format filter counts",
    ),
    (
        "content_assets",
        "asset_type, model_used",
        "bo_content_assets_type_model",
        "the content assets list's asset type and model used filter counts",
    ),
    (
        "distributions",
        "status, platform, posted_via",
        "bo_distributions_status_platform",
        "the distributions list's status, platform and posted via filter counts",
    ),
    (
        "hooks",
        "hook_category, platform, is_active",
        "bo_hooks_filters",
        "the hooks list's category, platform and active filter counts",
    ),
    (
        "content_flags",
        "platform, flagged_at, id",
        "bo_content_flags_platform",
        "the content flags list filtered by platform, and its count",
    ),
    (
        "warming_progress",
        "phase, recorded_at, id",
        "bo_warming_progress_phase",
        "the warming progress list filtered by phase, and its count",
    ),
    # Small tables whose list order (and search) had no index: a sort of the whole table per page.
    ("proxies", "provider, host, id DESC", "bo_proxies_provider_host", "the proxies list (provider, host order)"),
    ("devices", "name, id DESC", "bo_devices_name", "the devices list (name order) and its name search"),
    ("trending_topics", "hashtag", "bo_trending_topics_hashtag", "the trending topics search by hashtag"),
]


class FleetConfig(SourceAppConfig):
    name = "monitoring.fleet"
    label = "fleet"  # == the DB alias the router sends these models to

    status_tones = {
        "ok": frozenset({"complete", "success", "posted", "active"}),
        "run": frozenset(
            {
                "queued",
                "posting",
                "generating",
                "scripting",
                "assembling",
                "distributing",
                "warming_p1",
                "warming_p2",
                "warming_p3",
            }
        ),
        "warn": frozenset({"paused", "maintenance", "cooldown", "resting", "warning"}),
        "bad": frozenset(
            {
                "failed",
                "error",
                "banned",
                "suspended",
                "shadowbanned",
                "restricted",
                "removed",
                "flagged",
                "disconnected",
                "critical",
            }
        ),
    }
    secret_columns = SECRET_COLUMNS
    service_indexes = SERVICE_INDEXES
    recommended_indexes = RECOMMENDED_INDEXES

    dashboard = "dashboard"
    find = "find"
    timeline = "timeline"
    demo_data = "demo_data"
