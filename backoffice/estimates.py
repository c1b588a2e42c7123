"""Statistics over big tables in bounded work: exact while small, estimated beyond.

A figure that must stay a number (an API field, a dashboard figure) cannot say "10,000+", and
the dashboards ask for theirs every few seconds: an exact count of a 10M-row table each time
would be a steady load on the service's own database. So:

- `bounded_counts`: each count reads at most EXACT_UP_TO + 1 rows (a LIMIT); a count that reaches
  it becomes the planner's row estimate for the same predicate (EXPLAIN: planned, no row read),
  never below what was counted, and is reported as estimated. Small numbers, the ones that
  matter (failures, a queue that should be empty), are always exact.
- `sample_of(table)`: a TABLESAMPLE clause that reads about SAMPLE_ROWS rows of a big table and
  the whole of a small one (the percentage comes from pg_class.reltuples inside the statement),
  for averages and distinct counts a LIMIT cannot bound; `sampled(table)` says whether it
  samples. REPEATABLE keeps the same pages from one refresh to the next, so a figure does not
  jitter while the data stands still.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connections

from backoffice.pagination import COUNT_CAP

EXACT_UP_TO = COUNT_CAP
# A count the index cannot answer alone (an expression index over a JSON column is never read
# index-only) visits the table once per row: it is exact up to a tenth of that.
EXACT_FROM_HEAP_UP_TO = COUNT_CAP // 10
SAMPLE_ROWS = COUNT_CAP


@dataclass(frozen=True)
class Figure:
    value: object  # a count; or any other figure of the same answer, exact unless said
    estimated: bool = False


def limited(from_where: str, *, from_heap: bool = False) -> str:
    """A scalar SQL expression: the rows of `from_where` ("FROM … WHERE …") up to EXACT_UP_TO + 1
    (EXACT_FROM_HEAP_UP_TO + 1 `from_heap`: a count that reads the table, not an index only)."""
    limit = "heap_count_limit" if from_heap else "count_limit"
    return f"(SELECT count(*) FROM (SELECT 1 {from_where} LIMIT %({limit})s) AS limited)"


def bounds(params: dict | None = None) -> dict:
    """`params` plus the bounds the SQL of this module reads (at call time: tests lower them)."""
    return {
        **(params or {}),
        "count_limit": EXACT_UP_TO + 1,
        "heap_count_limit": EXACT_FROM_HEAP_UP_TO + 1,
        "sample_rows": SAMPLE_ROWS,
    }


def planner_rows(cursor, from_where: str, params: dict) -> int:
    """The planner's estimate of the rows in `from_where`: statistics only, no row is read."""
    cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 {from_where}", params)
    plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def figure(cursor, counted: int, from_where: str, params: dict, *, from_heap: bool = False) -> Figure:
    """`counted` (from `limited`) as it is, or the planner's estimate once it reached the cap."""
    if counted <= (EXACT_FROM_HEAP_UP_TO if from_heap else EXACT_UP_TO):
        return Figure(counted)
    return Figure(max(planner_rows(cursor, from_where, params), counted), estimated=True)


def bounded_counts(
    alias: str, counts: dict[str, str], params: dict | None = None, also: dict[str, str] | None = None
) -> tuple[dict[str, Figure], dict]:
    """Each of `counts` (name → "FROM … WHERE …") as a Figure, and the scalar SQL expressions of
    `also` (name → expression) as read: one statement, plus one EXPLAIN per count over the cap."""
    params = bounds(params)
    columns = [f"{limited(from_where)} AS {name}" for name, from_where in counts.items()]
    columns += [f"{expression} AS {name}" for name, expression in (also or {}).items()]
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT " + ",\n       ".join(columns), params)
        (row,) = dict_rows(cursor)
        figures = {name: figure(cursor, row.pop(name), from_where, params) for name, from_where in counts.items()}
    return figures, row


def dict_rows(cursor) -> list[dict]:
    """The rows of the statement just run, each as {column: value}."""
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _sample_percent(table: str) -> str:
    # a table never analysed (reltuples = -1, so table_rows 0) is read whole
    return f"least(100, 100.0 * %(sample_rows)s / greatest({table_rows(table)}, 1))"


def sample_of(table: str) -> str:
    """TABLESAMPLE clause for `table`: about SAMPLE_ROWS rows, or all of them while it is smaller."""
    return f"TABLESAMPLE SYSTEM ({_sample_percent(table)}) REPEATABLE (0)"


def sampled(table: str) -> str:
    """A boolean SQL expression: does `sample_of(table)` read only part of the table?"""
    return f"({_sample_percent(table)} < 100)"


def table_rows(table: str) -> str:
    """A SQL expression: the planner's row count of `table` (what a sample is scaled to)."""
    return f"(SELECT greatest(c.reltuples, 0)::bigint FROM pg_class c WHERE c.oid = to_regclass('{table}'))"
