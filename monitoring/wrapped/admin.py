"""Wrapped console: runs, queue, auth/linking, users, referrals (pages in views.py, reads in queries.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils import timezone

from backoffice.admin_base import SourceModelAdmin
from backoffice.admin_site import Tool
from backoffice.columns import Badge, Excerpt, Json, Related, When
from backoffice.dashboard import count_text
from backoffice.display import dash
from backoffice.html import format_html
from backoffice.search import EMAIL, TEXT, classify
from backoffice.snapshots import cached_value
from monitoring.wrapped import filters, queries, views
from monitoring.wrapped.columns import Attempts, CompareLink, Masked, NeedsReauth, ShortId, StageBadge
from monitoring.wrapped.models import (
    AppJob,
    AppSession,
    AppUser,
    AppUserEmail,
    AuthJob,
    DeviceEmail,
    Referral,
    ReferralEvent,
    WrappedRun,
)

try:  # the write side lives in actions.py; the read side works without it
    from monitoring.wrapped.actions import RunActionsMixin
except ImportError:  # pragma: no cover

    class RunActionsMixin:
        pass


class WrappedAdmin(SourceModelAdmin):
    class Media:  # static files only: the pages run under a strict CSP
        css = {"all": ["wrapped/wrapped.css"]}


# Columns shared by lists and related tables: a link, a date or a badge looks the same everywhere.
STATUS = Badge("status")
USER = ShortId("app_user_id", "wrapped.appuser", description="app user")
RUN = ShortId("pk", "wrapped.wrappedrun", description="run", ordering=False)
STAGE = StageBadge("pk", description="stage", ordering=False)
ATTEMPTS = Attempts("attempts", ordering=False)
UPDATED, CREATED = When("updated_at", description="updated"), When("created_at", description="created")
ISSUED = When("issued_at", description="issued")


@admin.register(WrappedRun)
class WrappedRunAdmin(RunActionsMixin, WrappedAdmin):
    run_id = ShortId("id", "wrapped.wrappedrun", description="run")
    status_badge = STATUS
    stage_badge = STAGE
    updated = UPDATED
    user_link = USER
    sec_user = ShortId("sec_user_id", description="sec user id")
    wh_job_link = ShortId("watch_history_job_id", "wrapped.appjob", description="watch-history job")
    created = CREATED
    attempts_table = Related(
        lambda run: [job for _, jobs in queries.attempt_history(run) for job in jobs],
        [
            ("task", "task_name"),
            ("job", ShortId("pk", "wrapped.appjob")),
            ("idempotency key", "idempotency_key"),
            ("status", STATUS),
            ("attempts", ATTEMPTS),
            ("created", CREATED),
            ("updated", UPDATED),
        ],
        description="stage jobs, every attempt",
        note=f"The run's stage jobs across forced retries, oldest first (at most {queries.ATTEMPTS_LIMIT}).",
        empty="No stage job found under this run's idempotency keys.",
    )
    other_runs_table = Related(
        lambda run: [setattr(other, "compare_to", run.pk) or other for other in queries.other_runs(run)],
        [
            ("run", RUN),
            ("status", STATUS),
            ("stage", STAGE),
            ("created", CREATED),
            ("updated", UPDATED),
            ("payload", CompareLink("pk", ordering=False)),
        ],
        description="this person's other runs",
        note=f"Newest first, at most {queries.OTHER_RUNS_LIMIT}.",
        empty="This person has no other run.",
    )
    list_display = [
        "run_id",
        "status_badge",
        "stage_badge",
        "updated",
        "user_link",
        "sec_user",
        "email",
        "progress",
        "warnings",
    ]
    list_display_links = None  # the id column is the link (with its copy button)
    list_filter = ["status", filters.StageFilter, filters.WarningsFilter, filters.UpdatedRecentlyFilter]
    identifier_fields = {"id": TEXT, "app_user_id": TEXT, "sec_user_id": TEXT, "archive_user_id": TEXT}
    pii_fields = ("email",)
    ordering = ["-updated_at"]
    change_form_template = "admin/wrapped/wrappedrun/change_form.html"
    change_list_template = "admin/wrapped/wrappedrun/change_list.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "id",
                    "status_badge",
                    "user_link",
                    "sec_user_id",
                    "archive_user_id",
                    "email",
                    "wh_job_link",
                    "created",
                    "updated",
                ]
            },
        ),
        ("Attempts", {"fields": ["attempts_table"]}),
        ("Other runs of this person", {"fields": ["other_runs_table"]}),
    ]

    def get_changelist_queryset(self, queryset):
        return queries.runs_for_list(queryset)

    def get_search_results(self, request, queryset, search_term):
        """A run's own ids, or any identifier of its person (email, device id), matched exactly."""
        term = search_term.strip()
        if term and TEXT in classify(term):
            return queries.runs_matching(queryset, term), False
        return super().get_search_results(request, queryset, search_term)

    def identifier_help(self):
        return "exact run id, app_user_id, sec_user_id, archive_user_id, email or device id"

    @admin.display(description="watch-history progress")
    def progress(self, run):
        """data jobs done · videos fetched · has more · cursor, from the digest (no payload loaded)."""
        digest = queries.digest(run)
        if digest.get("huge_payload"):
            size = filesizeformat(digest["huge_payload"])
            return format_html('<span title="Open the run to read it">{} payload: not read here</span>', size)
        return format_html(
            '<span class="progress" title="data jobs · videos fetched · has more · cursor">'
            "{} jobs · {} videos · more: {} · cursor {}</span>",
            dash(digest.get("completed_data_jobs")),
            dash(digest.get("videos_fetched_total")),
            dash(digest.get("has_more")),
            dash(digest.get("cursor_ms")),
        )

    @admin.display(description="warnings")
    def warnings(self, run):
        count = queries.digest(run).get("warnings") or 0
        return format_html('<span class="badge badge-warn">{}</span>', count) if count else "0"

    def get_object(self, request, object_id, from_field=None):
        """The run without its payload (megabytes): the detail reads it through queries.for_detail."""
        queryset = queries.for_detail(self.get_queryset(request))
        field = queryset.model._meta.pk if from_field is None else queryset.model._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (queryset.model.DoesNotExist, ValidationError, ValueError):
            return None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(views.run_detail_context(request, obj, self))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("live/", wrap(lambda r: views.live_view(r, self)), name=f"{prefix}_live"),
            path("compare/", wrap(lambda r: views.compare_view(r, self)), name=f"{prefix}_compare"),
            path(
                "<path:object_id>/payload.json",
                wrap(lambda r, object_id: views.payload_view(r, self, object_id)),
                name=f"{prefix}_payload",
            ),
            *super().get_urls(),
        ]


@admin.register(AppJob)
class AppJobAdmin(WrappedAdmin):
    job_id = ShortId("id", "wrapped.appjob", description="job")
    attempts_display = ATTEMPTS
    status_badge = STATUS
    run_link = ShortId("payload_run_id", "wrapped.wrappedrun", description="run", ordering=False)
    user_link = ShortId("payload_app_user_id", "wrapped.appuser", description="app user", ordering=False)
    error = Excerpt("payload_error", description="error")
    updated = UPDATED
    created = CREATED
    not_before_at = When("not_before", description="not before")
    locked = When("locked_at", description="locked at")
    payload_pretty = Json("payload", description="payload")
    list_display = [
        "job_id",
        "task_name",
        "status_badge",
        "attempts_display",
        "due",
        "idempotency_key",
        "run_link",
        "user_link",
        "error",
        "updated",
    ]
    list_display_links = None
    list_filter = [filters.OpenJobsFilter, "status", "task_name"]
    identifier_fields = {"id": TEXT, "idempotency_key": TEXT}
    ordering = ["-updated_at"]
    change_list_template = "admin/wrapped/appjob/change_list.html"
    fields = [
        "id",
        "task_name",
        "status_badge",
        "attempts",
        "max_attempts",
        "not_before_at",
        "idempotency_key",
        "locked_by",
        "locked",
        "lease_seconds",
        "created",
        "updated",
        "payload_pretty",
    ]

    def get_changelist_queryset(self, queryset):
        return queries.jobs_for_list(queryset)

    def changelist_view(self, request, extra_context=None):
        counts = cached_value("wrapped:queue_counts", 10, queries.queue_counts)
        statuses = list(queries.OPEN_JOB_STATUSES)
        base = reverse("admin:wrapped_appjob_changelist")
        rows = [
            (
                task,
                [
                    (
                        s,
                        by_status.get(s, 0),
                        count_text(by_status.get(s, 0), queries.QUEUE_COUNT_CAP),
                        _queue_url(base, task, s),
                    )
                    for s in statuses
                ],
            )
            for task, by_status in counts.items()
        ]
        widest = max((sum(n for _, n, _, _ in cells) for _, cells in rows), default=0) or 1
        extra_context = {
            **(extra_context or {}),
            "queue_statuses": statuses,
            "queue_rows": rows,
            # A stacked bar per task: the share of the busiest task's open jobs, by status.
            "queue_bars": [
                (task, [(status, n, shown, round(100 * n / widest, 1)) for status, n, shown, _ in cells])
                for task, cells in rows
            ],
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="not before", ordering="not_before")
    def due(self, job):
        seconds = (job.not_before - timezone.now()).total_seconds() if job.not_before else 0
        if seconds <= 0:
            return "due"
        minutes = max(1, round(seconds / 60))
        return f"waiting {minutes} min"


def _queue_url(base: str, task: str, status: str) -> str:
    return f"{base}?{urlencode({'state': 'all', 'task_name__exact': task, 'status__exact': status})}"


AUTH_JOBS = [
    ("archive job", ShortId("pk", "wrapped.authjob")),
    ("status", STATUS),
    ("device", ShortId("device_id", "wrapped.deviceemail")),
    ("email", Masked("email")),
    ("last error", Excerpt("last_error")),
    ("updated", UPDATED),
]
SESSIONS = [
    ("session", ShortId("pk", "wrapped.appsession")),
    ("device", ShortId("device_id", "wrapped.deviceemail")),
    ("platform", "platform"),
    ("issued", ISSUED),
    ("expires", When("expires_at")),
    ("revoked", When("revoked_at")),
]
LATEST = f"Latest {queries.RELATED_LIMIT}."


@admin.register(DeviceEmail)
class LinkingAdmin(WrappedAdmin):
    """Auth / Linking: one row per device, with its email and latest auth job."""

    device = ShortId("device_id", "wrapped.deviceemail", description="device")
    auth_status_badge = Badge("auth_status", description="latest auth status", ordering=False)
    auth_archive_job = ShortId("auth_archive_job_id", "wrapped.authjob", description="archive job", ordering=False)
    auth_updated = When("auth_updated_at", description="auth updated", ordering=False)
    reauth = NeedsReauth("auth_status", description="needs reauth", ordering=False)
    user_link = ShortId("auth_app_user_id", "wrapped.appuser", description="app user", ordering=False)
    created, updated = CREATED, UPDATED
    auth_jobs_table = Related(
        lambda d: queries.auth_jobs_of(device_id=d.device_id), AUTH_JOBS, description="auth jobs", note=LATEST
    )
    sessions_table = Related(
        lambda d: queries.sessions_of(device_id=d.device_id), SESSIONS, description="sessions", note=LATEST
    )
    list_display = [
        "device",
        "email",
        "waitlist_opt_in",
        "referred_by",
        "auth_status_badge",
        "auth_archive_job",
        "auth_updated",
        "reauth",
        "user_link",
    ]
    list_display_links = None
    list_filter = ["waitlist_opt_in", filters.NeedsReauthFilter]
    identifier_fields = {"device_id": TEXT, "email": EMAIL}
    pii_fields = ("email",)
    ordering = ["-updated_at"]
    list_columns = ("device_id", "email", "waitlist_opt_in", "referred_by", "updated_at")
    fieldsets = [
        (None, {"fields": ["device_id", "email", "referred_by", "waitlist_opt_in", "created", "updated"]}),
        ("Auth jobs of this device", {"fields": ["auth_jobs_table"]}),
        ("Sessions on this device", {"fields": ["sessions_table"]}),
    ]

    def get_queryset(self, request):
        return queries.devices_for_linking(super().get_queryset(request))


@admin.register(AuthJob)
class AuthJobAdmin(WrappedAdmin):
    job = ShortId("archive_job_id", "wrapped.authjob", description="archive job")
    status_badge = STATUS
    device = ShortId("device_id", "wrapped.deviceemail", description="device")
    user_link = USER
    error = Excerpt("last_error", description="last error")
    updated, created = UPDATED, CREATED
    list_display = ["job", "status_badge", "device", "email", "user_link", "error", "updated"]
    list_display_links = None
    list_filter = ["status"]
    identifier_fields = {"archive_job_id": TEXT, "device_id": TEXT, "app_user_id": TEXT, "email": EMAIL}
    pii_fields = ("email",)
    ordering = ["-updated_at"]
    finalized = When("finalized_at", description="finalized")
    redirect_clicked = When("redirect_clicked_at", description="redirect clicked")
    fields = [
        "archive_job_id",
        "status_badge",
        "provider",
        "user_link",
        "device",
        "email",
        "error",
        "client_ip",
        "platform",
        "app_version",
        "os_version",
        "session_id",
        "redirect_clicks",
        "redirect_clicked",
        "finalized",
        "created",
        "updated",
    ]


@admin.register(AppUser)
class AppUserAdmin(WrappedAdmin):
    created = CREATED
    emails_table = Related(
        lambda u: queries.user_emails(u.app_user_id),
        [("email", Masked("email")), ("verified", When("verified_at")), ("created", CREATED)],
        description="emails",
        note=LATEST,
    )
    runs_table = Related(
        lambda u: queries.user_runs(u.app_user_id),
        [("run", RUN), ("status", STATUS), ("stage", STAGE), ("updated", UPDATED)],
        description="wrapped runs",
        note=LATEST,
    )
    auth_jobs_table = Related(
        lambda u: queries.auth_jobs_of(app_user_id=u.app_user_id), AUTH_JOBS, description="auth jobs", note=LATEST
    )
    sessions_table = Related(
        lambda u: queries.sessions_of(app_user_id=u.app_user_id), SESSIONS, description="sessions", note=LATEST
    )
    list_display = ["app_user_id", "platform_username", "latest_sec_user_id", "waitlist_opt_in", "created"]
    list_filter = ["waitlist_opt_in", "weekly_report_unsubscribed"]
    identifier_fields = {"app_user_id": TEXT, "latest_sec_user_id": TEXT, "archive_user_id": TEXT}
    ordering = ["-created_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "app_user_id",
                    "platform_username",
                    "latest_sec_user_id",
                    "archive_user_id",
                    "is_watch_history_available",
                    "time_zone",
                    "waitlist_opt_in",
                    "referred_by",
                    "weekly_report_unsubscribed",
                    "created",
                ]
            },
        ),
        ("Emails", {"fields": ["emails_table"]}),
        ("Wrapped runs", {"fields": ["runs_table"]}),
        ("Auth jobs", {"fields": ["auth_jobs_table"]}),
        ("Sessions", {"fields": ["sessions_table"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term and EMAIL in classify(term):
            return queryset.filter(app_user_id__in=queries.user_ids_with_email(term)), False
        return super().get_search_results(request, queryset, search_term)

    def identifier_help(self):
        return "exact app_user_id, sec_user_id, archive_user_id or email"


@admin.register(AppUserEmail)
class AppUserEmailAdmin(WrappedAdmin):
    user_link = USER
    verified = When("verified_at", description="verified")
    created = CREATED
    list_display = ["id", "user_link", "email", "verified", "created"]
    identifier_fields = {"email": EMAIL, "app_user_id": TEXT}
    pii_fields = ("email",)
    ordering = ["-created_at"]  # + id DESC: bo_user_emails_created_at_id
    fields = ["id", "user_link", "email", "verified", "created"]


@admin.register(AppSession)
class AppSessionAdmin(WrappedAdmin):
    session = ShortId("id", "wrapped.appsession", description="session")
    user_link = USER
    device = ShortId("device_id", "wrapped.deviceemail", description="device")
    issued = ISSUED
    expires = When("expires_at", description="expires")
    revoked = When("revoked_at", description="revoked")
    list_display = ["session", "user_link", "device", "platform", "app_version", "issued", "expires", "revoked"]
    list_display_links = None
    identifier_fields = {"id": TEXT, "app_user_id": TEXT, "device_id": TEXT}
    ordering = ["-issued_at"]  # + id DESC: bo_sessions_issued_at_id
    fields = ["id", "user_link", "device", "platform", "app_version", "os_version", "issued", "expires", "revoked"]


@admin.register(Referral)
class ReferralAdmin(WrappedAdmin):
    referrer = ShortId("referrer_app_user_id", "wrapped.appuser", description="referrer")
    updated = UPDATED
    created = CREATED
    list_display = ["code", "referrer", "impressions", "conversions", "completions", "updated"]
    identifier_fields = {"code": TEXT, "referrer_app_user_id": TEXT}
    ordering = ["-updated_at"]
    fields = ["code", "referrer", "impressions", "conversions", "completions", "created", "updated"]


@admin.register(ReferralEvent)
class ReferralEventAdmin(WrappedAdmin):
    referrer = ShortId("referrer_app_user_id", "wrapped.appuser", description="referrer")
    referred = ShortId("referred_app_user_id", "wrapped.appuser", description="referred")
    run = ShortId("wrapped_run_id", "wrapped.wrappedrun", description="run")
    created = CREATED
    list_display = ["id", "event_type", "referrer", "referred", "run", "created"]
    fields = ["id", "event_type", "referrer", "referred", "run", "archive_job_id", "ip", "user_agent", "created"]
    # Indexed columns only (the primary key, bo_referral_events_referrer/_referred): an OR with an
    # unindexed column (wrapped_run_id, archive_job_id) would read the whole table for any term.
    identifier_fields = {"id": TEXT, "referrer_app_user_id": TEXT, "referred_app_user_id": TEXT}
    ordering = ["-created_at"]  # + id DESC: bo_referral_events_created_at_id


admin.site.register_tool(
    Tool(
        "wrapped/find-person/",
        views.find_person_view,
        "wrapped_find_person",
        "Find a person",
        "wrapped",
        "access.search_people",
    )
)
