"""Unmanaged models mirroring the fleet service's tables (see fixtures/schema/fleet.sql).

Native PostgreSQL enums are read as text (CharField with the enum's values as choices).
Secret columns are deliberately not mapped: no query of the back office can select them.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from backoffice.fields import NativeEnumField, SourceJSONField

# The account state machine in three groups (the dashboard's counts and the accounts filter).
STATE_GROUPS: dict[str, tuple[str, ...]] = {
    "warming": ("created", "warming_p1", "warming_p2", "warming_p3"),
    "active": ("active", "resting", "cooldown"),
    "problem": ("flagged", "restricted", "suspended", "banned", "shadowbanned"),
}

# The scheduler's "who needs warming next": idx_accounts_needs_warming's exact predicate and order.
NEEDS_WARMING_STATES = ("created", "warming_p1", "warming_p2", "warming_p3", "active")
NEEDS_WARMING_PLATFORMS = ("tiktok", "instagram")

# A device calls for attention under these (the dashboard and the devices list agree).
LOW_BATTERY = 20  # percent
LOW_STORAGE_GB = 5


class Platform(models.TextChoices):
    TIKTOK = "tiktok"
    INSTAGRAM = "instagram"
    YOUTUBE_SHORTS = "youtube_shorts"
    REDDIT = "reddit"
    X_TWITTER = "x_twitter"


class AccountState(models.TextChoices):
    CREATED = "created"
    WARMING_P1 = "warming_p1"
    WARMING_P2 = "warming_p2"
    WARMING_P3 = "warming_p3"
    ACTIVE = "active"
    RESTING = "resting"
    COOLDOWN = "cooldown"
    FLAGGED = "flagged"
    RESTRICTED = "restricted"
    SUSPENDED = "suspended"
    BANNED = "banned"
    SHADOWBANNED = "shadowbanned"


class DeviceStatus(models.TextChoices):
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    FAILED = "failed"
    DISCONNECTED = "disconnected"


class NicheTier(models.TextChoices):
    T1 = "1", "Tier 1"
    T2 = "2", "Tier 2"
    T3 = "3", "Tier 3"


class NicheStatus(models.TextChoices):
    ACTIVE = "active"
    PAUSED = "paused"


class ContentFormat(models.TextChoices):
    FACELESS = "faceless"
    REDDIT_STORY = "reddit_story"
    AI_AVATAR = "ai_avatar"
    CAROUSEL = "carousel"
    MEME = "meme"
    LISTICLE = "listicle"


class ProductionStatus(models.TextChoices):
    SCRIPTING = "scripting"
    GENERATING = "generating"
    ASSEMBLING = "assembling"
    DISTRIBUTING = "distributing"
    COMPLETE = "complete"
    FAILED = "failed"


class DistributionStatus(models.TextChoices):
    QUEUED = "queued"
    POSTING = "posting"
    POSTED = "posted"
    FAILED = "failed"
    REMOVED = "removed"


class PostingMethod(models.TextChoices):
    LATE_API = "late_api"
    UPLOAD_POST = "upload_post"
    NATIVE_DEVICE = "native_device"


class ActivityType(models.TextChoices):
    WATCH = "watch"
    LIKE = "like"
    COMMENT = "comment"
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    POST = "post"
    SHARE = "share"
    SAVE = "save"
    SEARCH = "search"
    SCROLL = "scroll"


class WarmingPhase(models.TextChoices):
    P1 = "p1"
    P2 = "p2"
    P3 = "p3"


class HookCategory(models.TextChoices):
    CURIOSITY_GAP = "curiosity_gap"
    BOLD_CLAIM = "bold_claim"
    PROBLEM_PAIN = "problem_pain"
    PROOF_RESULTS = "proof_results"
    NUMBERS_DATA = "numbers_data"
    URGENCY_FOMO = "urgency_fomo"
    LIST_STRUCTURE = "list_structure"
    PERSONAL_STORY = "personal_story"
    SHOCK_TENSION = "shock_tension"
    DIRECT_CALLOUT = "direct_callout"


class ProxyType(models.TextChoices):
    MOBILE = "mobile"
    RESIDENTIAL = "residential"
    ISP = "isp"


class FlagType(models.TextChoices):
    COPYRIGHT = "copyright"
    POLICY = "policy"
    SPAM = "spam"
    SHADOWBAN = "shadowban"


class AssetType(models.TextChoices):
    VOICEOVER = "voiceover"
    IMAGE = "image"
    VIDEO_CLIP = "video_clip"
    MUSIC = "music"
    CAPTION_FILE = "caption_file"


class AssetModel(models.TextChoices):
    KLING_3_STD = "kling_3_std"
    KLING_3_PRO = "kling_3_pro"
    HAILUO_02 = "hailuo_02"
    HUNYUAN = "hunyuan"
    FLUX2 = "flux2"
    ELEVENLABS = "elevenlabs"
    OPENAI_TTS = "openai_tts"
    SUNO = "suno"
    DEEPGRAM = "deepgram"
    STOCK = "stock"
    SEEDANCE = "seedance"
    PIKA = "pika"
    RUNWAY = "runway"
    SORA = "sora"
    LUMA = "luma"


class EventSeverity(models.TextChoices):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class EventCategory(models.TextChoices):
    SCHEDULER = "scheduler"
    ACCOUNT = "account"
    DEVICE = "device"
    AUTH = "auth"


def _fk(to, related_name, **kwargs):
    """related_name "+" where no page lists the rows of the other side (no index is implied)."""
    return models.ForeignKey(to, on_delete=models.DO_NOTHING, db_constraint=False, related_name=related_name, **kwargs)


class Niche(models.Model):
    id = models.UUIDField(primary_key=True)
    name = models.TextField()
    slug = models.TextField(unique=True)
    config_yaml = models.TextField(null=True, blank=True)
    tier = NativeEnumField(max_length=1, choices=NicheTier.choices)
    status = NativeEnumField(max_length=20, choices=NicheStatus.choices)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "niches"

    def __str__(self) -> str:
        return self.name


class Proxy(models.Model):
    id = models.UUIDField(primary_key=True)
    provider = models.TextField()
    type = NativeEnumField(max_length=20, choices=ProxyType.choices)
    host = models.TextField()
    port = models.IntegerField()
    # credentials_enc: secret, not mapped (SECRET_COLUMNS)
    geo_country = models.TextField(null=True, blank=True)
    geo_region = models.TextField(null=True, blank=True)
    geo_city = models.TextField(null=True, blank=True)
    assigned_device = _fk("Device", "+", null=True)  # no FK in the service
    ip_reputation_score = models.DecimalField(max_digits=4, decimal_places=2, null=True)
    last_health_check = models.DateTimeField(null=True)
    is_healthy = models.BooleanField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "proxies"
        verbose_name_plural = "proxies"

    def __str__(self) -> str:
        return f"{self.provider} {self.host}:{self.port}"


class Device(models.Model):
    id = models.UUIDField(primary_key=True)
    name = models.TextField(null=True, blank=True)
    model = models.TextField()
    udid = models.TextField(unique=True, verbose_name="UDID")
    ios_version = models.TextField(verbose_name="iOS version")
    wda_port = models.IntegerField(null=True, verbose_name="WDA port")
    current_proxy = _fk(Proxy, "+", null=True)
    status = NativeEnumField(max_length=20, choices=DeviceStatus.choices)
    connected_since = models.DateTimeField(null=True)
    battery_level = models.SmallIntegerField(null=True)
    storage_free_gb = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "devices"

    def __str__(self) -> str:
        return self.name or self.udid


class Account(models.Model):
    id = models.UUIDField(primary_key=True)
    platform = NativeEnumField(max_length=20, choices=Platform.choices)
    username = models.TextField()
    display_name = models.TextField(null=True, blank=True)
    # email_enc, password_enc, phone_number_enc, totp_secret_enc: secret, not mapped
    proxy = _fk(Proxy, "+", null=True)
    device = _fk(Device, "accounts", null=True)
    niche = _fk(Niche, "+", null=True)
    current_state = NativeEnumField(max_length=20, choices=AccountState.choices)
    warming_day_count = models.IntegerField()
    followers = models.IntegerField()
    following = models.IntegerField()
    is_shadowbanned = models.BooleanField()
    bio_text = models.TextField(null=True, blank=True)
    profile_pic_url = models.TextField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True)
    last_warmed_at = models.DateTimeField(null=True)
    last_post_at = models.DateTimeField(null=True)
    deleted_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "accounts"
        constraints = [models.UniqueConstraint(fields=["platform", "username"], name="accounts_platform_username_key")]

    def __str__(self) -> str:
        return f"{self.username} ({self.platform})"


class SystemEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    timestamp = models.DateTimeField()
    category = models.TextField(choices=EventCategory.choices)
    severity = models.TextField(choices=EventSeverity.choices)
    event_type = models.TextField()
    device = _fk(Device, "events", null=True)
    account = _fk(Account, "events", null=True)
    message = models.TextField()
    context = SourceJSONField(null=True)
    resolved = models.BooleanField(null=True)
    resolved_by = models.TextField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "system_events"
        verbose_name = "system event"

    def __str__(self) -> str:
        return f"#{self.id} {self.event_type}"


class Hook(models.Model):
    id = models.UUIDField(primary_key=True)
    hook_text = models.TextField()
    template_text = models.TextField(null=True, blank=True)
    hook_category = NativeEnumField(max_length=30, choices=HookCategory.choices)
    emotional_tone = models.TextField(null=True, blank=True)
    platform = NativeEnumField(max_length=20, choices=Platform.choices, null=True)
    niche = _fk(Niche, "+", null=True)
    times_used = models.IntegerField()
    avg_3s_retention = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    avg_engagement_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    performance_score = models.DecimalField(max_digits=6, decimal_places=3, null=True)
    thompson_alpha = models.DecimalField(max_digits=10, decimal_places=4)
    thompson_beta = models.DecimalField(max_digits=10, decimal_places=4)
    is_active = models.BooleanField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "hooks"

    def __str__(self) -> str:
        return self.hook_text[:60]


class Content(models.Model):
    id = models.UUIDField(primary_key=True)
    niche = _fk(Niche, "+")
    topic = models.TextField()
    script_text = models.TextField(null=True, blank=True)
    hook = _fk(Hook, "+", null=True)
    content_format = NativeEnumField(max_length=20, choices=ContentFormat.choices)
    production_status = NativeEnumField(max_length=20, choices=ProductionStatus.choices)
    quality_score = models.DecimalField(max_digits=4, decimal_places=2, null=True)
    cost_usd = models.DecimalField(max_digits=8, decimal_places=4)
    duration_seconds = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    file_paths = SourceJSONField()
    temporal_workflow_id = models.TextField(null=True, blank=True)
    source_reddit_url = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "content"
        verbose_name = "content"
        verbose_name_plural = "content"

    def __str__(self) -> str:
        return self.topic[:60]


class ContentAsset(models.Model):
    id = models.UUIDField(primary_key=True)
    content = _fk(Content, "assets")
    asset_type = NativeEnumField(max_length=20, choices=AssetType.choices)
    model_used = NativeEnumField(max_length=20, choices=AssetModel.choices)
    cost_usd = models.DecimalField(max_digits=8, decimal_places=4)
    file_path = models.TextField()
    duration_seconds = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    metadata_json = SourceJSONField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "content_assets"

    def __str__(self) -> str:
        return f"{self.asset_type} {str(self.id)[:8]}"


class ContentFlag(models.Model):
    # On a content, a distribution, or both (a CHECK in the service).
    id = models.UUIDField(primary_key=True)
    content = _fk(Content, "flags", null=True)
    distribution = _fk("Distribution", "flags", null=True)
    flag_type = NativeEnumField(max_length=20, choices=FlagType.choices)
    platform = NativeEnumField(max_length=20, choices=Platform.choices, null=True)
    detail_text = models.TextField(null=True, blank=True)
    resolved = models.BooleanField()
    flagged_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "content_flags"

    def __str__(self) -> str:
        return f"{self.flag_type} {str(self.id)[:8]}"


class Distribution(models.Model):
    id = models.UUIDField(primary_key=True)
    content = _fk(Content, "distributions")
    account = _fk(Account, "distributions")
    platform = NativeEnumField(max_length=20, choices=Platform.choices)
    status = NativeEnumField(max_length=20, choices=DistributionStatus.choices)
    posted_at = models.DateTimeField(null=True)
    post_url = models.TextField(null=True, blank=True)
    post_id_on_platform = models.TextField(null=True, blank=True)
    caption_text = models.TextField(null=True, blank=True)
    hashtags = ArrayField(models.TextField(), null=True)
    scheduled_for = models.DateTimeField(null=True)
    posted_via = NativeEnumField(max_length=20, choices=PostingMethod.choices, null=True)
    error_message = models.TextField(null=True, blank=True)
    retry_count = models.SmallIntegerField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "distributions"

    def __str__(self) -> str:
        return f"{self.platform} {str(self.id)[:8]}"


class TrendingTopic(models.Model):
    id = models.UUIDField(primary_key=True)
    platform = NativeEnumField(max_length=20, choices=Platform.choices)
    topic_text = models.TextField(null=True, blank=True)
    hashtag = models.TextField(null=True, blank=True)
    sound_id = models.TextField(null=True, blank=True)
    detected_at = models.DateTimeField()
    peak_at = models.DateTimeField(null=True)
    trend_score = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    niche = _fk(Niche, "+", null=True)
    is_active = models.BooleanField()

    class Meta:
        managed = False
        db_table = "trending_topics"

    def __str__(self) -> str:
        return (self.topic_text or (f"#{self.hashtag}" if self.hashtag else str(self.id)[:8]))[:60]


class ActivityLog(models.Model):
    # Not a primary key in the service: activity_log has none, and `id` is neither unique nor
    # indexed (a lookup by id alone scans every monthly partition). Django needs a pk, so it is
    # nominal here; rows are only shown inside the account page, bounded by "timestamp".
    id = models.UUIDField(primary_key=True)
    account = _fk(Account, "activity")
    device = _fk(Device, "+", null=True)
    activity_type = NativeEnumField(max_length=20, choices=ActivityType.choices)
    detail_json = SourceJSONField(null=True)
    success = models.BooleanField()
    error_message = models.TextField(null=True, blank=True)
    timestamp = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "activity_log"

    def __str__(self) -> str:
        return f"{self.activity_type} at {self.timestamp:%Y-%m-%d %H:%M}"


class WarmingProgress(models.Model):
    id = models.UUIDField(primary_key=True)
    account = _fk(Account, "warming_progress")
    phase = NativeEnumField(max_length=2, choices=WarmingPhase.choices)
    day_in_phase = models.IntegerField()
    likes_given = models.IntegerField()
    comments_made = models.IntegerField()
    posts_created = models.IntegerField()
    views_received = models.IntegerField()
    follows_given = models.IntegerField()
    metrics_json = SourceJSONField(null=True)
    graduated_at = models.DateTimeField(null=True)
    recorded_at = models.DateField()
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "warming_progress"
        verbose_name_plural = "warming progress"

    def __str__(self) -> str:
        return f"{self.phase} day {self.day_in_phase}"


class MetricSnapshot(models.Model):
    # No key in the service (a hypertable read by (distribution_id, time DESC)): `time` is a
    # nominal pk for Django only; rows are shown inside the distribution page.
    time = models.DateTimeField(primary_key=True)
    distribution = _fk(Distribution, "metric_snapshots")
    views = models.IntegerField()
    likes = models.IntegerField()
    comments = models.IntegerField()
    shares = models.IntegerField()
    saves = models.IntegerField()
    completion_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    engagement_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    follower_count_at = models.IntegerField(null=True)
    source_breakdown = SourceJSONField(null=True)

    class Meta:
        managed = False
        db_table = "metric_snapshots"


class AccountHealthSnapshot(models.Model):
    # No key in the service (a hypertable read by (account_id, time DESC)): `time` is a nominal
    # pk for Django; rows are shown inside the account page only.
    time = models.DateTimeField(primary_key=True)
    account = _fk(Account, "health_snapshots")
    reach_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    engagement_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    avg_completion_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    growth_rate_7d = models.DecimalField(max_digits=8, decimal_places=4, null=True)
    followers = models.IntegerField()
    following = models.IntegerField()
    is_shadowbanned = models.BooleanField()
    action_blocks_24h = models.IntegerField()
    content_removals_7d = models.IntegerField()

    class Meta:
        managed = False
        db_table = "account_health_snapshots"


class NicheSubredditMap(models.Model):
    # The key is (niche_id, subreddit_name): no page of its own, a table inside the niche page.
    pk = models.CompositePrimaryKey("niche_id", "subreddit_name")
    niche = _fk(Niche, "subreddits")
    subreddit_name = models.TextField()
    min_karma_required = models.IntegerField()
    min_account_age_days = models.IntegerField()
    posting_frequency_limit = models.DurationField(null=True)
    automod_rules_json = SourceJSONField(null=True)
    is_active = models.BooleanField()

    class Meta:
        managed = False
        db_table = "niche_subreddit_map"
        verbose_name = "niche subreddit"

    def __str__(self) -> str:
        return f"r/{self.subreddit_name}"
