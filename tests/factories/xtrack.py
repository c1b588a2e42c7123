"""Factories for the XTrack source (rows go in through the privileged seeding path).

Secret columns (users.password_hash, notification_bind_tokens.token, verification_codes.code) are
NOT NULL in the service but not mapped by the models: these factories write them beside the
mapped fields, so tests can prove no page ever shows them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import factory

from monitoring.xtrack.apps import SECRET_COLUMNS
from monitoring.xtrack.models import (
    ExecutionStatus,
    Job,
    JobExecution,
    JobNotificationTarget,
    JobStatus,
    NotificationBindToken,
    NotificationChannel,
    NotificationTarget,
    Summary,
    User,
    UserStatus,
    VerificationCode,
    VerificationCodeType,
)
from tests.factories.base import SourceFactory


def utcnow() -> datetime:
    return datetime.now(UTC)


class XTrackFactory(SourceFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        secret_names = SECRET_COLUMNS.get(model_class._meta.db_table, [])
        secrets = {name: kwargs.pop(name) for name in secret_names if name in kwargs}
        return cls._insert(model_class, kwargs, secrets)


class UserFactory(XTrackFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"reader{n}@example.com")
    password_hash = factory.Sequence(lambda n: f"$2b$12$SECRETHASH{n:06d}abcdefghijklmnopqrstuvwxyz012345")
    name = factory.Faker("name")
    status = UserStatus.ACTIVE
    created_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=30))
    updated_at = factory.LazyFunction(utcnow)
    last_login_at = factory.LazyFunction(lambda: utcnow() - timedelta(hours=2))


class NotificationTargetFactory(XTrackFactory):
    class Meta:
        model = NotificationTarget

    user = factory.SubFactory(UserFactory)
    channel = NotificationChannel.EMAIL
    destination = factory.SelfAttribute("user.email")
    meta = None
    is_default = True
    created_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=20))


class TelegramTargetFactory(NotificationTargetFactory):
    channel = NotificationChannel.TELEGRAM
    destination = factory.Sequence(lambda n: str(310_000_000 + n))
    meta = factory.LazyFunction(lambda: {"username": "reader_tg"})
    is_default = False


class JobFactory(XTrackFactory):
    class Meta:
        model = Job

    user = factory.SubFactory(UserFactory)
    x_username = factory.Sequence(lambda n: f"handle_{n}")
    frequency = "daily"
    topics = factory.LazyFunction(lambda: ["ai", "startups"])
    language = "en"
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else None)
    is_active = True
    status = JobStatus.ACTIVE
    notification_target = None
    created_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=10))
    last_run = factory.LazyFunction(lambda: utcnow() - timedelta(hours=1))
    updated_at = factory.LazyFunction(utcnow)


class JobNotificationTargetFactory(XTrackFactory):
    class Meta:
        model = JobNotificationTarget

    job = factory.SubFactory(JobFactory)
    notification_target = factory.SubFactory(NotificationTargetFactory, user=factory.SelfAttribute("..job.user"))
    created_at = factory.LazyFunction(utcnow)


class JobExecutionFactory(XTrackFactory):
    class Meta:
        model = JobExecution

    job = factory.SubFactory(JobFactory)
    status = ExecutionStatus.COMPLETED
    started_at = factory.LazyFunction(lambda: utcnow() - timedelta(hours=1))
    completed_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(seconds=42))
    tweets_fetched = factory.Faker("pyint", min_value=0, max_value=200)
    error_message = None
    created_at = factory.SelfAttribute("started_at")


class SummaryFactory(XTrackFactory):
    class Meta:
        model = Summary

    id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    job = factory.SubFactory(JobFactory)
    execution = factory.SubFactory(JobExecutionFactory, job=factory.SelfAttribute("..job"))
    is_playground = False
    x_username = factory.SelfAttribute("job.x_username")
    topics = factory.LazyFunction(lambda: ["ai"])
    hours_back = 24
    content = factory.Faker("paragraph", nb_sentences=6)
    tweets_count = 12
    raw_data = factory.LazyFunction(lambda: {"count": 12, "tweets": [{"id": "1", "text": "hello"}]})
    input_tokens = 1800
    output_tokens = 350
    created_at = factory.LazyFunction(utcnow)


class PlaygroundSummaryFactory(SummaryFactory):
    job = None
    execution = None
    is_playground = True
    x_username = factory.Sequence(lambda n: f"playground_{n}")


class NotificationBindTokenFactory(XTrackFactory):
    class Meta:
        model = NotificationBindToken

    user = factory.SubFactory(UserFactory)
    token = factory.Sequence(lambda n: f"bindtok-SECRET-{n:08d}")
    channel = NotificationChannel.TELEGRAM
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(minutes=15))
    used = False
    created_at = factory.LazyFunction(utcnow)


class VerificationCodeFactory(XTrackFactory):
    class Meta:
        model = VerificationCode

    email = factory.Sequence(lambda n: f"signup{n}@example.com")
    code = factory.Sequence(lambda n: f"{(739100 + n) % 1_000_000:06d}")
    code_type = VerificationCodeType.EMAIL_VERIFICATION
    used = False
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(minutes=10))
    created_at = factory.LazyFunction(utcnow)
