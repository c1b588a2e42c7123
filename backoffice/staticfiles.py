"""The static files storages, with each file's URL worked out once per process.

Every admin page asks for some twenty static URLs (`{% static %}`, form media, boolean icons), and
the storage builds each one again: quoting and joining locally, and in production also the
manifest lookup of the hashed name. A URL depends only on the name, STATIC_URL and the manifest,
all fixed once the storage exists (Django makes a new storage when those settings change).
"""

from __future__ import annotations

from django.contrib.staticfiles.storage import StaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class MemoizedUrlsMixin:
    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        urls = self.__dict__.setdefault("_memoized_urls", {})
        url = urls.get(name)
        if url is None:
            url = urls[name] = super().url(name)
        return url


class LocalStaticFilesStorage(MemoizedUrlsMixin, StaticFilesStorage):
    """Local runs: the source files as they are."""


class ProductionStaticFilesStorage(MemoizedUrlsMixin, CompressedManifestStaticFilesStorage):
    """Production: the collected, hashed and compressed files (`manage.py collectstatic`)."""
