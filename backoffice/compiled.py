"""Hot read queries compiled once per process: the ORM's own SQL, run again with new values.

Compiling a queryset costs a few hundred microseconds, more for a UNION or a CASE: several times
what PostgreSQL takes to answer an indexed lookup. A page that asks the same shape of question on
every view (the batch page's poster URLs, the runs search's person lookup) builds its queryset
once with stand-ins for the values that change, keeps the statement, and runs it with the values
of each request. The statement stays the ORM's: one definition of the query, no SQL by hand.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet


class StandIn(str):
    """A value the compiled statement takes per call; found again among the parameters by identity."""


# Two requests that meet a shape first both compile it; either statement is the same.
_statements: dict[tuple, tuple[str, tuple]] = {}


def rows(shape: tuple, build: Callable[..., QuerySet], *, using: str, **values) -> list[tuple]:
    """The rows of `build(**values)` on the database `using`, through the statement compiled for
    `shape` (which names everything else the queryset depends on, such as a limit)."""
    key = (shape, using)
    statement = _statements.get(key)
    if statement is None:
        stand_ins = {name: StandIn(name) for name in values}
        statement = build(**stand_ins).query.get_compiler(using).as_sql()
        unused = [name for name, stand_in in stand_ins.items() if not any(p is stand_in for p in statement[1])]
        if unused:  # the ORM turned the value into something else: it would be compiled in, not passed
            raise ValueError(f"{shape}: {', '.join(unused)} did not stay a parameter of {statement[0]}")
        _statements[key] = statement
    sql, params = statement
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [values[p] if isinstance(p, StandIn) else p for p in params])
        return cursor.fetchall()
