"""Identifier search: a search box matches identifiers exactly, through indexes.

A ModelAdmin declares `identifier_fields = {"field": kind}`; the box's text is matched against
each field whose kind it can be (a UUID, an integer, an email, any token). No icontains over wide
text, no UPPER(col) = UPPER(q): every comparison is one an ordinary btree index serves.
"""

from __future__ import annotations

import re
import uuid
from functools import reduce
from operator import or_

from django.db.models import Q

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_RE = re.compile(r"^[\w.:@+\-]{1,200}$")

UUID_SHAPE_RE = re.compile(r"^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$", re.I)

UUID, INT, TEXT, EMAIL, UUID_TEXT = "uuid", "int", "text", "email", "uuid_text"


def malformed_uuid(term: str) -> bool:
    """Shaped like a UUID (8-4-4-4-12) but not one: a mistyped id, never compared to a uuid column."""
    term = term.strip()
    return bool(UUID_SHAPE_RE.match(term)) and UUID not in classify(term)


def classify(term: str) -> set[str]:
    """What kinds of identifier the search text could be."""
    term = term.strip()
    kinds: set[str] = set()
    if not term or not TOKEN_RE.match(term):
        return kinds
    kinds.add(TEXT)
    try:
        uuid.UUID(term)
        kinds |= {UUID, UUID_TEXT}
    except ValueError:
        pass
    if term.isdigit() and len(term) < 19:
        kinds.add(INT)
    if EMAIL_RE.match(term):
        kinds.add(EMAIL)
    return kinds


def identifier_q(identifier_fields: dict[str, str], term: str) -> Q | None:
    """A Q matching `term` exactly on every field it could be; None when it fits none."""
    term = term.strip()
    kinds = classify(term)
    clauses = []
    for field, kind in identifier_fields.items():
        if kind not in kinds:
            continue
        if kind == UUID:
            clauses.append(Q(**{field: uuid.UUID(term)}))
        elif kind == INT:
            clauses.append(Q(**{field: int(term)}))
        elif kind == EMAIL:
            # Services store emails lower-cased; two exact matches keep the plain index usable.
            values = sorted({term, term.lower()})
            clauses.append(Q(**{f"{field}__in": values}))
        else:
            clauses.append(Q(**{field: term}))
    return reduce(or_, clauses) if clauses else None
