"""XTrack list filters."""

from __future__ import annotations

from django.contrib import admin

from monitoring.xtrack import queries


class FailingFilter(admin.SimpleListFilter):
    """Jobs whose latest execution failed, looked for among the executions of a recent window."""

    title = "last run failed"
    parameter_name = "failing"
    template = "xtrack/help_filter.html"
    help = (
        "The latest execution failed. Only executions created in the window are read (through the "
        "service's ix_job_executions_created_at index), so a job that has not run in it is not listed."
    )

    def lookups(self, request, model_admin):
        return [("24h", "failed, ran in the last 24 h"), ("7d", "failed, ran in the last 7 days")]

    def queryset(self, request, queryset):
        window = queries.FAILING_WINDOWS.get(self.value())
        return queryset.filter(id__in=queries.failing_job_ids(window)) if window else queryset
