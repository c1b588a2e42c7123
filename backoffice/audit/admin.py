"""The audit trail of calls to the owning services: read-only, for the admin role."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse

from backoffice.admin_base import AllowListedLookupsMixin, ReadOnlyAdminMixin
from backoffice.audit.models import ActionRecord
from backoffice.filters import DateRangeFilter, IndexedValuesFilter
from backoffice.html import format_html
from backoffice.pagination import EstimatedCountPaginator


def actions_on_url(source: str, target_key: str) -> str:
    """The audit changelist filtered to one target ("actions on this run")."""
    base = reverse("admin:audit_actionrecord_changelist")
    return f"{base}?{urlencode({'source': source, 'target_key': str(target_key)})}"


class CreatedFilter(DateRangeFilter):
    field = "created_at"
    title = "date"


@admin.register(ActionRecord)
class ActionRecordAdmin(AllowListedLookupsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    extra_lookup_parameters = ("target_key",)  # "actions on this run" (actions_on_url)
    list_display = (
        "created_at",
        "username",
        "source",
        "action",
        "target_key",
        "method",
        "path",
        "http_status",
        "outcome",
        "duration_ms",
        "reason",
        "short_message",
    )
    # Choices walked through each column's index (the log grows with every action, export and
    # reveal); dates as a from/to range on the created_at index instead of a date hierarchy,
    # whose year/month links are a SELECT DISTINCT over the whole log.
    list_filter = (
        ("source", IndexedValuesFilter),
        ("action", IndexedValuesFilter),
        "outcome",
        ("username", IndexedValuesFilter),
        CreatedFilter,
    )
    search_fields = ("=target_key", "=username")
    search_help_text = "Exact target id (run id, job id, …) or exact username."
    ordering = ("-created_at", "-id")
    # Counted like the source lists: a planner estimate or a capped count, never a full COUNT.
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    list_max_show_all = 0
    change_list_template = "admin/audit/actionrecord/change_list.html"
    list_select_related = False
    actions = None
    fields = (
        "created_at",
        "username",
        "user",
        "source",
        "action",
        "target_type",
        "target_key",
        "target_ids",
        "method",
        "path",
        "pretty_request_body",
        "idempotency_key",
        "http_status",
        "outcome",
        "reason",
        "message",
        "response_excerpt",
        "duration_ms",
    )
    readonly_fields = fields
    list_deferred = ("request_body", "response_excerpt", "target_ids")  # detail-page columns

    def get_changelist(self, request, **kwargs):
        from backoffice.changelist import SourceChangeList

        return SourceChangeList

    def get_changelist_queryset(self, queryset):
        return queryset.defer(*self.list_deferred)

    def history_view(self, request, object_id, extra_context=None):
        """An entry's history: every recorded call on the same target, newest first."""
        from backoffice.history import history_response

        record = self.get_object(request, object_id)
        return history_response(
            request, self, object_id, source=record.source if record else "", key_of=lambda obj: obj.target_key
        )

    @admin.display(description="message")
    def short_message(self, obj):
        return obj.message if len(obj.message) <= 120 else obj.message[:120] + "…"

    @admin.display(description="request body")
    def pretty_request_body(self, obj):
        if obj.request_body is None:
            return "—"
        return format_html("<pre>{}</pre>", json.dumps(obj.request_body, indent=2, ensure_ascii=False))
