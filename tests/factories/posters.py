"""Factories for the Posters source (rows go in through the privileged seeding path)."""

from __future__ import annotations

from datetime import UTC, timedelta

import factory

from monitoring.posters.models import BatchJob, GeneratedPoster, JobLog, JobStatus, LogLevel, PosterFailureDetail
from tests.factories.base import SourceFactory


class BatchJobFactory(SourceFactory):
    class Meta:
        model = BatchJob

    job_id = factory.Sequence(lambda n: f"job_{n:012x}")
    campaign_name = factory.Faker("catch_phrase")
    status = JobStatus.COMPLETED
    total_items = 10
    processed_items = 10
    success_count = 9
    failure_count = 1
    template_html = '<div style="width:1080px"><h1>{{display_name}}</h1><img src="{{profile_pic}}"></div>'
    template_url = None
    poster_size = "instagram-square"
    model = "flash"
    user_identifiers = "phase,testuser,johndoe"
    metadata = factory.LazyFunction(lambda: {"skip_overlays": True, "dimensions": {"width": 1080, "height": 1080}})
    created_at = factory.Faker("date_time_between", start_date="-60d", end_date="-1d", tzinfo=UTC)
    started_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(seconds=2))
    completed_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(minutes=5))
    updated_at = factory.SelfAttribute("completed_at")


class GeneratedPosterFactory(SourceFactory):
    class Meta:
        model = GeneratedPoster

    job = factory.SubFactory(BatchJobFactory)
    username = factory.Sequence(lambda n: f"creator{n}")
    user_identifier = factory.SelfAttribute("username")
    display_name = factory.Faker("name")
    poster_url = factory.LazyAttribute(
        lambda o: f"https://topmate-staging.s3.ap-south-1.amazonaws.com/{o.job.job_id}/{o.username}.png"
    )
    s3_key = factory.LazyAttribute(lambda o: f"{o.job.job_id}/{o.username}.png")
    status = JobStatus.COMPLETED
    processing_time_ms = factory.Faker("pyint", min_value=800, max_value=6000)
    error_message = None
    metadata = factory.Sequence(
        lambda n: {
            "user_id": 1_000_000 + n,
            "display_name": f"Creator {n}",
            "profile_pic": "https://topmate-assets.com/profile.jpg",
            "bio": "Product designer and mentor",
            "fetched_from_api": True,
        }
    )
    created_at = factory.Faker("date_time_between", start_date="-60d", end_date="-1d", tzinfo=UTC)
    updated_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(seconds=3))


class JobLogFactory(SourceFactory):
    class Meta:
        model = JobLog

    job = factory.SubFactory(BatchJobFactory)
    level = LogLevel.INFO
    message = factory.Sequence(lambda n: f"CSV job processing started - {n} posters to generate")
    details = factory.LazyFunction(dict)
    created_at = factory.Faker("date_time_between", start_date="-60d", end_date="-1d", tzinfo=UTC)


class PosterFailureDetailFactory(SourceFactory):
    class Meta:
        model = PosterFailureDetail

    job = factory.SubFactory(BatchJobFactory)
    poster = factory.SubFactory(
        GeneratedPosterFactory, job=factory.SelfAttribute("..job"), status=JobStatus.FAILED, metadata={}
    )
    username = factory.SelfAttribute("poster.username")
    user_identifier = factory.SelfAttribute("poster.username")
    failure_type = "api_error"
    error_message = "Topmate API returned 502"
    error_details = factory.LazyFunction(lambda: {"status_code": 502, "attempt": 3})
    retry_count = 3
    html_template = factory.SelfAttribute("job.template_html")
    created_at = factory.Faker("date_time_between", start_date="-60d", end_date="-1d", tzinfo=UTC)
