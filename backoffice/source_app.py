"""What the core knows about a source, declared once on the source's AppConfig.

Every app under monitoring/ subclasses SourceAppConfig in its apps.py and fills in the same
attributes. The core reads them here and nowhere else: it never looks for a naming convention in
a source's modules.

    status_tones         {tone: words}: how status_badge colours the source's status values
                         (tones: ok, run, warn, bad)
    secret_columns       {table: [column, ...]}: columns that exist in the source but are never
                         mapped, selected or rendered
    service_indexes      the service's own indexes the pages read through; one that is gone is drift
    recommended_indexes  the indexes the back office asks the service for (check_sources prints them)
                         each entry: (table, columns_sql, name) or (table, columns_sql, name, pages)
    api_endpoints        ("METHOD", "/path/{key}/...") the actions call on the service's admin API
    dashboard, find, timeline, urls, bench, demo_data, fake_service
                         the names of the source's optional modules (None: it has none), read
                         through source_module(alias, kind):
                           dashboard    PANELS for the landing dashboard
                           find         FINDERS for Find anything
                           timeline     the source's part of a person's timeline
                           urls         urlpatterns outside the admin
                           bench        the benchmark's pages (PAGES) and samples(conn)
                           demo_data    generate(conn, scale) -> {table: rows}
                           fake_service FAKE, the FakeService subclass of its admin API
"""

from __future__ import annotations

from importlib import import_module

from django.apps import AppConfig, apps
from django.conf import settings

from backoffice.sources import get_source

MODULE_KINDS = ("dashboard", "find", "timeline", "urls", "bench", "demo_data", "fake_service")
TONES = ("ok", "run", "warn", "bad")


class SourceAppConfig(AppConfig):
    # Not a candidate itself when apps.py imports it; each subclass is its app's default config.
    default = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "default" not in cls.__dict__:
            cls.default = True

    status_tones: dict[str, frozenset[str]] = {}
    secret_columns: dict[str, list[str]] = {}
    service_indexes: list[tuple] = []
    recommended_indexes: list[tuple] = []
    api_endpoints: tuple[tuple[str, str], ...] = ()

    dashboard: str | None = None
    find: str | None = None
    timeline: str | None = None
    urls: str | None = None
    bench: str | None = None
    demo_data: str | None = None
    fake_service: str | None = None

    def __init__(self, app_name, app_module):
        super().__init__(app_name, app_module)
        if getattr(self, "verbose_name", None) in (None, self.label.title()):
            self.verbose_name = get_source(self.label).label
        unknown = set(self.status_tones) - set(TONES)
        if unknown:
            raise ValueError(f"{self.label}: unknown status tones {sorted(unknown)}; use {TONES}")


def source_config(alias: str) -> SourceAppConfig | None:
    """The installed AppConfig of a source, or None when the source is not configured here."""
    try:
        config = apps.get_app_config(alias)
    except LookupError:
        return None
    return config if isinstance(config, SourceAppConfig) else None


def source_configs() -> list[SourceAppConfig]:
    """The configured sources' AppConfigs, in registry order."""
    return [c for c in (source_config(alias) for alias in settings.CONFIGURED_SOURCES) if c is not None]


def source_module(alias: str, kind: str):
    """The source's declared module of that kind (see MODULE_KINDS), or None when it has none."""
    if kind not in MODULE_KINDS:
        raise ValueError(f"unknown source module kind {kind!r}")
    config = source_config(alias)
    name = getattr(config, kind, None) if config is not None else None
    return import_module(f"{config.name}.{name}") if name else None
