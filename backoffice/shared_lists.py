"""Keyset pages of a list opened through a shared link: (as-of column, pk), newest first.

The cursor names the last row shown (its as-of value and key), signed so it cannot be forged into
another filter, and compressed so the key is not written out plainly in the address bar.
"""

from __future__ import annotations

from datetime import datetime

from django.core import signing
from django.db.models import Q

SALT = "backoffice.shared-list-cursor"


def make_cursor(row, keys: list[str]) -> str:
    values = []
    for key in keys:
        value = row.pk if key == "pk" else getattr(row, key)
        values.append(value.isoformat() if isinstance(value, datetime) else None if value is None else str(value))
    return signing.dumps(values, salt=SALT, compress=True)


def read_cursor(raw: str | None, size: int) -> list | None:
    from backoffice.admin_base import BadListParameters

    if not raw:
        return None
    try:
        values = signing.loads(raw, salt=SALT)
    except signing.BadSignature as exc:
        raise BadListParameters("This page link of a shared list is damaged: open the shared link again.") from exc
    if not isinstance(values, list) or len(values) != size:
        raise BadListParameters("This page link of a shared list is damaged: open the shared link again.")
    return values


def after(keys: list[str], values: list) -> Q:
    """Rows after (below, newest first) the cursor row: (a, b) < (x, y), written so an index serves it."""
    from django.utils.dateparse import parse_datetime

    parsed = [parse_datetime(v) if k != "pk" and isinstance(v, str) else v for k, v in zip(keys, values, strict=True)]
    if len(keys) == 1:
        return Q(pk__lt=parsed[0])
    (column, pk), (moment, key) = keys, parsed
    return Q(**{f"{column}__lt": moment}) | Q(**{column: moment, f"{pk}__lt": key})


def changed_since(queryset, column: str, as_of) -> int | None:
    """Rows of the (filtered) list updated after the moment: a budgeted, capped count or None."""
    from backoffice.pagination import COUNT_CAP, _budgeted_count

    rows = _budgeted_count(queryset.filter(**{f"{column}__gt": as_of}))
    return None if rows is None else min(rows, COUNT_CAP)
