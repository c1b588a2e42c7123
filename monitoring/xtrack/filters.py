"""XTrack list filters."""

from __future__ import annotations

from django.contrib import admin

from backoffice.pagination import uncounted
from monitoring.xtrack import queries


class FailingFilter(admin.SimpleListFilter):
    """Jobs whose latest execution failed, in a recent window."""

    title = "last run failed"
    parameter_name = "failing"
    template = "xtrack/help_filter.html"
    help = (
        "The latest execution failed and was created in the window: a job that has not run in it is "
        "not listed. Each job's latest execution is read through bo_job_executions_job_id_id; the "
        "list is not counted (that would read every job), its pages say what exists."
    )

    def lookups(self, request, model_admin):
        return [("24h", "failed, ran in the last 24 h"), ("7d", "failed, ran in the last 7 days")]

    def queryset(self, request, queryset):
        window = queries.FAILING_WINDOWS.get(self.value())
        return uncounted(queryset.filter(queries.last_run_failed(window))) if window else queryset
