"""Factories for the fleet source (rows go in through the seeding path).

activity_log, metric_snapshots, account_health_snapshots and niche_subreddit_map have factories
too: their rows are inserted like any other (the key Django sees only matters when reading).
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import factory
from django.utils import timezone

from monitoring.fleet import models
from tests.factories.base import SourceFactory


class NicheFactory(SourceFactory):
    class Meta:
        model = models.Niche

    name = factory.Sequence(lambda n: f"Personal finance {n}")
    slug = factory.Sequence(lambda n: f"personal_finance_{n}")
    tier = models.NicheTier.T1
    status = models.NicheStatus.ACTIVE


class ProxyFactory(SourceFactory):
    class Meta:
        model = models.Proxy

    provider = "brightdata"
    type = models.ProxyType.MOBILE
    host = factory.Sequence(lambda n: f"gw{n}.proxy.example.net")
    port = factory.Sequence(lambda n: 10000 + n)
    geo_country = "US"
    geo_region = "CA"
    geo_city = "Los Angeles"
    ip_reputation_score = Decimal("87.50")
    last_health_check = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=4))
    is_healthy = True
    # unmapped secret column, written raw through the seeding path
    secrets = factory.LazyFunction(lambda: {"credentials_enc": random_secret()})

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return cls._insert(model_class, kwargs, kwargs.pop("secrets", None))


class DeviceFactory(SourceFactory):
    class Meta:
        model = models.Device

    name = factory.Sequence(lambda n: f"iPhone-{n:03d}")
    model = "iPhone 13 mini"
    udid = factory.Sequence(lambda n: f"00008110-{n:016X}")
    ios_version = "17.4.1"
    wda_port = factory.Sequence(lambda n: 8100 + n)
    status = models.DeviceStatus.ACTIVE
    connected_since = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=5))
    battery_level = 87
    storage_free_gb = Decimal("41.50")


class AccountFactory(SourceFactory):
    class Meta:
        model = models.Account

    platform = models.Platform.TIKTOK
    username = factory.Sequence(lambda n: f"money.tips.{n}")
    display_name = factory.Faker("name")
    niche = factory.SubFactory(NicheFactory)
    device = factory.SubFactory(DeviceFactory)
    proxy = factory.SubFactory(ProxyFactory)
    current_state = models.AccountState.WARMING_P2
    warming_day_count = 9
    followers = 312
    following = 140
    is_shadowbanned = False
    bio_text = "Daily money tips"
    last_activity_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=30))
    # unmapped secret columns (secret_columns on the AppConfig), written raw through the seeding path
    secrets = factory.LazyFunction(
        lambda: {column: random_secret() for column in ("email_enc", "password_enc", "totp_secret_enc")}
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return cls._insert(model_class, kwargs, kwargs.pop("secrets", None))


class SystemEventFactory(SourceFactory):
    class Meta:
        model = models.SystemEvent

    timestamp = factory.LazyFunction(timezone.now)
    category = models.EventCategory.ACCOUNT
    severity = models.EventSeverity.WARNING
    event_type = "login_failed"
    device = factory.SubFactory(DeviceFactory)
    account = factory.SubFactory(AccountFactory, device=factory.SelfAttribute("..device"))
    message = "Login challenge: SMS verification requested"
    context = factory.LazyFunction(lambda: {"attempt": 2, "screen": "sms_challenge"})
    resolved = False


class HookFactory(SourceFactory):
    class Meta:
        model = models.Hook

    hook_text = factory.Sequence(lambda n: f"Nobody tells you this about saving money #{n}")
    template_text = "Nobody tells you this about {topic}"
    hook_category = models.HookCategory.CURIOSITY_GAP
    emotional_tone = "intrigue"
    platform = models.Platform.TIKTOK
    niche = factory.SubFactory(NicheFactory)
    times_used = 14
    avg_3s_retention = Decimal("0.6120")
    avg_engagement_rate = Decimal("0.0810")
    performance_score = Decimal("61.250")
    thompson_alpha = Decimal("8.0000")
    thompson_beta = Decimal("5.0000")
    is_active = True


class ContentFactory(SourceFactory):
    class Meta:
        model = models.Content

    niche = factory.SubFactory(NicheFactory)
    topic = factory.Sequence(lambda n: f"How compound interest works ({n})")
    script_text = "Hook. Body. Call to action."
    hook = factory.SubFactory(HookFactory, niche=factory.SelfAttribute("..niche"))
    content_format = models.ContentFormat.FACELESS
    production_status = models.ProductionStatus.COMPLETE
    quality_score = Decimal("8.20")
    cost_usd = Decimal("0.4210")
    duration_seconds = Decimal("41.50")
    file_paths = factory.LazyFunction(lambda: {"video": "/out/final.mp4", "audio": "/out/vo.mp3"})
    temporal_workflow_id = factory.Sequence(lambda n: f"produce-content-{n:06d}")


class ContentAssetFactory(SourceFactory):
    class Meta:
        model = models.ContentAsset

    content = factory.SubFactory(ContentFactory)
    asset_type = models.AssetType.VOICEOVER
    model_used = models.AssetModel.ELEVENLABS
    file_path = factory.Sequence(lambda n: f"/out/assets/vo_{n}.mp3")
    duration_seconds = Decimal("40.20")
    cost_usd = Decimal("0.1200")
    metadata_json = factory.LazyFunction(lambda: {"voice": "adam"})


class ContentFlagFactory(SourceFactory):
    class Meta:
        model = models.ContentFlag

    content = factory.SubFactory(ContentFactory)
    distribution = None
    flag_type = models.FlagType.POLICY
    platform = models.Platform.TIKTOK
    detail_text = "Audio clipping in the first 3 seconds"
    resolved = False


class DistributionFactory(SourceFactory):
    class Meta:
        model = models.Distribution

    content = factory.SubFactory(ContentFactory)
    account = factory.SubFactory(AccountFactory)
    platform = models.Platform.TIKTOK
    status = models.DistributionStatus.POSTED
    posted_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=2))
    post_id_on_platform = factory.Sequence(lambda n: f"7301{n:015d}")
    post_url = factory.LazyAttribute(lambda o: f"https://www.tiktok.com/@user/video/{o.post_id_on_platform}")
    caption_text = "Save more with this one trick"
    hashtags = factory.LazyFunction(lambda: ["money", "finance", "fyp"])
    posted_via = models.PostingMethod.NATIVE_DEVICE
    retry_count = 0


class TrendingTopicFactory(SourceFactory):
    class Meta:
        model = models.TrendingTopic

    platform = models.Platform.TIKTOK
    topic_text = factory.Sequence(lambda n: f"High-yield savings accounts {n}")
    hashtag = factory.Sequence(lambda n: f"savings{n}")
    sound_id = None
    peak_at = None
    trend_score = Decimal("771.25")
    niche = factory.SubFactory(NicheFactory)
    is_active = True


class ActivityLogFactory(SourceFactory):
    class Meta:
        model = models.ActivityLog

    account = factory.SubFactory(AccountFactory)
    device = factory.SelfAttribute("account.device")
    activity_type = models.ActivityType.LIKE
    detail_json = factory.LazyFunction(lambda: {"video_id": "7301000000000000001"})
    success = True
    timestamp = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))


class WarmingProgressFactory(SourceFactory):
    class Meta:
        model = models.WarmingProgress

    account = factory.SubFactory(AccountFactory)
    phase = models.WarmingPhase.P1
    day_in_phase = factory.Sequence(lambda n: n + 1)
    likes_given = 25
    comments_made = 2
    posts_created = 0
    views_received = 0
    follows_given = 6
    metrics_json = factory.LazyFunction(lambda: {"minutes_scrolled": 22})


class MetricSnapshotFactory(SourceFactory):
    class Meta:
        model = models.MetricSnapshot

    time = factory.LazyFunction(timezone.now)
    distribution = factory.SubFactory(DistributionFactory)
    views = 1200
    likes = 95
    comments = 7
    shares = 3
    saves = 11
    completion_rate = Decimal("0.4100")
    engagement_rate = Decimal("0.0966")
    follower_count_at = 312
    source_breakdown = factory.LazyFunction(lambda: {"fyp": 0.9, "profile": 0.1})


class AccountHealthSnapshotFactory(SourceFactory):
    class Meta:
        model = models.AccountHealthSnapshot

    time = factory.LazyFunction(timezone.now)
    account = factory.SubFactory(AccountFactory)
    reach_rate = Decimal("0.4120")
    engagement_rate = Decimal("0.0710")
    avg_completion_rate = Decimal("0.3800")
    growth_rate_7d = Decimal("0.0250")
    followers = 312
    following = 140
    is_shadowbanned = False
    action_blocks_24h = 0
    content_removals_7d = 0


class NicheSubredditMapFactory(SourceFactory):
    class Meta:
        model = models.NicheSubredditMap

    niche = factory.SubFactory(NicheFactory)
    subreddit_name = factory.Sequence(lambda n: f"personalfinance{n}")
    min_karma_required = 100
    min_account_age_days = 14
    posting_frequency_limit = dt.timedelta(hours=6)
    automod_rules_json = factory.LazyFunction(lambda: {"min_title_length": 12})
    is_active = True


def random_secret() -> bytes:
    return os.urandom(32)
