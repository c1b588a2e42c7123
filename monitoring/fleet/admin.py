"""Read-only admin pages for the fleet source.

activity_log, metric_snapshots and account_health_snapshots have no key in the service, and
niche_subreddit_map's key is composite: they have no pages of their own and are shown, bounded,
inside the account / distribution / niche pages.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.utils.html import format_html

from backoffice.admin_base import SourceModelAdmin
from backoffice.display import json_block, status_badge, text_block
from backoffice.filters import DefaultChoiceFilter
from monitoring.fleet import queries
from monitoring.fleet.models import (
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
from monitoring.fleet.queries import admin_link, related_table


def _dt(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


class FleetAdmin(SourceModelAdmin):
    """Detail pages: every fieldset entry (model field or method) is read-only."""

    def get_readonly_fields(self, request, obj=None):
        return flatten_fieldsets(self.get_fieldsets(request, obj))


class DeletedFilter(DefaultChoiceFilter):
    title = "deleted"
    parameter_name = "deleted"
    default = "no"

    def lookups(self, request, model_admin):
        return [("no", "Not deleted"), ("yes", "Deleted"), ("all", "All")]

    def queryset(self, request, queryset):
        value = self.effective(request)
        if value == "no":
            return queryset.filter(deleted_at__isnull=True)
        if value == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


class UnresolvedFilter(DefaultChoiceFilter):
    title = "resolution"
    parameter_name = "state"
    default = "open"

    def lookups(self, request, model_admin):
        return [("open", "Unresolved"), ("resolved", "Resolved"), ("all", "All")]

    def queryset(self, request, queryset):
        value = self.effective(request)
        if value == "open":
            return queryset.filter(resolved=False)
        if value == "resolved":
            return queryset.filter(resolved=True)
        return queryset


# -- small tables ------------------------------------------------------------------------------


@admin.register(Niche)
class NicheAdmin(FleetAdmin):
    list_display = ("name", "slug", "tier", "status_badge", "created_at")
    list_columns = ("id", "name", "slug", "tier", "status", "created_at")
    list_filter = ("tier", "status")
    ordering = ("slug",)
    identifier_fields = {"id": "uuid", "slug": "text"}
    fieldsets = (
        (None, {"fields": ("id", "name", "slug", "tier", "status", "created_at", "updated_at")}),
        ("Configuration", {"fields": ("config_text",)}),
        ("Subreddits", {"fields": ("niche_subreddits",)}),
    )

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj.status)

    @admin.display(description="config (YAML)")
    def config_text(self, obj):
        return text_block(obj.config_yaml)

    @admin.display(description="subreddits")
    def niche_subreddits(self, obj):
        return related_table(
            ["subreddit", "min karma", "min age (days)", "posting limit", "automod rules", "active"],
            [
                [
                    format_html("r/{}", m.subreddit_name),
                    m.min_karma_required,
                    m.min_account_age_days,
                    m.posting_frequency_limit or "—",
                    json_block(m.automod_rules_json) if m.automod_rules_json is not None else "—",
                    "yes" if m.is_active else "no",
                ]
                for m in queries.niche_subreddits(obj.pk)
            ],
            note=f"At most {queries.SUBREDDITS_LIMIT}.",
        )


@admin.register(Proxy)
class ProxyAdmin(FleetAdmin):
    list_display = (
        "host",
        "port",
        "provider",
        "type",
        "geo_country",
        "ip_reputation_score",
        "is_healthy",
        "last_health_check",
        "assigned_device_name",
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
                    "last_health_check",
                    "ip_reputation_score",
                )
            },
        ),
        ("Location", {"fields": ("geo_country", "geo_region", "geo_city", "assigned_device")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="assigned device")
    def assigned_device_name(self, obj):
        return str(obj.assigned_device) if obj.assigned_device_id and obj.assigned_device else "—"


@admin.register(Device)
class DeviceAdmin(FleetAdmin):
    list_display = ("name", "model", "udid", "status_badge", "ios_version", "battery_level", "connected_since")
    list_columns = ("id", "name", "model", "udid", "status", "ios_version", "battery_level", "connected_since")
    list_filter = ("status",)
    ordering = ("name",)
    identifier_fields = {"id": "uuid", "udid": "text", "name": "text"}
    fieldsets = (
        (None, {"fields": ("id", "name", "model", "udid", "ios_version", "wda_port", "status_badge")}),
        ("Health", {"fields": ("connected_since", "battery_level", "storage_free_gb", "current_proxy")}),
        ("Accounts on this device", {"fields": ("device_accounts",)}),
        ("Latest events", {"fields": ("device_events",)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj.status)

    @admin.display(description="accounts")
    def device_accounts(self, obj):
        rows = queries.device_accounts(obj.pk)
        return related_table(
            ["account", "platform", "state", "followers", "deleted"],
            [
                [
                    admin_link("account", a.pk, a.username),
                    a.platform,
                    status_badge(a.current_state),
                    a.followers,
                    _dt(a.deleted_at) if a.deleted_at else "",
                ]
                for a in rows
            ],
            note=f"At most {queries.ACCOUNTS_LIMIT} accounts.",
        )

    @admin.display(description="events")
    def device_events(self, obj):
        return _events_table(queries.recent_events(device_id=obj.pk))


def _events_table(events) -> str:
    return related_table(
        ["#", "time", "severity", "category", "type", "message", "resolved"],
        [
            [
                admin_link("systemevent", e.pk, e.pk),
                _dt(e.timestamp),
                status_badge(e.severity),
                e.category,
                e.event_type,
                (e.message or "")[:120],
                "yes" if e.resolved else "no",
            ]
            for e in events
        ],
        note=f"Latest {queries.EVENTS_LIMIT} events.",
    )


# -- accounts ----------------------------------------------------------------------------------


@admin.register(Account)
class AccountAdmin(FleetAdmin):
    list_display = (
        "username",
        "platform",
        "state_badge",
        "niche_name",
        "device_name",
        "followers",
        "warming_day_count",
        "last_activity_at",
        "is_shadowbanned",
        "deleted_at",
    )
    list_columns = (
        "id",
        "username",
        "platform",
        "current_state",
        "niche__name",
        "device__name",
        "device__udid",
        "followers",
        "warming_day_count",
        "last_activity_at",
        "is_shadowbanned",
        "deleted_at",
    )
    list_select_related = ("niche", "device")
    list_filter = (DeletedFilter, "platform", "current_state", "is_shadowbanned")
    ordering = ("platform", "username")  # unique (platform, username): total, index-served
    identifier_fields = {"id": "uuid", "username": "text"}
    fieldsets = (
        (None, {"fields": ("id", "platform", "username", "display_name", "state_badge", "is_shadowbanned")}),
        ("Profile", {"fields": ("followers", "following", "bio_text", "profile_pic_url")}),
        ("Assignment", {"fields": ("niche", "device", "proxy")}),
        ("Warming", {"fields": ("warming_day_count", "last_warmed_at", "last_post_at", "last_activity_at")}),
        ("Record", {"fields": ("created_at", "updated_at", "deleted_at")}),
        ("Recent distributions", {"fields": ("account_distributions",)}),
        ("Warming progress", {"fields": ("account_warming",)}),
        (f"Activity (last {queries.ACTIVITY_DAYS} days)", {"fields": ("account_activity",)}),
        ("Health snapshots", {"fields": ("account_health",)}),
        ("Latest events", {"fields": ("account_events",)}),
    )

    @admin.display(description="state", ordering="current_state")
    def state_badge(self, obj):
        return status_badge(obj.current_state)

    @admin.display(description="niche")
    def niche_name(self, obj):
        return obj.niche.name if obj.niche_id else "—"

    @admin.display(description="device")
    def device_name(self, obj):
        return str(obj.device) if obj.device_id and obj.device else "—"

    @admin.display(description="distributions")
    def account_distributions(self, obj):
        return _distributions_table(queries.recent_distributions(account_id=obj.pk))

    @admin.display(description="warming")
    def account_warming(self, obj):
        rows = queries.warming_rows(obj.pk)
        return related_table(
            ["phase", "day", "likes", "comments", "follows", "posts", "views", "recorded", "graduated"],
            [
                [
                    w.phase,
                    w.day_in_phase,
                    w.likes_given,
                    w.comments_made,
                    w.follows_given,
                    w.posts_created,
                    w.views_received,
                    w.recorded_at,
                    _dt(w.graduated_at) if w.graduated_at else "",
                ]
                for w in rows
            ],
            note=f"At most {queries.WARMING_LIMIT} days.",
        )

    @admin.display(description="activity")
    def account_activity(self, obj):
        rows = queries.recent_activity(obj.pk)
        return related_table(
            ["time", "activity", "ok", "device", "error"],
            [
                [
                    _dt(a.timestamp),
                    a.activity_type,
                    "yes" if a.success else "no",
                    admin_link("device", a.device_id) if a.device_id else "",
                    (a.error_message or "")[:120],
                ]
                for a in rows
            ],
            note=f"Last {queries.ACTIVITY_DAYS} days, newest {queries.ACTIVITY_LIMIT} rows at most.",
            empty="No activity in this window.",
        )

    @admin.display(description="health")
    def account_health(self, obj):
        rows = queries.latest_health(obj.pk)
        return related_table(
            [
                "time",
                "followers",
                "following",
                "reach",
                "engagement",
                "completion",
                "growth 7d",
                "blocks 24h",
                "removals 7d",
                "shadowbanned",
            ],
            [
                [
                    _dt(h.time),
                    h.followers,
                    h.following,
                    _num(h.reach_rate, 4),
                    _num(h.engagement_rate, 4),
                    _num(h.avg_completion_rate, 4),
                    _num(h.growth_rate_7d, 4),
                    h.action_blocks_24h,
                    h.content_removals_7d,
                    "yes" if h.is_shadowbanned else "no",
                ]
                for h in rows
            ],
            note=f"Latest {queries.HEALTH_LIMIT} snapshots.",
        )

    @admin.display(description="events")
    def account_events(self, obj):
        return _events_table(queries.recent_events(account_id=obj.pk))


def _flags_table(flags) -> str:
    return related_table(
        ["flag", "type", "platform", "detail", "distribution", "resolved", "flagged"],
        [
            [
                admin_link("contentflag", f.pk),
                f.flag_type,
                f.platform or "—",
                (f.detail_text or "")[:120],
                admin_link("distribution", f.distribution_id) if f.distribution_id else "—",
                "yes" if f.resolved else "no",
                _dt(f.flagged_at),
            ]
            for f in flags
        ],
        note=f"Latest {queries.ASSETS_LIMIT}.",
    )


def _num(value, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _distributions_table(rows) -> str:
    return related_table(
        ["distribution", "platform", "status", "posted", "post id", "created"],
        [
            [
                admin_link("distribution", d.pk),
                d.platform,
                status_badge(d.status),
                _dt(d.posted_at),
                d.post_id_on_platform or "",
                _dt(d.created_at),
            ]
            for d in rows
        ],
        note=f"Latest {queries.DISTRIBUTIONS_LIMIT}.",
    )


@admin.register(SystemEvent)
class SystemEventAdmin(FleetAdmin):
    list_display = (
        "id",
        "timestamp",
        "severity_badge",
        "category",
        "event_type",
        "device_name",
        "account_name",
        "short_message",
        "resolved",
    )
    list_columns = (
        "id",
        "timestamp",
        "severity",
        "category",
        "event_type",
        "device__name",
        "device__udid",
        "account__username",
        "message",
        "resolved",
    )
    list_select_related = ("device", "account")
    list_filter = (UnresolvedFilter, "severity", "category")
    ordering = ("-id",)  # bigserial: insertion order, served by the primary key
    identifier_fields = {"id": "int", "device": "uuid", "account": "uuid", "event_type": "text"}
    fieldsets = (
        (None, {"fields": ("id", "timestamp", "severity_badge", "category", "event_type", "message")}),
        ("Subject", {"fields": ("device", "account")}),
        ("Context", {"fields": ("context_json",)}),
        ("Resolution", {"fields": ("resolved", "resolved_by", "resolved_at")}),
    )

    @admin.display(description="severity", ordering="severity")
    def severity_badge(self, obj):
        return status_badge(obj.severity)

    @admin.display(description="device")
    def device_name(self, obj):
        return str(obj.device) if obj.device_id and obj.device else "—"

    @admin.display(description="account")
    def account_name(self, obj):
        return obj.account.username if obj.account_id and obj.account else "—"

    @admin.display(description="message")
    def short_message(self, obj):
        text = obj.message or ""
        return text if len(text) <= 100 else text[:100] + "…"

    @admin.display(description="context")
    def context_json(self, obj):
        return json_block(obj.context)


# -- content pipeline --------------------------------------------------------------------------


@admin.register(Hook)
class HookAdmin(FleetAdmin):
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

    @admin.display(description="hook")
    def short_text(self, obj):
        return obj.hook_text[:80]


@admin.register(Content)
class ContentAdmin(FleetAdmin):
    list_display = (
        "short_topic",
        "niche_name",
        "content_format",
        "status_badge",
        "quality_score",
        "cost_usd",
        "created_at",
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

    @admin.display(description="topic")
    def short_topic(self, obj):
        return obj.topic[:80]

    @admin.display(description="niche")
    def niche_name(self, obj):
        return obj.niche.name if obj.niche_id else "—"

    @admin.display(description="status", ordering="production_status")
    def status_badge(self, obj):
        return status_badge(obj.production_status)

    @admin.display(description="file paths")
    def file_paths_block(self, obj):
        return json_block(obj.file_paths)

    @admin.display(description="assets")
    def content_assets(self, obj):
        return related_table(
            ["asset", "type", "model", "file", "duration", "cost"],
            [
                [
                    admin_link("contentasset", a.pk),
                    a.asset_type,
                    a.model_used,
                    a.file_path,
                    _num(a.duration_seconds),
                    a.cost_usd,
                ]
                for a in queries.content_assets(obj.pk)
            ],
            note=f"At most {queries.ASSETS_LIMIT}.",
        )

    @admin.display(description="flags")
    def content_flags(self, obj):
        return _flags_table(queries.content_flags(content_id=obj.pk))

    @admin.display(description="distributions")
    def content_distributions(self, obj):
        return _distributions_table(queries.recent_distributions(content_id=obj.pk))


@admin.register(ContentAsset)
class ContentAssetAdmin(FleetAdmin):
    list_display = ("id", "content_link", "asset_type", "model_used", "duration_seconds", "cost_usd", "created_at")
    list_columns = ("id", "content_id", "asset_type", "model_used", "duration_seconds", "cost_usd", "created_at")
    list_filter = ("asset_type", "model_used")
    ordering = ("-created_at",)
    identifier_fields = {"id": "uuid", "content": "uuid"}
    fieldsets = (
        (None, {"fields": ("id", "content", "asset_type", "model_used", "file_path")}),
        ("Details", {"fields": ("duration_seconds", "cost_usd", "metadata_block", "created_at")}),
    )

    @admin.display(description="content")
    def content_link(self, obj):
        return admin_link("content", obj.content_id)

    @admin.display(description="metadata")
    def metadata_block(self, obj):
        return json_block(obj.metadata_json)


@admin.register(ContentFlag)
class ContentFlagAdmin(FleetAdmin):
    list_display = (
        "id",
        "content_link",
        "distribution_link",
        "flag_type",
        "platform",
        "short_detail",
        "resolved",
        "flagged_at",
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
        (None, {"fields": ("id", "content", "distribution", "flag_type", "platform", "detail_text")}),
        ("Resolution", {"fields": ("resolved", "flagged_at", "resolved_at")}),
    )

    @admin.display(description="content")
    def content_link(self, obj):
        return admin_link("content", obj.content_id) if obj.content_id else "—"

    @admin.display(description="distribution")
    def distribution_link(self, obj):
        return admin_link("distribution", obj.distribution_id) if obj.distribution_id else "—"

    @admin.display(description="detail")
    def short_detail(self, obj):
        text = obj.detail_text or ""
        return text if len(text) <= 100 else text[:100] + "…"


@admin.register(Distribution)
class DistributionAdmin(FleetAdmin):
    list_display = (
        "id",
        "account_name",
        "platform",
        "status_badge",
        "posted_via",
        "posted_at",
        "post_id_on_platform",
        "retry_count",
        "created_at",
    )
    list_columns = (
        "id",
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
        (None, {"fields": ("id", "content", "account", "platform", "status_badge", "posted_via")}),
        (
            "Post",
            {
                "fields": (
                    "posted_at",
                    "scheduled_for",
                    "post_url",
                    "post_id_on_platform",
                    "caption_text",
                    "hashtag_list",
                )
            },
        ),
        ("Errors", {"fields": ("error_message", "retry_count")}),
        ("Flags", {"fields": ("distribution_flags",)}),
        ("Latest metrics", {"fields": ("snapshots",)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="account")
    def account_name(self, obj):
        return obj.account.username if obj.account_id and obj.account else "—"

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj.status)

    @admin.display(description="hashtags")
    def hashtag_list(self, obj):
        return " ".join(f"#{tag}" for tag in obj.hashtags or []) or "—"

    @admin.display(description="flags")
    def distribution_flags(self, obj):
        return _flags_table(queries.content_flags(distribution_id=obj.pk))

    @admin.display(description="metric snapshots")
    def snapshots(self, obj):
        rows = queries.latest_snapshots(obj.pk)
        return related_table(
            ["time", "views", "likes", "comments", "shares", "saves", "completion", "engagement", "followers"],
            [
                [
                    _dt(s.time),
                    s.views,
                    s.likes,
                    s.comments,
                    s.shares,
                    s.saves,
                    _num(s.completion_rate, 3),
                    _num(s.engagement_rate, 4),
                    s.follower_count_at,
                ]
                for s in rows
            ],
            note=f"Latest {queries.SNAPSHOTS_LIMIT} snapshots.",
            empty="No snapshots yet.",
        )


@admin.register(TrendingTopic)
class TrendingTopicAdmin(FleetAdmin):
    list_display = (
        "topic",
        "hashtag",
        "platform",
        "niche_name",
        "trend_score",
        "is_active",
        "detected_at",
        "peak_at",
    )
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
        ("Trend", {"fields": ("trend_score", "detected_at", "peak_at")}),
    )

    @admin.display(description="topic")
    def topic(self, obj):
        return str(obj)

    @admin.display(description="niche")
    def niche_name(self, obj):
        return obj.niche.name if obj.niche_id and obj.niche else "—"


@admin.register(WarmingProgress)
class WarmingProgressAdmin(FleetAdmin):
    list_display = (
        "account_name",
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
        (None, {"fields": ("id", "account", "phase", "day_in_phase", "recorded_at", "graduated_at", "created_at")}),
        ("Counts", {"fields": ("likes_given", "comments_made", "posts_created", "views_received", "follows_given")}),
        ("Metrics", {"fields": ("metrics_block",)}),
    )

    @admin.display(description="account")
    def account_name(self, obj):
        return obj.account.username

    @admin.display(description="metrics")
    def metrics_block(self, obj):
        return json_block(obj.metrics_json)
