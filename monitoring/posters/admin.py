"""Read-only admin pages for the Posters source (batch jobs, posters, job logs, failures)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.db.models.fields.json import KT
from django.db.models.functions import Left
from django.utils.html import format_html

from backoffice import display
from backoffice.actions import SourceActionsMixin
from backoffice.admin_base import SourceModelAdmin
from backoffice.display import dash, head, json_block, related_table, status_badge, text_block
from backoffice.search import INT, TEXT, UUID, classify, identifier_q
from monitoring.posters import queries
from monitoring.posters.actions import save_posters
from monitoring.posters.models import BatchJob, GeneratedPoster, JobLog, PosterFailureDetail

MESSAGE_HEAD = 160


def changelist_link(model: str, term, text=None) -> str:
    """A link to a changelist searched for one exact identifier (no join needed)."""
    if term in (None, ""):
        return "—"
    return display.changelist_link("posters", model, {"q": str(term)}, text if text is not None else term)


def change_link(model: str, pk, text=None) -> str:
    return display.change_link("posters", model, pk, text)


def safe_url_link(url: str | None) -> str:
    if not url:
        return "—"
    if not str(url).startswith(("https://", "http://")):
        return format_html("{}", url)
    return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', url, url)


class JobStatusFilter(admin.SimpleListFilter):
    """Fixed choices from the enum (no SELECT DISTINCT)."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return model_admin.model._meta.get_field("status").choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


class HasUserIdFilter(admin.SimpleListFilter):
    """metadata ? 'user_id' (served by the GIN index on metadata)."""

    title = "metadata.user_id"
    parameter_name = "has_user_id"

    def lookups(self, request, model_admin):
        return (("yes", "present"), ("no", "missing"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(metadata__has_key="user_id")
        if self.value() == "no":
            return queryset.exclude(metadata__has_key="user_id")
        return queryset


class FailureTypeFilter(admin.SimpleListFilter):
    """The failure types seed 001 names (fixed choices, no SELECT DISTINCT)."""

    title = "failure type"
    parameter_name = "failure_type"

    def lookups(self, request, model_admin):
        return (("api_error", "api_error"), ("timeout", "timeout"), ("validation_error", "validation_error"))

    def queryset(self, request, queryset):
        return queryset.filter(failure_type=self.value()) if self.value() else queryset


@admin.register(BatchJob)
class BatchJobAdmin(SourceActionsMixin, SourceModelAdmin):
    actions = [save_posters]
    detail_actions = (save_posters,)
    audit_key_field = "job_id"  # save_posters records the batch job by job_id
    list_display = (
        "job_id",
        "campaign_name",
        "status_badge",
        "total_items",
        "success_count",
        "failure_count",
        "success_rate",
        "created_at",
    )
    list_columns = (
        "job_id",
        "campaign_name",
        "status",
        "total_items",
        "success_count",
        "failure_count",
        "created_at",
    )
    list_display_links = ("job_id",)
    list_filter = (JobStatusFilter,)
    ordering = ("-created_at",)
    sortable_by = ("created_at",)
    identifier_fields = {"job_id": TEXT, "id": UUID}
    fieldsets = (
        (None, {"fields": ("job_id", "id", "campaign_name", "status_badge", "model", "poster_size", "template_url")}),
        (
            "Progress",
            {
                "fields": (
                    "total_items",
                    "processed_items",
                    "success_count",
                    "failure_count",
                    "success_rate",
                    "processing_duration",
                    "poster_counts",
                )
            },
        ),
        ("Timing", {"fields": ("created_at", "started_at", "completed_at", "updated_at")}),
        ("Input", {"fields": ("user_identifiers_head", "metadata_json", "error_message")}),
        ("Template (raw HTML, shown as text)", {"fields": ("template_html_source",)}),
        ("Related", {"fields": ("recent_logs", "recent_failures", "posters_link")}),
    )

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj.status)

    @admin.display(description="success rate")
    def success_rate(self, obj):
        rate = queries.success_rate(obj)
        return "—" if rate is None else f"{rate:.1f}%"

    @admin.display(description="processing duration")
    def processing_duration(self, obj):
        return dash(queries.processing_duration(obj))

    @admin.display(description="posters")
    def poster_counts(self, obj):
        counts = queries.poster_counts(obj.job_id)
        if not counts.total:
            return "no posters"
        rows = [(status_badge(s), n) for s, n in sorted(counts.by_status.items())]
        rows.append(("total", counts.total))
        rows.append(("missing metadata.user_id", counts.missing_user_id))
        rows.append(("completed but missing metadata.user_id", counts.completed_missing_user_id))
        return related_table(["status", "posters"], rows)

    @admin.display(description="user identifiers")
    def user_identifiers_head(self, obj):
        return format_html('<pre class="json-block">{}</pre>', head(obj.user_identifiers, 5000))

    @admin.display(description="metadata")
    def metadata_json(self, obj):
        return json_block(obj.metadata)

    @admin.display(description="template_html")
    def template_html_source(self, obj):
        return text_block(obj.template_html)

    @admin.display(description=f"last {queries.RECENT_LOGS} logs")
    def recent_logs(self, obj):
        rows = [
            (change_link("joblog", log.pk), status_badge(log.level), head(log.message, MESSAGE_HEAD), log.created_at)
            for log in queries.recent_logs(obj.job_id)
        ]
        return related_table(["id", "level", "message", "created"], rows)

    @admin.display(description=f"last {queries.RECENT_FAILURES} failures")
    def recent_failures(self, obj):
        rows = [
            (
                change_link("posterfailuredetail", f.pk, f.failure_type or "failure"),
                dash(f.username),
                head(f.error_message, MESSAGE_HEAD),
                f.retry_count,
                f.created_at,
            )
            for f in queries.recent_failures(job_id=obj.job_id)
        ]
        return related_table(["type", "username", "error", "retries", "created"], rows)

    @admin.display(description="all rows")
    def posters_link(self, obj):
        return format_html(
            "{} · {} · {}",
            changelist_link("generatedposter", obj.job_id, "posters"),
            changelist_link("joblog", obj.job_id, "logs"),
            changelist_link("posterfailuredetail", obj.job_id, "failures"),
        )


@admin.register(GeneratedPoster)
class GeneratedPosterAdmin(SourceModelAdmin):
    list_display = (
        "short_id",
        "job_link",
        "username",
        "display_name",
        "status_badge",
        "meta_user_id",
        "processing_time_ms",
        "created_at",
    )
    list_columns = ("id", "job", "username", "display_name", "status", "processing_time_ms", "created_at")
    list_display_links = ("short_id",)
    list_filter = (JobStatusFilter, HasUserIdFilter)
    ordering = ("-created_at", "-id")  # bo_generated_posters_created_at_id (recommended)
    sortable_by = ("created_at",)
    identifier_fields = {"id": UUID, "job_id": TEXT, "username": TEXT}
    fieldsets = (
        (None, {"fields": ("id", "job", "job_link", "status_badge", "error_message")}),
        ("Person", {"fields": ("user_identifier", "username", "display_name", "meta_user_id")}),
        ("Output", {"fields": ("poster_link", "s3_key", "processing_time_ms")}),
        ("Metadata", {"fields": ("metadata_json",)}),
        ("Timing", {"fields": ("created_at", "updated_at")}),
        ("Failures", {"fields": ("failures",)}),
    )

    def get_changelist_queryset(self, queryset):
        # The user_id key is extracted by the database; the list never loads the metadata document.
        return super().get_changelist_queryset(queryset).annotate(meta_user_id_value=KT("metadata__user_id"))

    def get_search_results(self, request, queryset, search_term):
        """Exact identifiers, plus a number matched as metadata.user_id (GIN-served `@>`)."""
        term = search_term.strip()
        if term and INT in classify(term):
            match = identifier_q(self.identifier_fields, term) or Q(pk__in=[])
            value = int(term)
            match |= Q(metadata__contains={"user_id": value}) | Q(metadata__contains={"user_id": term})
            return queryset.filter(match), False
        return super().get_search_results(request, queryset, search_term)

    def identifier_help(self) -> str:
        return super().identifier_help() + ", or a Topmate user id (metadata.user_id)"

    @admin.display(description="id", ordering="id")
    def short_id(self, obj):
        return str(obj.pk)[:8]

    @admin.display(description="job_id")
    def job_link(self, obj):
        return changelist_link("batchjob", obj.job_id)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return status_badge(obj.status)

    @admin.display(description="metadata.user_id")
    def meta_user_id(self, obj):
        value = getattr(obj, "meta_user_id_value", None)
        if value is None and "metadata" in obj.__dict__:
            raw = (obj.metadata or {}) if isinstance(obj.metadata, dict) else {}
            if "user_id" not in raw:
                return format_html('<span class="badge badge-warn">{}</span>', "missing")
            value = raw["user_id"]
        if value is None:
            return format_html('<span class="badge badge-warn">{}</span>', "missing")
        return value

    @admin.display(description="poster")
    def poster_link(self, obj):
        return safe_url_link(obj.poster_url)

    @admin.display(description="metadata")
    def metadata_json(self, obj):
        return json_block(obj.metadata)

    @admin.display(description=f"failure details (last {queries.RECENT_FAILURES})")
    def failures(self, obj):
        rows = [
            (
                change_link("posterfailuredetail", f.pk, f.failure_type or "failure"),
                head(f.error_message, MESSAGE_HEAD),
                f.retry_count,
                f.created_at,
            )
            for f in queries.recent_failures(poster_id=obj.pk)
        ]
        return related_table(["type", "error", "retries", "created"], rows)


@admin.register(JobLog)
class JobLogAdmin(SourceModelAdmin):
    list_display = ("id", "job_link", "level_badge", "message_head", "created_at")
    list_columns = ("id", "job", "level", "created_at")
    list_display_links = ("id",)
    list_filter = ("level",)  # enum with fixed choices: no SELECT DISTINCT
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "job_id": TEXT}
    fieldsets = (
        (None, {"fields": ("id", "job", "job_link", "level_badge", "created_at")}),
        ("Message", {"fields": ("message", "details_json")}),
    )

    def get_changelist_queryset(self, queryset):
        # Only the first characters of a message: a stack trace must not travel to the list page.
        return super().get_changelist_queryset(queryset).annotate(message_start=Left("message", MESSAGE_HEAD + 1))

    @admin.display(description="job_id")
    def job_link(self, obj):
        return changelist_link("batchjob", obj.job_id)

    @admin.display(description="level", ordering="level")
    def level_badge(self, obj):
        return status_badge(obj.level)

    @admin.display(description="message")
    def message_head(self, obj):
        return head(obj.message_start if hasattr(obj, "message_start") else obj.message)

    @admin.display(description="details")
    def details_json(self, obj):
        return json_block(obj.details)


@admin.register(PosterFailureDetail)
class PosterFailureDetailAdmin(SourceModelAdmin):
    list_display = ("short_id", "job_link", "username", "failure_type", "retry_count", "error_head", "created_at")
    list_columns = ("id", "job", "poster", "username", "failure_type", "retry_count", "created_at")
    list_display_links = ("short_id",)
    list_filter = (FailureTypeFilter,)
    ordering = ("-created_at", "-id")
    sortable_by = ("created_at",)
    identifier_fields = {"id": UUID, "job_id": TEXT, "poster_id": UUID, "username": TEXT}
    fieldsets = (
        (None, {"fields": ("id", "job", "job_link", "poster_link", "failure_type", "retry_count", "created_at")}),
        ("Person", {"fields": ("user_identifier", "username")}),
        ("Error", {"fields": ("error_message", "error_details_json")}),
        ("Template (raw HTML, shown as text)", {"fields": ("html_template_source",)}),
    )

    def get_changelist_queryset(self, queryset):
        return super().get_changelist_queryset(queryset).annotate(error_start=Left("error_message", MESSAGE_HEAD + 1))

    @admin.display(description="id", ordering="id")
    def short_id(self, obj):
        return str(obj.pk)[:8]

    @admin.display(description="job_id")
    def job_link(self, obj):
        return changelist_link("batchjob", obj.job_id)

    @admin.display(description="poster")
    def poster_link(self, obj):
        if not obj.poster_id:
            return "—"
        return change_link("generatedposter", obj.poster_id, str(obj.poster_id))

    @admin.display(description="error")
    def error_head(self, obj):
        return head(obj.error_start if hasattr(obj, "error_start") else obj.error_message)

    @admin.display(description="error details")
    def error_details_json(self, obj):
        return json_block(obj.error_details)

    @admin.display(description="html_template")
    def html_template_source(self, obj):
        return text_block(obj.html_template)
