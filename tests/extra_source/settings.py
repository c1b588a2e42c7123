"""The back office with a sixth source registered: the registry gets one entry, nothing else changes."""

from pathlib import Path

from backoffice import sources

EXTRA = sources.Source(
    "extra",
    "Extra parcels",
    "Parcels of a sixth, test-only source",
    8199,
    package="tests.extra_source",
    ddl=Path(__file__).with_name("schema.sql"),
)
sources.SOURCES = (*sources.SOURCES, EXTRA)
sources.SOURCE_ALIASES = frozenset(s.alias for s in sources.SOURCES)

from backoffice.settings import *  # noqa: E402, F403
