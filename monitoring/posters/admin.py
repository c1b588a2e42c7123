"""Read-only admin pages for the Posters source (batch jobs, posters, job logs, failures)."""

from __future__ import annotations

import uuid

from django.contrib import admin
from django.db.models import Q
from django.db.models.functions import Left

from backoffice.actions import SourceActionsMixin
from backoffice.admin_base import SourceModelAdmin
from backoffice.columns import Badge, Duration, Excerpt, Json, Link, Plain, Progress, Related, Source, When
from backoffice.filters import DateRangeFilter
from backoffice.pagination import uncounted
from backoffice.search import INT, TEXT, UUID, classify, identifier_q
from monitoring.posters import queries
from monitoring.posters.actions import save_posters
from monitoring.posters.columns import (
    ExternalUrl,
    FailureGroups,
    FetchedFromApi,
    JobLink,
    LogTimeline,
    PosterSummary,
    RunningDuration,
    SuccessRate,
    Thumbnail,
    UserId,
    image_origins,
)
from monitoring.posters.models import (
    FAILURE_TYPES,
    BatchJob,
    GeneratedPoster,
    JobLog,
    PosterFailureDetail,
    PosterModel,
)

MESSAGE_HEAD = 160

STATUS = Badge("status")
JOB = JobLink("job_id", description="job_id")
CREATED = When("created_at", description="created")


class HasUserIdFilter(admin.SimpleListFilter):
    """metadata ? 'user_id', read in the list's order (bo_generated_posters_created_at_id) and not
    counted: most posters match one way or the other, so a count can only read the table (the
    capped count's Seq Scan); no index can answer it without a partial index per value."""

    title = "metadata.user_id"
    parameter_name = "has_user_id"

    def lookups(self, request, model_admin):
        return (("yes", "present"), ("no", "missing"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return uncounted(queryset.filter(metadata__has_key="user_id"))
        if self.value() == "no":
            return uncounted(queryset.exclude(metadata__has_key="user_id"))
        return queryset


class FailureTypeFilter(admin.SimpleListFilter):
    """The failure types the service writes (fixed choices, no SELECT DISTINCT)."""

    title = "failure type"
    parameter_name = "failure_type"

    def lookups(self, request, model_admin):
        return [(t, t) for t in FAILURE_TYPES]

    def queryset(self, request, queryset):
        return queryset.filter(failure_type=self.value()) if self.value() else queryset


class ModelFilter(admin.SimpleListFilter):
    """batch_jobs.model is a varchar: fixed choices instead of a SELECT DISTINCT."""

    title = "model"
    parameter_name = "model"

    def lookups(self, request, model_admin):
        return PosterModel.choices

    def queryset(self, request, queryset):
        return queryset.filter(model=self.value()) if self.value() else queryset


class CreatedFilter(DateRangeFilter):
    field = "created_at"
    title = "created"


@admin.register(BatchJob)
class BatchJobAdmin(SourceActionsMixin, SourceModelAdmin):
    change_form_template = "admin/posters/batchjob/change_form.html"
    change_list_template = "admin/posters/batchjob/change_list.html"
    actions = [save_posters]
    detail_actions = (save_posters,)
    audit_key_field = "job_id"  # save_posters records the batch job by job_id

    status_badge = STATUS
    progress = Progress("processed_items", "total_items", description="processed / total")
    succeeded = Plain("success_count", description="ok")
    failed = Plain("failure_count", description="failed")
    success_rate = SuccessRate()
    took = RunningDuration("started_at", "completed_at", description="duration")
    created = CREATED
    started = When("started_at", description="started")
    completed = When("completed_at", description="completed")
    updated = When("updated_at", description="updated")
    metadata_json = Json("metadata", description="metadata")
    template_html_source = Source("template_html", description="template_html")
    user_identifiers_head = Excerpt("user_identifiers", length=300, description="user identifiers")
    poster_summary = PosterSummary(description="posters")
    posters_table = Related(
        lambda job: queries.job_posters(job.job_id),
        [
            ("poster", Thumbnail("poster_url")),
            ("username", Link("pk", "posters.generatedposter", text="username")),
            ("display name", "display_name"),
            ("status", STATUS),
            ("processing", Duration("processing_time_ms", unit="ms")),
            ("error", Excerpt("error_message", length=120)),
            ("user_id", UserId()),
            ("fetched_from_api", FetchedFromApi()),
        ],
        description="latest posters",
        note=f"Failed first, then newest; at most {queries.JOB_POSTERS}.",
        empty="No posters.",
    )
    log_timeline = LogTimeline(description="job logs")
    failure_groups = FailureGroups(description="failures")

    list_display = (
        "job_id",
        "campaign_name",
        "status_badge",
        "progress",
        "succeeded",
        "failed",
        "success_rate",
        "took",
        "model",
        "poster_size",
        "created",
    )
    list_columns = (
        "job_id",
        "campaign_name",
        "status",
        "total_items",
        "processed_items",
        "success_count",
        "failure_count",
        "model",
        "poster_size",
        "created_at",
        "started_at",
        "completed_at",
    )
    list_display_links = ("job_id",)
    list_filter = ("status", ModelFilter, CreatedFilter)
    ordering = ("-created_at",)
    sortable_by = ("created",)
    identifier_fields = {"job_id": TEXT, "id": UUID}
    fieldsets = (
        (None, {"fields": ("job_id", "id", "campaign_name", "status_badge", "model", "poster_size", "template_url")}),
        (
            "Progress",
            {
                "fields": (
                    "progress",
                    "total_items",
                    "processed_items",
                    "success_count",
                    "failure_count",
                    "success_rate",
                    "took",
                )
            },
        ),
        ("Timing", {"fields": ("created", "started", "completed", "updated")}),
        ("Posters", {"fields": ("poster_summary", "posters_table")}),
        ("Failures by type", {"fields": ("failure_groups",)}),
        ("Job logs", {"fields": ("log_timeline",)}),
        ("Input", {"fields": ("user_identifiers_head", "metadata_json", "error_message")}),
        ("Template (raw HTML, shown as text)", {"fields": ("template_html_source",)}),
    )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return with_poster_images(super().change_view(request, object_id, form_url, extra_context))


def with_poster_images(response):
    if hasattr(response, "add_post_render_callback"):
        response.add_post_render_callback(allow_poster_images)
    return response


def allow_poster_images(response):
    """Let this page load the thumbnails it shows: img-src gains exactly their https origins."""
    job = (getattr(response, "context_data", None) or {}).get("original")
    origins = image_origins(job)
    if origins:
        response._csp_update = {"img-src": sorted(origins)}
    return response


@admin.register(GeneratedPoster)
class GeneratedPosterAdmin(SourceModelAdmin):
    short_id = Link("pk", "posters.generatedposter", short=9, description="id")
    job_link = JOB
    status_badge = STATUS
    meta_user_id = UserId()
    fetched = FetchedFromApi()
    poster_link = ExternalUrl("poster_url", description="poster url", ordering=False)
    poster_preview = Thumbnail("poster_url")
    metadata_json = Json("metadata", description="metadata")
    created = CREATED
    updated = When("updated_at", description="updated")
    failures = Related(
        lambda poster: queries.recent_failures(poster_id=poster.pk),
        [
            ("type", Link("pk", "posters.posterfailuredetail", text="failure_type")),
            ("error", Excerpt("error_message", length=MESSAGE_HEAD)),
            ("retries", "retry_count"),
            ("created", CREATED),
        ],
        description="failure details",
        note=f"Latest {queries.RECENT_FAILURES}.",
    )
    list_display = (
        "short_id",
        "job_link",
        "username",
        "display_name",
        "status_badge",
        "meta_user_id",
        "processing_time_ms",
        "created",
    )
    list_columns = ("id", "job", "username", "display_name", "status", "processing_time_ms", "created_at")
    list_display_links = None
    list_filter = ("status", HasUserIdFilter)
    ordering = ("-created_at", "-id")  # bo_generated_posters_created_at_id (recommended)
    sortable_by = ("created",)
    identifier_fields = {"id": UUID, "job_id": TEXT, "username": TEXT}
    fieldsets = (
        (None, {"fields": ("id", "job_link", "status_badge", "error_message")}),
        ("Person", {"fields": ("user_identifier", "username", "display_name", "meta_user_id", "fetched")}),
        ("Output", {"fields": ("poster_preview", "poster_link", "s3_key", "processing_time_ms")}),
        ("Metadata", {"fields": ("metadata_json",)}),
        ("Timing", {"fields": ("created", "updated")}),
        ("Failures", {"fields": ("failures",)}),
    )

    change_form_template = "admin/posters/generatedposter/change_form.html"

    def get_queryset(self, request):
        # metadata.user_id as the database extracts it, on the list and the detail alike.
        return queries.with_user_id(super().get_queryset(request))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return with_poster_images(super().change_view(request, object_id, form_url, extra_context))

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


@admin.register(JobLog)
class JobLogAdmin(SourceModelAdmin):
    job_link = JOB
    level_badge = Badge("level")
    message_head = Excerpt("message_start", length=MESSAGE_HEAD, description="message")
    details_json = Json("details", description="details")
    created = CREATED
    list_display = ("id", "job_link", "level_badge", "message_head", "created")
    list_columns = ("id", "job", "level", "created_at")
    list_display_links = ("id",)
    list_filter = ("level",)  # enum with fixed choices: no SELECT DISTINCT
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "job_id": TEXT}
    fieldsets = (
        (None, {"fields": ("id", "job_link", "level_badge", "created")}),
        ("Message", {"fields": ("message", "details_json")}),
    )

    def get_changelist_queryset(self, queryset):
        # Only the first characters of a message: a stack trace must not travel to the list page.
        return super().get_changelist_queryset(queryset).annotate(message_start=Left("message", MESSAGE_HEAD + 1))


@admin.register(PosterFailureDetail)
class PosterFailureDetailAdmin(SourceModelAdmin):
    short_id = Link("pk", "posters.posterfailuredetail", short=9, description="id")
    job_link = JOB
    poster_link = Link("poster_id", "posters.generatedposter", short=None, description="poster")
    error_head = Excerpt("error_start", length=MESSAGE_HEAD, description="error")
    error_details_json = Json("error_details", description="error details")
    html_template_source = Source("html_template", description="html_template")
    created = CREATED
    list_display = ("short_id", "job_link", "username", "failure_type", "retry_count", "error_head", "created")
    list_columns = ("id", "job", "poster", "username", "failure_type", "retry_count", "created_at")
    list_display_links = None
    list_filter = (FailureTypeFilter,)
    ordering = ("-created_at", "-id")
    sortable_by = ("created",)
    identifier_fields = {"id": UUID, "job_id": TEXT, "poster_id": UUID, "username": TEXT}
    fieldsets = (
        (None, {"fields": ("id", "job_link", "poster_link", "failure_type", "retry_count", "created")}),
        ("Person", {"fields": ("user_identifier", "username")}),
        ("Error", {"fields": ("error_message", "error_details_json")}),
        ("Template (raw HTML, shown as text)", {"fields": ("html_template_source",)}),
    )

    def get_search_results(self, request, queryset, search_term):
        """A UUID is the failure's id or its poster's id (primary key, bo_poster_failure_details_poster_id),
        or a job_id (idx_failure_details_job_id): exact lookups on indexed columns only. Other text is a
        job_id or a username (bo_poster_failure_details_username); it is never compared to a uuid column."""
        term = search_term.strip()
        if term and UUID in classify(term):
            value = uuid.UUID(term)
            return queryset.filter(Q(pk=value) | Q(poster_id=value) | Q(job_id=term)), False
        return super().get_search_results(request, queryset, search_term)

    def get_changelist_queryset(self, queryset):
        return super().get_changelist_queryset(queryset).annotate(error_start=Left("error_message", MESSAGE_HEAD + 1))
