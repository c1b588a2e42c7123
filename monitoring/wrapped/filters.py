"""List filters with fixed choices: none of them runs SELECT DISTINCT over a big table."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from backoffice.filters import DefaultChoiceFilter
from backoffice.pagination import uncounted
from monitoring.wrapped import queries


class StageFilter(admin.SimpleListFilter):
    title = "derived stage"
    parameter_name = "stage"

    def lookups(self, request, model_admin):
        return list(queries.STAGE_FILTER_CHOICES.items())

    def queryset(self, request, queryset):
        if self.value() in queries.STAGE_FILTER_CHOICES:
            return queries.filter_stage(queryset, self.value())
        return queryset


class WarningsFilter(admin.SimpleListFilter):
    title = "analysis warnings"
    parameter_name = "warnings"

    def lookups(self, request, model_admin):
        return [("yes", "Has warnings"), ("no", "No warnings")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queries.filter_has_warnings(queryset, self.value() == "yes")
        return queryset


class UpdatedRecentlyFilter(admin.SimpleListFilter):
    title = "updated"
    parameter_name = "updated"
    windows = {"hour": ("In the last hour", timedelta(hours=1)), "day": ("In the last day", timedelta(days=1))}

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.windows.items()]

    def queryset(self, request, queryset):
        window = self.windows.get(self.value())
        if window:
            # From the start of a minute: the same query for a minute, so its count is reused
            # (a cutoff to the microsecond made every request a new query, counted afresh).
            since = (timezone.now() - window[1]).replace(second=0, microsecond=0)
            return queryset.filter(updated_at__gte=since)
        return queryset


class OpenJobsFilter(DefaultChoiceFilter):
    """The queue view shows open work (pending, running, failed) unless asked for everything, or
    narrowed to a status or a task: that filter then replaces the default (status=succeeded shows
    the succeeded jobs), and the page reads through its index in the list's order."""

    title = "queue state"
    parameter_name = "state"
    default = "open"
    yields_to = ("status__exact", "task_name__exact")

    def lookups(self, request, model_admin):
        return [("open", "Open (pending, running, failed)"), ("all", "All")]

    def queryset(self, request, queryset):
        if self.effective(request) == "open":
            return queryset.filter(status__in=queries.OPEN_JOB_STATUSES)
        return queryset


class NeedsReauthFilter(admin.SimpleListFilter):
    title = "needs reauth"
    parameter_name = "reauth"

    def lookups(self, request, model_admin):
        return [("yes", "Needs reauth")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            # Each device's latest auth job decides: not counted (a count would probe every device).
            # Annotated here when the list did not already (any admin over the model can use it).
            if "auth_status" not in queryset.query.annotations:
                queryset = queries.with_latest_auth_status(queryset)
            return uncounted(queryset.filter(auth_status__in=queries.NEEDS_REAUTH_STATUSES))
        return queryset
