"""Read-only admin pages for the XTrack source (users, jobs, executions, summaries, notifications).

Secrets (users.password_hash, notification_bind_tokens.token, verification_codes.code) are not
mapped by the models at all, so no page can select or render them. Emails go through
backoffice.pii: masked for the viewer role. job_notification_targets has a composite key and no
page of its own: its rows are a bounded table inside the job page.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models.functions import Left

from backoffice import display
from backoffice.admin_base import SourceModelAdmin
from backoffice.columns import Badge, Duration, Excerpt, Json, Link, Plain, Related, Source, When
from backoffice.html import format_html
from backoffice.search import EMAIL, INT, TEXT, UUID_TEXT
from monitoring.xtrack import queries
from monitoring.xtrack.columns import Masked, MaskedLink, SuccessRate, Topics
from monitoring.xtrack.filters import FailingFilter
from monitoring.xtrack.models import (
    Job,
    JobExecution,
    NotificationBindToken,
    NotificationTarget,
    Summary,
    User,
    VerificationCode,
)
from monitoring.xtrack.search import folded_fields, search_q

# Columns shared by lists and related tables: a link or a badge looks the same everywhere.
STATUS = Badge("status")
CREATED = When("created_at", description="created")
USER = Link("user_id", "xtrack.user", description="user")
OWNER = MaskedLink("user_id", "xtrack.user", text="user__email", description="owner")
JOB = Link("job_id", "xtrack.job", description="job")
EXECUTION = Link("execution_id", "xtrack.jobexecution", description="execution")
TARGET = Link("notification_target_id", "xtrack.notificationtarget", description="target")
STARTED = When("started_at", description="started")
TOOK = Duration("started_at", "completed_at", description="duration", running_since_start=True)
SUMMARY_COLUMNS = [
    ("summary", Link("pk", "xtrack.summary", short=9)),
    ("created", CREATED),
    ("tweets", "tweets_count"),
    ("content", Excerpt("content_start", length=120)),
]


class XTrackAdmin(SourceModelAdmin):
    """Search: `case_insensitive` fields ({field: index}) match as lower(field) = lower(q) when the
    source has that index (checked at request time, cached); otherwise as typed or lower-case,
    through the plain index."""

    case_insensitive: dict[str, str] = {}

    def search_match(self, term: str):
        folded = folded_fields(self.case_insensitive)
        return search_q(self.model, self.identifier_fields, self.case_insensitive, folded, term)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if self.case_insensitive:
            changelist.search_help_text = self.search_help(folded_fields(self.case_insensitive))
        return changelist

    def search_help(self, folded: set[str]) -> str:
        def name(field: str) -> str:
            return {"user_id": "owner id", "user__email": "owner email"}.get(field, field)

        def how(field: str) -> str:
            if field in folded:
                return f"{name(field)} (any case)"
            if field in self.case_insensitive:
                return f"{name(field)} (as typed or lower-case)"
            return f"exact {name(field)}"

        parts = [how(f) for f in self.identifier_fields]
        missing = sorted({index for f, index in self.case_insensitive.items() if f not in folded})
        note = (
            f" The match is exact until the source has {', '.join(missing)} (manage.py check_sources prints it)."
            if missing
            else ""
        )
        return f"Search by {', '.join(parts)}.{note}"

    def get_search_help_text(self):
        if self.case_insensitive:
            return self.search_help(set())
        return super().get_search_help_text()


@admin.register(User)
class UserAdmin(XTrackAdmin):
    status_badge = STATUS
    created = CREATED
    last_login = When("last_login_at", description="last login")
    updated = When("updated_at", description="updated")
    jobs_table = Related(
        lambda user: queries.user_jobs(user.pk),
        [
            ("job", Link("pk", "xtrack.job")),
            ("x_username", "x_username"),
            ("frequency", "frequency"),
            ("status", STATUS),
            ("active", "is_active"),
            ("last run", When("last_run")),
        ],
        description="jobs",
        note=f"Latest {queries.RELATED_LIMIT}.",
    )
    targets_table = Related(
        lambda user: queries.user_targets(user.pk),
        [
            ("target", Link("pk", "xtrack.notificationtarget")),
            ("channel", "channel"),
            ("destination", Masked("destination")),
            ("default", "is_default"),
            ("created", CREATED),
        ],
        description="notification targets",
        note=f"Latest {queries.RELATED_LIMIT}.",
    )
    list_display = ("id", "email", "name", "status_badge", "created", "last_login")
    list_columns = ("id", "email", "name", "status", "created_at", "last_login_at")
    pii_fields = ("email",)
    list_filter = ("status",)
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "email": EMAIL}
    case_insensitive = {"email": "bo_users_lower_email"}
    fieldsets = (
        (None, {"fields": ("id", "email", "name", "status_badge")}),
        ("Timing", {"fields": ("created", "updated", "last_login")}),
        ("Jobs", {"fields": ("jobs_table",)}),
        ("Notification targets", {"fields": ("targets_table", "related_links")}),
    )

    @admin.display(description="all rows")
    def related_links(self, obj):
        return format_html(
            "{} · {}",
            display.changelist_link("xtrack", "job", {"user__id__exact": obj.pk}, "jobs"),
            display.changelist_link("xtrack", "notificationbindtoken", {"user__id__exact": obj.pk}, "bind tokens"),
        )


@admin.register(NotificationTarget)
class NotificationTargetAdmin(XTrackAdmin):
    user_link = USER
    created = CREATED
    meta_json = Json("meta", description="meta")
    list_display = ("id", "user_link", "channel", "destination", "is_default", "created")
    list_columns = ("id", "user", "channel", "destination", "is_default", "created_at")
    pii_fields = ("destination",)  # an email address or a Telegram chat id
    list_filter = ("channel", "is_default")
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "user_id": INT}
    fieldsets = (
        (None, {"fields": ("id", "user_link", "channel", "destination", "is_default", "created")}),
        ("Meta", {"fields": ("meta_json",)}),
    )


@admin.register(Job)
class JobAdmin(XTrackAdmin):
    owner = OWNER
    status_badge = STATUS
    topics_list = Topics("topics", description="topics")
    topics_json = Json("topics", description="topics (as stored)")
    last_run_at = When("last_run", description="last run")
    last_status = Badge("stats__last_status", description="last run status")
    last_started = When("stats__last_started", description="last execution started")
    success_rate = SuccessRate(description=f"success, last {queries.STATS_RUNS}")
    owner_email = Masked("user__email", description="owner email")
    target_link = Link("notification_target_id", "xtrack.notificationtarget", description="notification target")
    created = CREATED
    updated = When("updated_at", description="updated")
    executions_table = Related(
        lambda job: queries.recent_executions(job.pk),
        [
            ("execution", Link("pk", "xtrack.jobexecution")),
            ("status", STATUS),
            ("started", STARTED),
            ("completed", When("completed_at")),
            ("duration", TOOK),
            ("tweets", "tweets_fetched"),
            ("error", Excerpt("error_start", length=120)),
        ],
        description="executions",
        note=f"Latest {queries.RECENT_EXECUTIONS}, newest first.",
    )
    summaries_table = Related(
        lambda job: queries.recent_summaries(job_id=job.pk),
        SUMMARY_COLUMNS,
        description="summaries",
        note=f"Latest {queries.RECENT_SUMMARIES}.",
    )
    targets_table = Related(
        lambda job: queries.job_targets(job.pk),
        [
            ("target", TARGET),
            ("channel", "notification_target__channel"),
            ("destination", Masked("notification_target__destination")),
            ("default", "notification_target__is_default"),
            ("linked", When("created_at")),
        ],
        description="notification targets",
        note=f"Latest {queries.RELATED_LIMIT} links (job_notification_targets).",
    )
    list_display = (
        "id",
        "x_username",
        "owner",
        "frequency",
        "topics_list",
        "is_active",
        "status_badge",
        "last_run_at",
        "last_status",
        "success_rate",
    )
    list_columns = (
        "id",
        "x_username",
        "user_id",
        "user__email",
        "frequency",
        "topics",
        "is_active",
        "status",
        "last_run",
    )
    list_select_related = ("user",)
    pii_fields = ("email",)
    list_filter = (FailingFilter, "status", "is_active")
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "x_username": TEXT, "user_id": INT, "user__email": EMAIL}
    case_insensitive = {"x_username": "bo_jobs_lower_x_username", "user__email": "bo_users_lower_email"}
    fieldsets = (
        (None, {"fields": ("id", "x_username", "owner", "owner_email", "status_badge", "is_active")}),
        ("Schedule", {"fields": ("frequency", "topics_json", "language", "last_run_at")}),
        ("Runs", {"fields": ("last_status", "last_started", "success_rate", "executions_table", "all_rows")}),
        ("Summaries", {"fields": ("summaries_table",)}),
        ("Notifications", {"fields": ("email", "target_link", "targets_table")}),
        ("Record", {"fields": ("created", "updated")}),
    )

    def get_queryset(self, request):
        # Every read of jobs here (list page, CSV export, detail) gives each job its `.stats`.
        return queries.with_execution_stats(super().get_queryset(request))

    @admin.display(description="all rows")
    def all_rows(self, obj):
        return format_html(
            "{} · {}",
            display.changelist_link("xtrack", "jobexecution", {"job__id__exact": obj.pk}, "all executions"),
            display.changelist_link("xtrack", "summary", {"job__id__exact": obj.pk}, "all summaries"),
        )


@admin.register(JobExecution)
class JobExecutionAdmin(XTrackAdmin):
    job_link = JOB
    job_x_username = Plain("job__x_username", description="x_username", ordering=False)
    status_badge = STATUS
    started = STARTED
    completed = When("completed_at", description="completed")
    created = CREATED
    duration = TOOK
    error_head = Excerpt("error_start", description="error", length=120)
    error_text = Source("error_message", description="error message")
    summaries_table = Related(
        lambda execution: queries.recent_summaries(execution_id=execution.pk),
        SUMMARY_COLUMNS,
        description="summaries",
        note=f"Latest {queries.RECENT_SUMMARIES}.",
    )
    list_display = (
        "id",
        "job_link",
        "job_x_username",
        "status_badge",
        "started",
        "duration",
        "tweets_fetched",
        "error_head",
    )
    list_columns = ("id", "job_id", "job__x_username", "status", "started_at", "completed_at", "tweets_fetched")
    list_select_related = ("job",)
    list_filter = ("status",)
    ordering = ("-id",)  # serial id follows created_at; the pk index serves it
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "job_id": INT}
    fieldsets = (
        (None, {"fields": ("id", "job_link", "job_x_username", "status_badge", "tweets_fetched")}),
        ("Timing", {"fields": ("started", "completed", "duration", "created")}),
        ("Error", {"fields": ("error_text",)}),
        ("Summaries", {"fields": ("summaries_table",)}),
    )

    def get_changelist_queryset(self, queryset):
        return super().get_changelist_queryset(queryset).annotate(error_start=Left("error_message", 121))


@admin.register(Summary)
class SummaryAdmin(XTrackAdmin):
    short_id = Link("pk", "xtrack.summary", short=9, description="id")
    job_link = Link("job_id", "xtrack.job", description="job")
    execution_link = EXECUTION
    created = CREATED
    content_head = Excerpt("content_start", description="content", length=120)
    content_text = Source("content", description="content")
    topics_json = Json("topics", description="topics")
    raw_data_json = Json("raw_data", description="raw data")
    list_display = (
        "short_id",
        "job_link",
        "execution_link",
        "is_playground",
        "x_username",
        "tweets_count",
        "tokens",
        "content_head",
        "created",
    )
    list_columns = (
        "id",
        "job",
        "execution",
        "is_playground",
        "x_username",
        "tweets_count",
        "input_tokens",
        "output_tokens",
        "created_at",
    )
    list_display_links = None
    list_filter = ("is_playground",)
    ordering = ("-created_at", "-id")
    sortable_by = ("created_at",)
    identifier_fields = {"id": UUID_TEXT, "job_id": INT, "execution_id": INT}
    fieldsets = (
        (None, {"fields": ("id", "job_link", "execution_link", "is_playground", "created")}),
        (
            "Run",
            {"fields": ("x_username", "topics_json", "hours_back", "tweets_count", "input_tokens", "output_tokens")},
        ),
        ("Content", {"fields": ("content_text",)}),
        ("Raw data", {"fields": ("raw_data_json",)}),
    )

    def get_changelist_queryset(self, queryset):
        return super().get_changelist_queryset(queryset).annotate(content_start=Left("content", 121))

    @admin.display(description="tokens in/out")
    def tokens(self, obj):
        return f"{display.dash(obj.input_tokens)} / {display.dash(obj.output_tokens)}"


@admin.register(NotificationBindToken)
class NotificationBindTokenAdmin(XTrackAdmin):
    user_link = USER
    expires = When("expires_at", description="expires")
    created = CREATED
    list_display = ("id", "user_link", "channel", "expires", "used", "created")
    list_columns = ("id", "user", "channel", "expires_at", "used", "created_at")
    list_filter = ("channel", "used")
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "user_id": INT}
    fieldsets = ((None, {"fields": ("id", "user_link", "channel", "expires", "used", "created")}),)


@admin.register(VerificationCode)
class VerificationCodeAdmin(XTrackAdmin):
    expires = When("expires_at", description="expires")
    created = CREATED
    list_display = ("id", "email", "code_type", "used", "expires", "created")
    list_columns = ("id", "email", "code_type", "used", "expires_at", "created_at")
    pii_fields = ("email",)
    list_filter = ("code_type", "used")
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "email": EMAIL}
    fieldsets = ((None, {"fields": ("id", "email", "code_type", "used", "expires", "created")}),)
