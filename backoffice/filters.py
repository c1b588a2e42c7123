"""List filters shared by the back office's lists (fixed or index-walked choices: never a SELECT
DISTINCT over a whole table)."""

from __future__ import annotations

from django.contrib import admin


class DefaultChoiceFilter(admin.SimpleListFilter):
    """A filter with a default choice, applied unless the user picks another one or searches
    (a search for an exact id should find the row whatever its state).

    `yields_to` names other filters' parameters that replace the default view when given: a
    status chosen in the sidebar shows the rows in that status, not the rows in that status *and*
    the default state. The filter then reads "all"."""

    default = ""
    yields_to: tuple[str, ...] = ()

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.yielded = any(request.GET.get(name) for name in self.yields_to)

    def effective(self, request):
        if self.value() is not None:
            return self.value()
        return "all" if request.GET.get("q") or self.yielded else self.default

    def choices(self, changelist):
        current = self.value() or ("all" if self.yielded else self.default)
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class DateRangeFilter(admin.ListFilter):
    """From / to dates (inclusive, UTC) on one timestamp column, through its index.

    Subclass with `field = "requested_at"` (and optionally `title`). A date that is not a date is
    refused with a clear message before any query runs.
    """

    field = ""
    template = "admin/date_range_filter.html"
    parameter_names: tuple[str, str] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.parameter_names = (f"{cls.field}_from", f"{cls.field}_to")

    def __init__(self, request, params, model, model_admin):
        self.title = getattr(self, "title", None) or self.field.replace("_", " ")
        super().__init__(request, params, model, model_admin)
        self.parameter_from, self.parameter_to = self.parameter_names
        self.raw = {name: params.pop(name, [""])[-1] for name in (self.parameter_from, self.parameter_to)}
        self.dates = {name: self._parse(name, value) for name, value in self.raw.items()}
        self.value_from, self.value_to = self.raw[self.parameter_from], self.raw[self.parameter_to]
        self.preserved = [
            (key, value)
            for key, values in request.GET.lists()
            if key not in (self.parameter_from, self.parameter_to, "p")
            for value in values
        ]

    @staticmethod
    def _parse(name: str, value: str):
        from datetime import date

        from backoffice.admin_base import BadListParameters

        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise BadListParameters(f"“{value[:40]}” is not a date for {name} (use YYYY-MM-DD).") from None

    def has_output(self):
        return True

    def expected_parameters(self):
        return [self.parameter_from, self.parameter_to]

    def choices(self, changelist):
        return [
            {
                "selected": any(self.dates.values()),
                "query_string": changelist.get_query_string(remove=self.expected_parameters()),
                "display": "Any date",
            }
        ]

    def queryset(self, request, queryset):
        from datetime import UTC, datetime, time, timedelta

        start, end = self.dates[self.parameter_from], self.dates[self.parameter_to]
        if start:
            queryset = queryset.filter(**{f"{self.field}__gte": datetime.combine(start, time.min, UTC)})
        if end:
            until = datetime.combine(end + timedelta(days=1), time.min, UTC)
            queryset = queryset.filter(**{f"{self.field}__lt": until})
        return queryset


class IndexedValuesFilter(admin.AllValuesFieldListFilter):
    """Django's "all values" filter, its choices read by walking the column's index.

    Django asks `SELECT DISTINCT column` over the whole table, which reads every row: fine at a
    thousand rows, seconds at millions. Jumping from each value to the next through a B-tree
    (a recursive `min(column) WHERE column > previous`) costs one index probe per distinct value,
    whatever the table's size. Use it on an indexed column with few distinct values."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = distinct_values(model, field.column, model_admin.get_queryset(request).db)


def distinct_values(model, column: str, using: str) -> list:
    from django.db import connections

    connection = connections[using]
    table, column = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(column)
    sql = (
        f"WITH RECURSIVE walk(value) AS ("
        f" SELECT min({column}) FROM {table}"
        f" UNION ALL SELECT (SELECT min({column}) FROM {table} WHERE {column} > walk.value)"
        f" FROM walk WHERE walk.value IS NOT NULL)"
        f" SELECT value FROM walk WHERE value IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [value for (value,) in cursor.fetchall()]
