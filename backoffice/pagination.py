"""An admin paginator that never counts a big table in full.

Unfiltered: the planner's row estimate (pg_class.reltuples), free. Filtered: a count capped at
COUNT_CAP rows (`SELECT count(*) FROM (... LIMIT cap+1)`), so a broad filter costs at most the cap.
Deep pages are capped too: OFFSET grows with the table.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

COUNT_CAP = 10_000
MAX_PAGES = 200


class EstimatedCountPaginator(Paginator):
    is_estimate = False
    is_capped = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            return len(queryset)
        if not queryset.query.where and not queryset.query.distinct:
            estimate = _estimated_rows(queryset)
            if estimate is not None and estimate > COUNT_CAP:
                self.is_estimate = True
                return estimate
        capped = queryset.order_by()[: COUNT_CAP + 1].count()
        if capped > COUNT_CAP:
            self.is_capped = True
            return COUNT_CAP
        return capped

    @cached_property
    def num_pages(self) -> int:
        return min(super().num_pages, MAX_PAGES)

    def validate_number(self, number):
        number = super().validate_number(number)
        return min(number, MAX_PAGES)


def _estimated_rows(queryset) -> int | None:
    table = queryset.model._meta.db_table
    with connections[queryset.db].cursor() as cursor:
        # Partitioned parents report -1: sum their partitions instead.
        cursor.execute(
            """
            SELECT COALESCE(SUM(GREATEST(c.reltuples, 0)), 0)::bigint
              FROM pg_class c
             WHERE c.oid = to_regclass(%s)
                OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(%s))
            """,
            [table, table],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] else None
