"""The sixth source's factories module (tests/factories/<alias>.py for a real source)."""

from datetime import UTC, datetime

import factory

from tests.factories.base import SourceFactory

from .models import Parcel


class ParcelFactory(SourceFactory):
    class Meta:
        model = Parcel

    tracking_number = factory.Sequence(lambda n: f"PX{n:08d}")
    status = "in_transit"
    created_at = factory.LazyFunction(lambda: datetime.now(UTC))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        secret = {"tracking_secret": kwargs.pop("tracking_secret", "SECRET-parcel")}
        return cls._insert(model_class, kwargs, secret)
