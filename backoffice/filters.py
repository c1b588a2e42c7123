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
