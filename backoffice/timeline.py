"""A person's timeline: what they did and what happened to them, across the sources, newest first.

An identifier (email, username, user id) is first resolved by every source into the identifiers
that source knows the person by (Wrapped turns an email into app_user_ids and a TikTok username;
that username then finds posters). Then every source lists its entries for the person in the
window, one indexed query per kind, and the core merges them. A source that fails is named and
the others answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache as memoize

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from backoffice.search import EMAIL, classify
from backoffice.source_app import source_module
from backoffice.sources import get_source

logger = logging.getLogger(__name__)

WINDOW = timedelta(days=90)
MAX_ENTRIES = 200


@dataclass
class Person:
    """What is known of one person so far; sources add the identifiers they find."""

    term: str
    emails: set[str] = field(default_factory=set)
    usernames: set[str] = field(default_factory=set)  # TikTok / X / fleet handles, as stored
    ids: dict[str, set[str]] = field(default_factory=dict)  # per source: its own ids for the person

    @classmethod
    def from_term(cls, term: str) -> Person:
        person = cls(term=term)
        if EMAIL in classify(term):
            person.emails |= {term, term.lower()}
        else:
            handle = term.lstrip("@")
            person.usernames |= {handle, handle.lower()}
        return person

    def ids_in(self, source: str) -> set[str]:
        return self.ids.setdefault(source, set())


@dataclass
class Entry:
    when: datetime
    source: str
    kind: str  # "run", "auth job", "poster"…
    what: str  # "Run created", "Stage job email_send failed (attempt 5/5)"
    status: str | None = None
    url: str | None = None
    detail: str = ""


@dataclass
class Timeline:
    person: Person
    entries: list[Entry]
    problems: list[str]
    since: datetime
    before: datetime
    older_than: datetime | None  # where the next page starts, when entries were cut


@memoize
def timeline_modules() -> tuple:
    modules = []
    for alias in settings.CONFIGURED_SOURCES:
        module = source_module(alias, "timeline")
        if module is not None:
            modules.append((alias, module))
    return tuple(modules)


def aware(value: datetime | None) -> datetime | None:
    """Source timestamps may be naive UTC: make every entry comparable."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if timezone.is_naive(value) else value


def build(term: str, user, before: datetime | None = None) -> Timeline:
    person = Person.from_term(term)
    before = before or timezone.now()
    since = before - WINDOW
    problems: list[str] = []
    usable = [(alias, module) for alias, module in timeline_modules() if user.has_module_perms(alias)]
    failed: set[str] = set()
    # Resolution runs in registry order: a source may use what an earlier one found.
    for alias, module in usable:
        try:
            module.resolve(person)
        except DatabaseError as exc:
            failed.add(alias)
            problems.append(f"{get_source(alias).label} did not answer: {_first_line(exc)}")
    entries: list[Entry] = []
    for alias, module in usable:
        if alias in failed:
            continue
        try:
            found = module.entries(person, since=since, before=before, limit=MAX_ENTRIES)
        except DatabaseError as exc:
            problems.append(f"{get_source(alias).label} did not answer: {_first_line(exc)}")
            continue
        for entry in found:
            entry.when = aware(entry.when)
        entries.extend(e for e in found if e.when is not None and since <= e.when < before)
    entries.sort(key=lambda e: e.when, reverse=True)
    older_than = entries[MAX_ENTRIES - 1].when if len(entries) > MAX_ENTRIES else None
    return Timeline(person, entries[:MAX_ENTRIES], problems, since, before, older_than)


def _first_line(exc: BaseException) -> str:
    text = str(exc.__cause__ or exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:160]
