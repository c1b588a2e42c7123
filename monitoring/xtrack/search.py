"""XTrack search: case-insensitive where the source has a lower() index for it, exact otherwise.

Every clause is one an index serves on the list's own table, so an OR of them stays a BitmapOr: a
field on a related row (`user__email`) is looked up first (one indexed query, at most
RELATED_IDS rows) and matched here by key (`user_id IN (…)`), never through a join under an OR.
"""

from __future__ import annotations

import re
from functools import reduce
from operator import or_

from django.db import DatabaseError
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from backoffice.find import source_indexes
from backoffice.search import classify, identifier_q

RELATED_IDS = 100
X_USERNAME_RE = re.compile(r"^\w{1,50}$")


def folded_fields(case_insensitive: dict[str, str]) -> set[str]:
    """The fields whose lower() index the source has ({field: index name}; cached five minutes)."""
    if not case_insensitive:
        return set()
    try:
        present = source_indexes("xtrack")
    except DatabaseError:  # the page itself then says the source is down
        return set()
    return {field for field, index in case_insensitive.items() if index in present}


def search_q(model, identifier_fields: dict[str, str], case_insensitive, folded: set[str], term: str) -> Q | None:
    """A Q matching `term` on every field it could be (None when it fits none): `folded` fields as
    lower(field) = lower(term); the other `case_insensitive` ones as typed or lower-case (two exact
    values, the plain index); the rest as backoffice.search does. An X username is matched
    without its leading @, and only when the term could be one."""
    kinds = classify(term)
    clauses = []
    for field, kind in identifier_fields.items():
        if kind not in kinds:
            continue
        value = term
        if field.endswith("x_username"):
            value = term.lstrip("@")
            if not X_USERNAME_RE.match(value):
                continue
        relation, _, column = field.partition("__")

        def match(name: str, field=field, kind=kind, value=value) -> Q | None:
            if field in folded:
                return Q(Exact(Lower(name), value.lower()))
            if field in case_insensitive:
                return Q(**{f"{name}__in": sorted({value, value.lower()})})
            return identifier_q({name: kind}, value)

        if column:
            related = model._meta.get_field(relation)
            rows = related.related_model.objects.filter(match(column)).values_list("pk", flat=True)
            clauses.append(Q(**{f"{related.attname}__in": list(rows[:RELATED_IDS])}))
        else:
            clauses.append(match(field))
    clauses = [c for c in clauses if c is not None]
    return reduce(or_, clauses) if clauses else None
