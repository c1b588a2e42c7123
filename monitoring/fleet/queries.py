"""Bounded related-row queries for the fleet detail pages (one query each, index-served)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from backoffice import display
from monitoring.fleet.models import (
    Account,
    AccountHealthSnapshot,
    ActivityLog,
    ContentAsset,
    ContentFlag,
    Distribution,
    MetricSnapshot,
    NicheSubredditMap,
    SystemEvent,
    WarmingProgress,
)

ACTIVITY_DAYS = 7
ACTIVITY_LIMIT = 50
EVENTS_LIMIT = 20
DISTRIBUTIONS_LIMIT = 20
WARMING_LIMIT = 60
SNAPSHOTS_LIMIT = 50
HEALTH_LIMIT = 20
ACCOUNTS_LIMIT = 50
ASSETS_LIMIT = 50
SUBREDDITS_LIMIT = 50


def recent_activity(account_id, days: int = ACTIVITY_DAYS, limit: int = ACTIVITY_LIMIT) -> list[ActivityLog]:
    """The account's activity_log rows of the last `days` days, newest first, at most `limit`.

    Bounded by the partition key (prunes to one or two monthly partitions); the service has no
    index on activity_log, check_sources recommends (account_id, "timestamp" DESC).
    """
    since = timezone.now() - timedelta(days=days)
    return list(
        ActivityLog.objects.filter(account_id=account_id, timestamp__gte=since)
        .only("id", "account_id", "device_id", "activity_type", "success", "error_message", "timestamp")
        .order_by("-timestamp")[:limit]
    )


def latest_snapshots(distribution_id, limit: int = SNAPSHOTS_LIMIT) -> list[MetricSnapshot]:
    """The distribution's latest metric snapshots (idx_metrics_distribution_time)."""
    return list(
        MetricSnapshot.objects.filter(distribution_id=distribution_id)
        .defer("source_breakdown")
        .order_by("-time")[:limit]
    )


def latest_health(account_id, limit: int = HEALTH_LIMIT) -> list[AccountHealthSnapshot]:
    """The account's latest health snapshots (idx_health_account_time)."""
    return list(AccountHealthSnapshot.objects.filter(account_id=account_id).order_by("-time")[:limit])


def recent_events(*, device_id=None, account_id=None, limit: int = EVENTS_LIMIT) -> list[SystemEvent]:
    """Latest system events of a device or an account (idx_events_device / idx_events_account)."""
    queryset = SystemEvent.objects.defer("context")
    queryset = queryset.filter(device_id=device_id) if device_id else queryset.filter(account_id=account_id)
    return list(queryset.order_by("-timestamp")[:limit])


def recent_distributions(*, account_id=None, content_id=None, limit: int = DISTRIBUTIONS_LIMIT) -> list[Distribution]:
    queryset = Distribution.objects.only(
        "id", "account_id", "content_id", "platform", "status", "posted_at", "post_id_on_platform", "created_at"
    )
    queryset = queryset.filter(account_id=account_id) if account_id else queryset.filter(content_id=content_id)
    return list(queryset.order_by("-created_at")[:limit])


def warming_rows(account_id, limit: int = WARMING_LIMIT) -> list[WarmingProgress]:
    return list(
        WarmingProgress.objects.filter(account_id=account_id)
        .defer("metrics_json")
        .order_by("phase", "day_in_phase")[:limit]
    )


def device_accounts(device_id, limit: int = ACCOUNTS_LIMIT) -> list[Account]:
    return list(
        Account.objects.filter(device_id=device_id)
        .only("id", "platform", "username", "current_state", "followers", "deleted_at")
        .order_by("platform", "username")[:limit]
    )


def content_assets(content_id, limit: int = ASSETS_LIMIT) -> list[ContentAsset]:
    return list(
        ContentAsset.objects.filter(content_id=content_id).defer("metadata_json").order_by("created_at")[:limit]
    )


def content_flags(*, content_id=None, distribution_id=None, limit: int = ASSETS_LIMIT) -> list[ContentFlag]:
    queryset = ContentFlag.objects.all()
    if content_id is not None:
        queryset = queryset.filter(content_id=content_id)
    else:
        queryset = queryset.filter(distribution_id=distribution_id)
    return list(queryset.order_by("-flagged_at")[:limit])


def niche_subreddits(niche_id, limit: int = SUBREDDITS_LIMIT) -> list[NicheSubredditMap]:
    """A niche's subreddits in name order: the key (niche_id, subreddit_name) serves it."""
    return list(NicheSubredditMap.objects.filter(niche_id=niche_id).order_by("subreddit_name")[:limit])


# -- rendering ---------------------------------------------------------------------------------


def admin_link(model_name: str, pk, text=None) -> str:
    return display.change_link("fleet", model_name, pk, text if text is not None else (str(pk)[:8] if pk else pk))


related_table = display.related_table
