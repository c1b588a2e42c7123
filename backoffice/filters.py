"""List filters shared by the source consoles (fixed choices: never SELECT DISTINCT)."""

from __future__ import annotations

from django.contrib import admin


class DefaultChoiceFilter(admin.SimpleListFilter):
    """A filter with a default choice, applied unless the user picks another one or searches
    (a search for an exact id should find the row whatever its state)."""

    default = ""

    def effective(self, request):
        if self.value() is not None:
            return self.value()
        return "all" if request.GET.get("q") else self.default

    def choices(self, changelist):
        current = self.value() or self.default
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
