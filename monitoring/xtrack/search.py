"""Case-insensitive search where the source has a lower() index for it, exact otherwise."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import DatabaseError
from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from backoffice.find import source_indexes
from backoffice.search import classify, identifier_q


def folded_fields(case_insensitive: dict[str, str]) -> set[str]:
    """The fields whose lower() index the source has ({field: index name}; cached five minutes)."""
    if not case_insensitive:
        return set()
    try:
        present = source_indexes("xtrack")
    except DatabaseError:  # the page itself then says the source is down
        return set()
    return {field for field, index in case_insensitive.items() if index in present}


def case_insensitive_q(exact: dict[str, str], folded: dict[str, str], term: str) -> Q | None:
    """`exact` fields matched as backoffice.search does; `folded` ones as lower(field) = lower(term)
    (an X username also without its leading @). None when the term fits no field."""
    kinds = classify(term)
    clauses = [identifier_q(exact, term)] if exact else []
    for field, kind in folded.items():
        if kind in kinds:
            value = term.lstrip("@") if field.endswith("x_username") else term
            if value:
                clauses.append(Q(Exact(Lower(field), value.lower())))
    clauses = [c for c in clauses if c is not None]
    return reduce(or_, clauses) if clauses else None
