"""Read-only admin pages for the fleet source.

activity_log, metric_snapshots and account_health_snapshots have no key in the service, and
niche_subreddit_map's key is composite: they have no pages of their own and are shown, bounded,
inside the account / distribution / niche pages.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets

from backoffice.admin_base import SourceModelAdmin
from backoffice.columns import Badge, Excerpt, Json, Link, Plain, Related, Source, When
from backoffice.search import INT, TEXT, UUID, classify, identifier_q
from monitoring.fleet import queries
from monitoring.fleet.columns import EventTimeline, HashtagList, Label, Low, MetricsChart, Number, YesNo
from monitoring.fleet.filters import (
    AccountChangeList,
    DeletedFilter,
    DeviceAttentionFilter,
    DeviceChangeList,
    NeedsWarmingFilter,
    ShadowbannedFilter,
    StateFilter,
    UnresolvedFilter,
)
from monitoring.fleet.models import (
    LOW_BATTERY,
    LOW_STORAGE_GB,
    Account,
    Content,
    ContentAsset,
    ContentFlag,
    Device,
    Distribution,
    Hook,
    Niche,
    Proxy,
    SystemEvent,
    TrendingTopic,
    WarmingProgress,
)

STATUS = Badge("status")
SEVERITY = Badge("severity")
CREATED = When("created_at", description="created")
DEVICE = Link("device_id", "fleet.device", text="device__name", description="device")
ACCOUNT = Link("account_id", "fleet.account", text="account__username", description="account")
CONTENT = Link("content_id", "fleet.content", description="content")
DISTRIBUTION = Link("distribution_id", "fleet.distribution", description="distribution")


class FleetAdmin(SourceModelAdmin):
    """Detail pages: every fieldset entry (model field or column) is read-only."""

    def get_readonly_fields(self, request, obj=None):
        return flatten_fieldsets(self.get_fieldsets(request, obj))


# -- small tables ------------------------------------------------------------------------------


@admin.register(Niche)
class NicheAdmin(FleetAdmin):
    status_badge = STATUS
    created = CREATED
    config_text = Source("config_yaml", description="config (YAML)")
    niche_subreddits = Related(
        lambda niche: queries.niche_subreddits(niche.pk),
        [
            ("subreddit", Label()),
            ("min karma", "min_karma_required"),
            ("min age (days)", "min_account_age_days"),
            ("posting limit", "posting_frequency_limit"),
            ("automod rules", Json("automod_rules_json")),
            ("active", YesNo("is_active")),
        ],
        description="subreddits",
        note=f"At most {queries.SUBREDDITS_LIMIT}.",
    )
    list_display = ("name", "slug", "tier", "status_badge", "created")
    list_columns = ("id", "name", "slug", "tier", "status", "created_at")
    list_filter = ("tier", "status")
    ordering = ("slug",)
    identifier_fields = {"id": "uuid", "slug": "text"}
    fieldsets = (
        (None, {"fields": ("id", "name", "slug", "tier", "status", "created_at", "updated_at")}),
        ("Configuration", {"fields": ("config_text",)}),
        ("Subreddits", {"fields": ("niche_subreddits",)}),
    )


@admin.register(Proxy)
class ProxyAdmin(FleetAdmin):
    assigned_device_link = Link(
        "assigned_device_id", "fleet.device", text="assigned_device__name", description="assigned device"
    )
    health_checked = When("last_health_check", description="last health check")
    list_display = (
        "host",
        "port",
        "provider",
        "type",
        "geo_country",
        "ip_reputation_score",
        "is_healthy",
        "health_checked",
        "assigned_device_link",
    )
    list_columns = (
        "id",
        "host",
        "port",
        "provider",
        "type",
        "geo_country",
        "ip_reputation_score",
        "is_healthy",
        "last_health_check",
        "assigned_device__name",
        "assigned_device__udid",
    )
    list_select_related = ("assigned_device",)
    list_filter = ("type", "is_healthy")
    ordering = ("provider", "host")
    identifier_fields = {"id": "uuid", "host": "text"}
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "id",
                    "provider",
                    "type",
                    "host",
                    "port",
                    "is_healthy",
                    "health_checked",
                    "ip_reputation_score",
                )
            },
        ),
        ("Location", {"fields": ("geo_country", "geo_region", "geo_city", "assigned_device_link")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )


@admin.register(Device)
class DeviceAdmin(FleetAdmin):
    status_badge = STATUS
    battery = Low("battery_level", LOW_BATTERY, "%", description="battery")
    storage = Low("storage_free_gb", LOW_STORAGE_GB, "GB", description="storage free")
    connected = When("connected_since", description="connected since")
    account_count = Plain("live_accounts", description="accounts", ordering=False)
    device_accounts = Related(
        lambda device: queries.device_accounts(device.pk),
        [
            ("account", Link("pk", "fleet.account", text="username")),
            ("platform", "platform"),
            ("state", Badge("current_state")),
            ("followers", "followers"),
            ("last activity", When("last_activity_at")),
            ("deleted", When("deleted_at")),
        ],
        description="accounts",
        note=f"At most {queries.ACCOUNTS_LIMIT} accounts.",
        empty="No account uses this device.",
    )
    device_events = EventTimeline("device_id")
    list_display = (
        "name",
        "model",
        "udid",
        "status_badge",
        "ios_version",
        "battery",
        "storage",
        "account_count",
        "connected",
    )
    list_columns = (
        "id",
        "name",
        "model",
        "udid",
        "status",
        "ios_version",
        "battery_level",
        "storage_free_gb",
        "connected_since",
    )
    list_filter = ("status", DeviceAttentionFilter)
    ordering = ("name",)
    identifier_fields = {"id": "uuid", "udid": "text", "name": "text"}
    fieldsets = (
        (None, {"fields": ("id", "name", "model", "udid", "ios_version", "wda_port", "status_badge")}),
        ("Health", {"fields": ("connected", "battery", "storage", "current_proxy")}),
        ("Accounts on this device", {"fields": ("device_accounts",)}),
        ("Event timeline", {"fields": ("device_events",)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    def get_changelist(self, request, **kwargs):
        return DeviceChangeList


# -- accounts ----------------------------------------------------------------------------------

DISTRIBUTIONS = [
    ("distribution", Link("pk", "fleet.distribution")),
    ("platform", "platform"),
    ("status", STATUS),
    ("posted", When("posted_at")),
    ("post id", "post_id_on_platform"),
    ("created", CREATED),
]
FLAGS = [
    ("flag", Link("pk", "fleet.contentflag")),
    ("type", "flag_type"),
    ("platform", "platform"),
    ("detail", Excerpt("detail_text", length=120)),
    ("distribution", DISTRIBUTION),
    ("resolved", YesNo("resolved")),
    ("flagged", When("flagged_at")),
]


@admin.register(Account)
class AccountAdmin(FleetAdmin):
    state_badge = Badge("current_state", description="state")
    niche_name = Plain("niche__name", description="niche")
    device_link = DEVICE
    last_activity = When("last_activity_at", description="last activity")
    last_warmed = When("last_warmed_at", description="last warmed")
    last_post = When("last_post_at", description="last post")
    deleted = When("deleted_at", description="deleted")
    account_distributions = Related(
        lambda account: queries.recent_distributions(account_id=account.pk),
        DISTRIBUTIONS,
        description="distributions",
        note=f"Latest {queries.DISTRIBUTIONS_LIMIT}.",
    )
    account_warming = Related(
        lambda account: queries.warming_rows(account.pk),
        [
            ("phase", "phase"),
            ("day", "day_in_phase"),
            ("likes", "likes_given"),
            ("comments", "comments_made"),
            ("follows", "follows_given"),
            ("posts", "posts_created"),
            ("views", "views_received"),
            ("recorded", "recorded_at"),
            ("graduated", When("graduated_at")),
        ],
        description="warming",
        note=f"At most {queries.WARMING_LIMIT} days.",
    )
    account_activity = Related(
        lambda account: queries.recent_activity(account.pk),
        [
            ("when", When("timestamp")),
            ("activity", "activity_type"),
            ("ok", YesNo("success")),
            ("device", Link("device_id", "fleet.device")),
            ("error", Excerpt("error_message", length=120)),
        ],
        description="activity",
        note=f"Last {queries.ACTIVITY_DAYS} days, newest {queries.ACTIVITY_LIMIT} rows at most.",
        empty="No activity in this window.",
    )
    account_health = Related(
        lambda account: queries.latest_health(account.pk),
        [
            ("when", When("time")),
            ("followers", "followers"),
            ("following", "following"),
            ("reach", Number("reach_rate", 4)),
            ("engagement", Number("engagement_rate", 4)),
            ("completion", Number("avg_completion_rate", 4)),
            ("growth 7d", Number("growth_rate_7d", 4)),
            ("blocks 24h", "action_blocks_24h"),
            ("removals 7d", "content_removals_7d"),
            ("shadowbanned", YesNo("is_shadowbanned")),
        ],
        description="health",
        note=f"Latest {queries.HEALTH_LIMIT} snapshots.",
    )
    account_events = EventTimeline("account_id")
    list_display = (
        "username",
        "platform",
        "state_badge",
        "niche_name",
        "device_link",
        "followers",
        "warming_day_count",
        "last_activity",
        "last_warmed",
        "last_post",
        "is_shadowbanned",
        "deleted",
    )
    list_columns = (
        "id",
        "username",
        "platform",
        "current_state",
        "niche__name",
        "device_id",
        "device__name",
        "device__udid",
        "followers",
        "warming_day_count",
        "last_activity_at",
        "last_warmed_at",
        "last_post_at",
        "is_shadowbanned",
        "deleted_at",
    )
    list_select_related = ("niche", "device")
    list_filter = (DeletedFilter, StateFilter, NeedsWarmingFilter, "platform", ShadowbannedFilter)
    ordering = ("platform", "username")  # unique (platform, username): total, index-served
    identifier_fields = {"id": "uuid", "username": "text"}
    fieldsets = (
        (None, {"fields": ("id", "platform", "username", "display_name", "state_badge", "is_shadowbanned")}),
        ("Profile", {"fields": ("followers", "following", "bio_text", "profile_pic_url")}),
        ("Assignment", {"fields": ("niche", "device", "proxy")}),
        ("Warming", {"fields": ("warming_day_count", "last_warmed", "last_post", "last_activity")}),
        ("Record", {"fields": ("created_at", "updated_at", "deleted")}),
        ("Recent distributions", {"fields": ("account_distributions",)}),
        ("Warming progress", {"fields": ("account_warming",)}),
        (f"Activity (last {queries.ACTIVITY_DAYS} days)", {"fields": ("account_activity",)}),
        ("Health snapshots", {"fields": ("account_health",)}),
        ("Event timeline", {"fields": ("account_events",)}),
    )

    def get_changelist(self, request, **kwargs):
        return AccountChangeList


@admin.register(SystemEvent)
class SystemEventAdmin(FleetAdmin):
    when = When("timestamp", description="when")
    severity_badge = SEVERITY
    device_link = DEVICE
    account_link = ACCOUNT
    short_message = Excerpt("message", length=100)
    context_json = Json("context", description="context")
    list_display = (
        "id",
        "when",
        "severity_badge",
        "category",
        "event_type",
        "device_link",
        "account_link",
        "short_message",
        "resolved",
    )
    list_columns = (
        "id",
        "timestamp",
        "severity",
        "category",
        "event_type",
        "device_id",
        "device__name",
        "device__udid",
        "account_id",
        "account__username",
        "message",
        "resolved",
    )
    list_select_related = ("device", "account")
    list_filter = (UnresolvedFilter, "severity", "category")
    # Unresolved first, then newest first: idx_events_unresolved serves the default (unresolved) view,
    # bo_events_resolved_time every view.
    ordering = ("resolved", "-timestamp", "-id")
    identifier_fields = {"id": "int", "device": "uuid", "account": "uuid", "event_type": "text"}
    fieldsets = (
        (None, {"fields": ("id", "when", "severity_badge", "category", "event_type", "message")}),
        ("Subject", {"fields": ("device_link", "account_link")}),
        ("Context", {"fields": ("context_json",)}),
        ("Resolution", {"fields": ("resolved", "resolved_by", "resolved_at")}),
    )

    def search_match(self, term: str):
        # An event number is an id, a UUID a device or an account, anything else an event type:
        # each through its own index, never ORed with a column the term cannot be.
        kinds = classify(term)
        kind = UUID if UUID in kinds else INT if INT in kinds else TEXT
        return identifier_q({f: k for f, k in self.identifier_fields.items() if k == kind}, term)


# -- content pipeline --------------------------------------------------------------------------


@admin.register(Hook)
class HookAdmin(FleetAdmin):
    short_text = Excerpt("hook_text", description="hook")
    list_display = ("short_text", "hook_category", "platform", "times_used", "performance_score", "is_active")
    list_columns = ("id", "hook_text", "hook_category", "platform", "times_used", "performance_score", "is_active")
    list_filter = ("hook_category", "platform", "is_active")
    ordering = ("-created_at",)
    identifier_fields = {"id": "uuid"}
    fieldsets = (
        (
            None,
            {"fields": ("id", "hook_text", "template_text", "hook_category", "emotional_tone", "platform", "niche")},
        ),
        (
            "Performance",
            {
                "fields": (
                    "times_used",
                    "avg_3s_retention",
                    "avg_engagement_rate",
                    "performance_score",
                    "thompson_alpha",
                    "thompson_beta",
                    "is_active",
                )
            },
        ),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )


@admin.register(Content)
class ContentAdmin(FleetAdmin):
    short_topic = Excerpt("topic", description="topic")
    niche_name = Plain("niche__name", description="niche")
    status_badge = Badge("production_status", description="status")
    created = CREATED
    file_paths_block = Json("file_paths", description="file paths")
    content_assets = Related(
        lambda content: queries.content_assets(content.pk),
        [
            ("asset", Link("pk", "fleet.contentasset")),
            ("type", "asset_type"),
            ("model", "model_used"),
            ("file", "file_path"),
            ("duration (s)", Number("duration_seconds")),
            ("cost", "cost_usd"),
        ],
        description="assets",
        note=f"At most {queries.ASSETS_LIMIT}.",
    )
    content_flags = Related(
        lambda content: queries.content_flags(content_id=content.pk),
        FLAGS,
        description="flags",
        note=f"Latest {queries.ASSETS_LIMIT}.",
    )
    content_distributions = Related(
        lambda content: queries.recent_distributions(content_id=content.pk),
        DISTRIBUTIONS,
        description="distributions",
        note=f"Latest {queries.DISTRIBUTIONS_LIMIT}.",
    )
    list_display = (
        "short_topic",
        "niche_name",
        "content_format",
        "status_badge",
        "quality_score",
        "cost_usd",
        "created",
    )
    # No file_paths / script_text on the list.
    list_columns = (
        "id",
        "topic",
        "niche__name",
        "content_format",
        "production_status",
        "quality_score",
        "cost_usd",
        "created_at",
    )
    list_select_related = ("niche",)
    list_filter = ("production_status", "content_format")
    ordering = ("-created_at",)
    identifier_fields = {"id": "uuid", "temporal_workflow_id": "text"}
    fieldsets = (
        (None, {"fields": ("id", "topic", "niche", "hook", "content_format", "status_badge")}),
        (
            "Production",
            {"fields": ("quality_score", "cost_usd", "duration_seconds", "temporal_workflow_id", "source_reddit_url")},
        ),
        ("Script", {"fields": ("script_text",)}),
        ("Files", {"fields": ("file_paths_block",)}),
        ("Assets", {"fields": ("content_assets",)}),
        ("Flags", {"fields": ("content_flags",)}),
        ("Distributions", {"fields": ("content_distributions",)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )


@admin.register(ContentAsset)
class ContentAssetAdmin(FleetAdmin):
    content_link = CONTENT
    created = CREATED
    metadata_block = Json("metadata_json", description="metadata")
    list_display = ("id", "content_link", "asset_type", "model_used", "duration_seconds", "cost_usd", "created")
    list_columns = ("id", "content_id", "asset_type", "model_used", "duration_seconds", "cost_usd", "created_at")
    list_filter = ("asset_type", "model_used")
    ordering = ("-created_at",)
    identifier_fields = {"id": "uuid", "content": "uuid"}
    fieldsets = (
        (None, {"fields": ("id", "content_link", "asset_type", "model_used", "file_path")}),
        ("Details", {"fields": ("duration_seconds", "cost_usd", "metadata_block", "created_at")}),
    )


@admin.register(ContentFlag)
class ContentFlagAdmin(FleetAdmin):
    content_link = CONTENT
    distribution_link = DISTRIBUTION
    short_detail = Excerpt("detail_text", length=100, description="detail")
    flagged = When("flagged_at", description="flagged")
    list_display = (
        "id",
        "content_link",
        "distribution_link",
        "flag_type",
        "platform",
        "short_detail",
        "resolved",
        "flagged",
    )
    list_columns = (
        "id",
        "content_id",
        "distribution_id",
        "flag_type",
        "platform",
        "detail_text",
        "resolved",
        "flagged_at",
    )
    list_filter = ("flag_type", "resolved", "platform")
    ordering = ("-flagged_at",)
    identifier_fields = {"id": "uuid", "content": "uuid", "distribution": "uuid"}
    fieldsets = (
        (None, {"fields": ("id", "content_link", "distribution_link", "flag_type", "platform", "detail_text")}),
        ("Resolution", {"fields": ("resolved", "flagged_at", "resolved_at")}),
    )


@admin.register(Distribution)
class DistributionAdmin(FleetAdmin):
    change_form_template = "fleet/change_form_with_charts.html"
    account_link = ACCOUNT
    content_link = CONTENT
    status_badge = STATUS
    posted = When("posted_at", description="posted")
    created = CREATED
    hashtag_list = HashtagList("hashtags", description="hashtags", ordering=False)
    metrics_chart = MetricsChart(description="over time")
    distribution_flags = Related(
        lambda distribution: queries.content_flags(distribution_id=distribution.pk),
        FLAGS,
        description="flags",
        note=f"Latest {queries.ASSETS_LIMIT}.",
    )
    snapshots = Related(
        lambda distribution: queries.latest_snapshots(distribution.pk),
        [
            ("when", When("time")),
            ("views", "views"),
            ("likes", "likes"),
            ("comments", "comments"),
            ("shares", "shares"),
            ("saves", "saves"),
            ("completion", Number("completion_rate", 3)),
            ("engagement", Number("engagement_rate", 4)),
            ("followers", "follower_count_at"),
        ],
        description="metric snapshots",
        note=f"Latest {queries.SNAPSHOTS_LIMIT} snapshots.",
        empty="No snapshots yet.",
    )
    list_display = (
        "id",
        "account_link",
        "platform",
        "status_badge",
        "posted_via",
        "posted",
        "post_id_on_platform",
        "retry_count",
        "created",
    )
    list_columns = (
        "id",
        "account_id",
        "account__username",
        "platform",
        "status",
        "posted_via",
        "posted_at",
        "post_id_on_platform",
        "retry_count",
        "created_at",
    )
    list_select_related = ("account",)
    list_filter = ("status", "platform", "posted_via")
    ordering = ("-created_at",)
    identifier_fields = {"id": "uuid", "post_id_on_platform": "text", "account": "uuid", "content": "uuid"}
    fieldsets = (
        (None, {"fields": ("id", "content_link", "account_link", "platform", "status_badge", "posted_via")}),
        (
            "Post",
            {
                "fields": (
                    "posted",
                    "scheduled_for",
                    "post_url",
                    "post_id_on_platform",
                    "caption_text",
                    "hashtag_list",
                )
            },
        ),
        ("Errors", {"fields": ("error_message", "retry_count")}),
        ("Metrics over time", {"fields": ("metrics_chart",)}),
        ("Flags", {"fields": ("distribution_flags",)}),
        ("Latest metrics", {"fields": ("snapshots",)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )


@admin.register(TrendingTopic)
class TrendingTopicAdmin(FleetAdmin):
    topic = Label(description="topic")
    niche_name = Plain("niche__name", description="niche")
    detected = When("detected_at", description="detected")
    peak = When("peak_at", description="peak")
    list_display = ("topic", "hashtag", "platform", "niche_name", "trend_score", "is_active", "detected", "peak")
    list_columns = (
        "id",
        "topic_text",
        "hashtag",
        "sound_id",
        "platform",
        "niche__name",
        "trend_score",
        "is_active",
        "detected_at",
        "peak_at",
    )
    list_select_related = ("niche",)
    list_filter = ("platform", "is_active")
    ordering = ("-detected_at",)
    identifier_fields = {"id": "uuid", "hashtag": "text"}
    fieldsets = (
        (None, {"fields": ("id", "platform", "topic_text", "hashtag", "sound_id", "niche", "is_active")}),
        ("Trend", {"fields": ("trend_score", "detected", "peak")}),
    )


@admin.register(WarmingProgress)
class WarmingProgressAdmin(FleetAdmin):
    account_link = ACCOUNT
    metrics_block = Json("metrics_json", description="metrics")
    list_display = (
        "account_link",
        "phase",
        "day_in_phase",
        "likes_given",
        "comments_made",
        "follows_given",
        "posts_created",
        "recorded_at",
    )
    list_columns = (
        "id",
        "account_id",
        "account__username",
        "phase",
        "day_in_phase",
        "likes_given",
        "comments_made",
        "follows_given",
        "posts_created",
        "recorded_at",
    )
    list_select_related = ("account",)
    list_filter = ("phase",)
    ordering = ("-recorded_at",)
    identifier_fields = {"id": "uuid", "account": "uuid"}
    fieldsets = (
        (
            None,
            {"fields": ("id", "account_link", "phase", "day_in_phase", "recorded_at", "graduated_at", "created_at")},
        ),
        ("Counts", {"fields": ("likes_given", "comments_made", "posts_created", "views_received", "follows_given")}),
        ("Metrics", {"fields": ("metrics_block",)}),
    )
