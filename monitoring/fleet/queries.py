"""Bounded related-row queries for the fleet detail pages (one query each, index-served)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connections
from django.db.models import Count
from django.utils import timezone

from backoffice.find import source_indexes
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


EVENT_INDEXES = {"device_id": "bo_events_device", "account_id": "bo_events_account"}


def event_timeline(column: str, key, limit: int = EVENTS_LIMIT) -> tuple[list[SystemEvent], str | None]:
    """(latest events of a device or an account, newest first; the missing index's name or None).

    Read through (device_id, "timestamp" DESC) / (account_id, "timestamp" DESC) only: the service
    has no such index, and without it the query would scan every event. When the source lacks it,
    nothing is read and the page says which index to create.
    """
    index = EVENT_INDEXES[column]
    if index not in source_indexes("fleet"):
        return [], index
    rows = (
        SystemEvent.objects.filter(**{column: key})
        .only("id", "timestamp", "severity", "category", "event_type", "message", "resolved", "device_id", "account_id")
        .order_by("-timestamp", "-id")[:limit]
    )
    return list(rows), None


def live_accounts_by_device(device_ids) -> dict:
    """{device_id: accounts not deleted} for the devices of one list page (bo_accounts_device)."""
    if not device_ids:
        return {}
    rows = (
        Account.objects.filter(device_id__in=list(device_ids), deleted_at__isnull=True)
        .values("device_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["device_id"]: row["n"] for row in rows}


# -- a distribution's metrics over time ------------------------------------------------------------

METRIC_WINDOW = timedelta(days=7)  # of raw snapshots, ending at the newest one
METRIC_RAW_LIMIT = 2000  # raw snapshots read at most (the window's newest)
METRIC_DAILY_WINDOW = timedelta(days=90)
AGGREGATES = ("metric_snapshots_hourly", "metric_snapshots_daily")  # the service's continuous aggregates
_relations: dict[str, bool] = {}


def relation_exists(name: str) -> bool:
    """Does the fleet source have this relation (a continuous aggregate)? Asked once per process."""
    if name not in _relations:
        with connections["fleet"].cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            _relations[name] = bool(cursor.fetchone()[0])
    return _relations[name]


@dataclass
class MetricSeries:
    source: str  # where the points come from, said under the chart
    labels: list[str]
    views: list[int]
    likes: list[int]
    engagement: list[float | None]  # percent


def _series(source: str, rows, label_format: str) -> MetricSeries:
    rows = list(rows)
    return MetricSeries(
        source,
        [bucket.strftime(label_format) for bucket, *_ in rows],
        [views or 0 for _b, views, _l, _e in rows],
        [likes or 0 for _b, _v, likes, _e in rows],
        [None if rate is None else round(float(rate) * 100, 2) for _b, _v, _l, rate in rows],
    )


def distribution_metrics(distribution_id) -> MetricSeries:
    """Views, likes and engagement of a distribution over time, one point per hour (or day).

    From the service's hourly (else daily) continuous aggregate when it has one; else from
    metric_snapshots over a bounded window: the week before the newest snapshot, at most
    METRIC_RAW_LIMIT rows, through (distribution_id, time DESC). The last value of each hour.
    """
    for relation, window, unit, label in (
        ("metric_snapshots_hourly", METRIC_WINDOW, "hour", "%m-%d %H:00"),
        ("metric_snapshots_daily", METRIC_DAILY_WINDOW, "day", "%Y-%m-%d"),
    ):
        if relation_exists(relation):
            sql = f"""
                SELECT bucket, views, likes, avg_engagement_rate FROM {relation}
                 WHERE distribution_id = %(id)s
                   AND bucket >= (SELECT max(bucket) FROM {relation} WHERE distribution_id = %(id)s) - %(window)s
                 ORDER BY bucket
            """
            with connections["fleet"].cursor() as cursor:
                cursor.execute(sql, {"id": distribution_id, "window": window})
                return _series(f"{relation} (one point per {unit}, {window.days} days)", cursor.fetchall(), label)
    sql = """
        SELECT date_trunc('hour', time) AS bucket,
               (array_agg(views ORDER BY time DESC))[1],
               (array_agg(likes ORDER BY time DESC))[1],
               avg(engagement_rate)
          FROM (SELECT time, views, likes, engagement_rate FROM metric_snapshots
                 WHERE distribution_id = %(id)s
                   AND time >= (SELECT max(time) FROM metric_snapshots WHERE distribution_id = %(id)s) - %(window)s
                 ORDER BY time DESC LIMIT %(limit)s) AS recent
         GROUP BY 1 ORDER BY 1
    """
    with connections["fleet"].cursor() as cursor:
        cursor.execute(sql, {"id": distribution_id, "window": METRIC_WINDOW, "limit": METRIC_RAW_LIMIT})
        rows = cursor.fetchall()
    note = f"metric_snapshots (last value per hour, {METRIC_WINDOW.days} days, newest {METRIC_RAW_LIMIT} snapshots)"
    return _series(note, rows, "%m-%d %H:00")


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
        .only("id", "platform", "username", "current_state", "followers", "last_activity_at", "deleted_at")
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
