"""An admin paginator that never counts a big table in full.

Unfiltered: the planner's row estimate (pg_class.reltuples), free. Filtered: a count capped at
COUNT_CAP rows (`SELECT count(*) FROM (... LIMIT cap+1)`), given COUNT_BUDGET_MS to finish; a
filter that is expensive to evaluate (a JSON key on millions of rows) gives up the count rather
than the page. Deep pages are capped too: OFFSET grows with the table.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import DatabaseError, connections, transaction
from django.utils.functional import cached_property

COUNT_CAP = 10_000
COUNT_BUDGET_MS = 30
COUNT_CACHE_SECONDS = 30  # a list re-read every few seconds need not recount
MAX_PAGES = 200


class EstimatedCountPaginator(Paginator):
    is_estimate = False
    is_capped = False
    is_unknown = False  # the count ran out of its time budget

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            return len(queryset)
        if not queryset.query.where and not queryset.query.distinct:
            rows, estimated = _unfiltered_count(queryset)
        else:
            rows, estimated = _budgeted_count(queryset), False
            if rows is None:
                self.is_unknown = True
                return COUNT_CAP
        if estimated:
            self.is_estimate = True
        elif rows > COUNT_CAP:
            self.is_capped = True
            rows = COUNT_CAP
        return rows

    @cached_property
    def num_pages(self) -> int:
        return min(super().num_pages, MAX_PAGES)

    def validate_number(self, number):
        number = super().validate_number(number)
        return min(number, MAX_PAGES)


def _budgeted_count(queryset) -> int | None:
    """The capped count, or None when it needs more than COUNT_BUDGET_MS; cached briefly."""
    counted = queryset.order_by().values("pk")[: COUNT_CAP + 1]
    try:
        sql, params = counted.query.sql_with_params()
    except EmptyResultSet:  # .none(): nothing can match
        return 0
    key = "count:" + hashlib.sha256(f"{queryset.db}|{sql}|{params!r}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return None if cached < 0 else cached
    rows = _count_within_budget(queryset.db, counted)
    cache.set(key, -1 if rows is None else rows, COUNT_CACHE_SECONDS)
    return rows


def _count_within_budget(db: str, counted) -> int | None:
    with transaction.atomic(using=db):
        with connections[db].cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {int(COUNT_BUDGET_MS)}")
        try:
            with transaction.atomic(using=db):
                # values("pk"): count rows, not the list's annotations (a JSON digest per row).
                return counted.count()
        except DatabaseError as exc:
            if type(exc.__cause__).__name__ != "QueryCanceled":
                raise
            return None


def _unfiltered_count(queryset) -> tuple[int, bool]:
    """One query: the planner's estimate for a big table, an exact capped count for a small one."""
    table = queryset.model._meta.db_table
    connection = connections[queryset.db]
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        # Partitioned parents report -1 themselves: sum their partitions.
        cursor.execute(
            f"""
            WITH estimate AS (
                SELECT COALESCE(SUM(GREATEST(c.reltuples, 0)), 0)::bigint AS n
                  FROM pg_class c
                 WHERE c.oid = to_regclass(%s)
                    OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(%s))
            )
            SELECT CASE WHEN n > %s THEN n
                        ELSE (SELECT count(*) FROM (SELECT 1 FROM {quoted} LIMIT %s) AS capped) END,
                   n > %s
              FROM estimate
            """,
            [quoted, quoted, COUNT_CAP, COUNT_CAP + 1, COUNT_CAP],
        )
        rows, estimated = cursor.fetchone()
    return int(rows), bool(estimated)
