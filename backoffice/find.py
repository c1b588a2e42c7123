"""Find anything: one identifier, classified once, looked up in every source where its kind lives.

Each source lists its lookups in `monitoring/<source>/find.py` as `FINDERS`. A finder says which
identifier kinds it accepts (see backoffice.search.classify), how it matches ("email, as typed or
lower-case"), and returns hits found through an index. A source that fails is reported in its
group; the others answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache as memoize

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections

from backoffice import display, pii
from backoffice.search import TEXT, classify
from backoffice.source_app import source_module
from backoffice.sources import get_source

logger = logging.getLogger(__name__)

MAX_TERM_LENGTH = 320
HITS_PER_FINDER = 20


@dataclass
class Hit:
    title: str
    url: str | None = None
    status: str | None = None
    when: datetime | None = None
    detail: str = ""
    personal: bool = False  # the title is personal data (an email): masked for roles without PII
    kind: str | None = None  # for a finder that finds several kinds at once (else the finder's kind)


@dataclass(frozen=True)
class Finder:
    source: str
    kind: str  # what is found, e.g. "Wrapped runs"
    accepts: frozenset[str]  # identifier kinds (backoffice.search) this lookup can serve
    how: str  # how it matches, shown with the results
    find: Callable[[str], list[Hit]]
    needs_index: str | None = None  # skipped (and said so) when the source lacks this index


@dataclass
class Group:
    source_label: str
    kind: str
    how: str
    hits: list[Hit] = field(default_factory=list)
    problem: str | None = None  # the source is down, or the lookup needs an index it lacks


def admin_url(model, pk) -> str:
    opts = model._meta
    return display.change_url(opts.app_label, opts.model_name, pk)


@memoize
def all_finders() -> tuple[Finder, ...]:
    finders = []
    for alias in settings.CONFIGURED_SOURCES:
        module = source_module(alias, "find")
        if module is not None:
            finders.extend(module.FINDERS)
    return tuple(finders)


def source_indexes(alias: str) -> set[str]:
    """Index names present in a source (cached five minutes): which lookups can run fast there."""
    key = f"find:indexes:{alias}"
    names = cache.get(key)
    if names is None:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
            names = {row[0] for row in cursor.fetchall()}
        cache.set(key, names, 300)
    return names


def find_everywhere(term: str, user) -> tuple[set[str], list[Group]]:
    """(the kinds the term could be, result groups in source order) for a user who may search."""
    term = term.strip()[:MAX_TERM_LENGTH]
    kinds = classify(term)
    groups: list[Group] = []
    if TEXT not in kinds:
        return kinds, groups
    failed_sources: dict[str, str] = {}
    for finder in all_finders():
        if not (finder.accepts & kinds) or not user.has_module_perms(finder.source):
            continue
        group = Group(get_source(finder.source).label, finder.kind, finder.how)
        groups.append(group)
        if finder.source in failed_sources:
            group.problem = failed_sources[finder.source]
            continue
        try:
            if finder.needs_index and finder.needs_index not in source_indexes(finder.source):
                group.problem = (
                    f"not searched: it needs the index {finder.needs_index}, which this database lacks "
                    "(manage.py check_sources prints the CREATE INDEX to hand to the service)"
                )
                continue
            hits = finder.find(term)
        except DatabaseError as exc:
            logger.warning("find: %s %s failed: %s", finder.source, finder.kind, exc)
            first_line = (str(exc.__cause__ or exc).strip().splitlines() or [type(exc).__name__])[0]
            failed_sources[finder.source] = group.problem = f"{group.source_label} did not answer: {first_line[:160]}"
            continue
        groups.pop()
        for kind in dict.fromkeys(hit.kind or finder.kind for hit in hits) or [finder.kind]:
            of_kind = [hit for hit in hits if (hit.kind or finder.kind) == kind]
            groups.append(Group(group.source_label, kind, finder.how, of_kind[:HITS_PER_FINDER]))
    if not pii.can_see_pii(user):
        for group in groups:
            for hit in group.hits:
                if hit.personal:
                    hit.title = pii.mask_email(hit.title)
    return kinds, groups
