"""The registry of source systems: one entry per source, everything else derives from it.

Adding a sixth source: one entry here, one folder monitoring/<alias>/ (its AppConfig subclasses
backoffice.source_app.SourceAppConfig and declares the rest), one DDL file fixtures/schema/<alias>.sql
and one factories module tests/factories/<alias>.py. See the README, "Adding a source".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Source:
    alias: str  # DB alias == Django app label == embedded database name
    label: str  # what support staff call it
    description: str
    demo_api_port: int  # loopback port of the fake service in the demo
    package: str = ""  # the Django app; default monitoring.<alias>
    ddl: Path | None = None  # the source's DDL; default fixtures/schema/<alias>.sql

    @property
    def app(self) -> str:
        return self.package or f"monitoring.{self.alias}"

    @property
    def env_prefix(self) -> str:
        return self.alias.upper()

    @property
    def schema_file(self) -> Path:
        return self.ddl or BASE_DIR / "fixtures" / "schema" / f"{self.alias}.sql"


SOURCES: tuple[Source, ...] = (
    Source("wrapped", "Wrapped (TikTok)", "Wrapped runs, stage jobs, users, auth and referrals", 8101),
    Source("posters", "Posters", "Poster batch jobs, posters, job logs and failures", 8102),
    Source("xtrack", "XTrack", "Users, scheduled jobs, executions and summaries", 8103),
    Source("publishing", "Publishing", "Videos, clips, jobs, campaigns and publish logs", 8104),
    Source("fleet", "Fleet", "Devices, accounts, events, content and distributions", 8105),
)

SOURCE_ALIASES: frozenset[str] = frozenset(s.alias for s in SOURCES)


def get_source(alias: str) -> Source:
    for source in SOURCES:
        if source.alias == alias:
            return source
    raise KeyError(alias)
