"""Factories for the publishing source (rows go in through the seeding path)."""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from django.utils import timezone

from monitoring.publishing import models
from tests.factories.base import SourceFactory


class VideoAssetFactory(SourceFactory):
    class Meta:
        model = models.VideoAsset

    title = factory.Sequence(lambda n: f"Podcast episode {n}")
    description = factory.Faker("sentence")
    file_path = factory.Sequence(lambda n: f"/data/videos/episode_{n}.mp4")
    file_size_bytes = factory.Faker("random_int", min=10_000_000, max=2_000_000_000)
    duration_ms = factory.Faker("random_int", min=60_000, max=5_400_000)
    width = 1920
    height = 1080


class ClipFactory(SourceFactory):
    class Meta:
        model = models.Clip

    video_asset = factory.SubFactory(VideoAssetFactory)
    title = factory.Sequence(lambda n: f"Best moment {n}")
    start_ms = factory.Faker("random_int", min=0, max=600_000)
    end_ms = factory.LazyAttribute(lambda o: o.start_ms + 30_000)
    duration_ms = 30_000
    file_path = factory.Sequence(lambda n: f"/data/clips/clip_{n}.mp4")
    visual_score = factory.Faker("pyfloat", min_value=0, max_value=1, right_digits=3)


class JobFactory(SourceFactory):
    class Meta:
        model = models.Job

    job_type = "render_clip"
    status = models.JobStatus.PENDING
    params = factory.LazyFunction(lambda: {"platform": "instagram", "aspect": "9:16"})
    video_asset = factory.SubFactory(VideoAssetFactory)
    clip = factory.SubFactory(ClipFactory, video_asset=factory.SelfAttribute("..video_asset"))


class CampaignFactory(SourceFactory):
    class Meta:
        model = models.Campaign

    name = factory.Sequence(lambda n: f"Spring launch {n}")
    clip = factory.SubFactory(ClipFactory)
    status = models.CampaignStatus.ACTIVE
    budget = "250.00"
    targeting = factory.LazyFunction(lambda: {"countries": ["ES", "MX"], "age": [18, 34]})
    start_date = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=3))


class PublishLogFactory(SourceFactory):
    class Meta:
        model = models.PublishLog

    clip = factory.SubFactory(ClipFactory)
    platform = models.Platform.TIKTOK
    social_account_id = factory.LazyFunction(uuid.uuid4)
    status = models.PublishStatus.SUCCESS
    requested_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=10))
    published_at = factory.LazyFunction(timezone.now)
    platform_post_id = factory.Sequence(lambda n: f"73{n:014d}")
    extra_metadata = factory.LazyFunction(lambda: {"caption": "New clip!", "attempt": 1})
