"""An admin paginator that never counts a big table in full.

Unfiltered: the planner's row estimate (pg_class.reltuples), free. Filtered: a count capped at
COUNT_CAP rows (`SELECT count(*) FROM (... LIMIT cap+1)`), given COUNT_BUDGET_MS to finish; a
filter that is expensive to evaluate (a JSON key on millions of rows) gives up the count rather
than the page. Deep pages are capped too: OFFSET grows with the table.

Only pages known to exist are offered. With an exact (or capped) count that is every page up to
MAX_PAGES. When the count gave up, a page is read with one row more than it shows: the pages up to
this one exist, and the next one does when that extra row came back. A page past the end is
never an error and never silently empty: it has no rows and `past_end` says so.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import EmptyResultSet
from django.core.paginator import InvalidPage, Page, Paginator
from django.db import DatabaseError, connections, transaction
from django.utils.functional import cached_property

from backoffice.snapshots import cached_value

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
        if getattr(queryset.query, "uncounted", False):
            self.is_unknown = True  # see uncounted(): the pages say what exists, one row ahead
            return COUNT_CAP
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

    past_end = False  # the page asked for has no rows although the list has some
    known_rows = 0  # rows known to exist (a lower bound when the count gave up)
    more_rows = False  # the count gave up and a row after this page exists

    @cached_property
    def num_pages(self) -> int:
        if self.is_unknown:
            return self.__dict__.get("_known_pages", 1)
        return min(super().num_pages, MAX_PAGES)

    def validate_number(self, number):
        number = self._positive(number)
        if self.is_unknown or number <= self.num_pages:
            return number
        if number == 1 and self.allow_empty_first_page:
            return number
        self.past_end = True
        return number

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if self.is_unknown and number > MAX_PAGES:
            self.past_end = True
            self.__dict__["_known_pages"] = 1
            self.__dict__.pop("num_pages", None)
            return self._get_page(self.object_list.none() if hasattr(self.object_list, "none") else [], number, self)
        if self.is_unknown:
            rows = list(self.object_list[bottom : bottom + self.per_page + 1])
            more = len(rows) > self.per_page
            rows = rows[: self.per_page]
            if not rows and number > 1:
                self.past_end = True
                known_pages = 1
            else:
                known_pages = number + (1 if more else 0)
            self.__dict__["_known_pages"] = known_pages
            self.__dict__.pop("num_pages", None)
            self.known_rows = bottom + len(rows) if rows else 0
            self.more_rows = more
            return self._get_page(rows, number, self)
        if self.past_end or number > MAX_PAGES:
            self.past_end = True
            return self._get_page(self.object_list.none() if hasattr(self.object_list, "none") else [], number, self)
        self.known_rows = self.count
        # A full page whatever the count says: a count is cached for a few seconds, or estimated,
        # and a row added since must not be cut off the last page. An empty list still runs its
        # (LIMITed) query: a table whose columns changed fails here, with the clear schema
        # message, rather than passing for empty.
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)

    @staticmethod
    def _positive(number) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise InvalidPage("That page number is not an integer") from exc
        if number < 1:
            raise InvalidPage("That page number is less than 1")
        return number

    def reachable_pages(self, current: int) -> list:
        """Page numbers to link (with "…" gaps): only pages known to exist."""
        last = self.num_pages
        if self.past_end:
            return list(self.get_elided_page_range(min(current, last))) if last > 1 else []
        if last <= 1:
            return []
        return list(self.get_elided_page_range(current, on_each_side=2, on_ends=1))


def uncounted(queryset):
    """The queryset, marked so a list of it is not counted: for a filter no index can count (a
    condition on each row's latest related row, a key inside a JSON payload), where even the capped
    count would read thousands of rows only to give up at COUNT_BUDGET_MS. The list then says
    "more than N" from the rows it read. (The mark is on the Query, so it survives chaining.)"""
    queryset = queryset.all()
    queryset.query.uncounted = True
    return queryset


def _budgeted_count(queryset) -> int | None:
    """The capped count, or None when it needs more than COUNT_BUDGET_MS; a snapshot (refreshed after
    the response once it is COUNT_CACHE_SECONDS old, see backoffice.snapshots)."""
    counted = queryset.order_by().values("pk")[: COUNT_CAP + 1]
    try:
        sql, params = counted.query.sql_with_params()
    except EmptyResultSet:  # .none(): nothing can match
        return 0
    key = "count:" + hashlib.sha256(f"{queryset.db}|{sql}|{params!r}".encode()).hexdigest()
    return cached_value(key, COUNT_CACHE_SECONDS, lambda: _count_within_budget(queryset.db, counted))


def _count_within_budget(db: str, counted) -> int | None:
    with transaction.atomic(using=db):
        with connections[db].cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('statement_timeout'), set_config('statement_timeout', %s, true)",
                [f"{int(COUNT_BUDGET_MS)}ms"],
            )
            previous = cursor.fetchone()[0]
        try:
            with transaction.atomic(using=db):
                # values("pk"): count rows, not the list's annotations (a JSON digest per row).
                return counted.count()
        except DatabaseError as exc:
            if type(exc.__cause__).__name__ != "QueryCanceled":
                raise
            return None
        finally:
            # Inside a caller's transaction the block above is only a savepoint, and a local
            # setting would outlive it: the rest of that transaction would run on the budget.
            with connections[db].cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])


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
