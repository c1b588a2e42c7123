"""Read-only admin pages for the XTrack source (users, jobs, executions, summaries, notifications).

Secrets (users.password_hash, notification_bind_tokens.token, verification_codes.code) are not
mapped by the models at all, so no page can select or render them. Emails go through
backoffice.pii: masked for the viewer role. job_notification_targets has a composite key and no
page of its own: its rows are a bounded table inside the job page.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models.functions import Left
from django.utils.html import format_html

from backoffice import display, pii
from backoffice.admin_base import SourceModelAdmin
from backoffice.display import dash, head, json_block, related_table, status_badge, text_block
from backoffice.search import EMAIL, INT, TEXT, UUID_TEXT
from monitoring.xtrack import queries
from monitoring.xtrack.models import (
    Job,
    JobExecution,
    NotificationBindToken,
    NotificationTarget,
    Summary,
    User,
    VerificationCode,
)

HEAD = 160


def change_link(model: str, pk, text=None) -> str:
    return display.change_link("xtrack", model, pk, text)


def changelist_link(model: str, params: dict, text) -> str:
    """A link to a changelist filtered exactly (e.g. {"user__id__exact": 5}), no join needed."""
    return display.changelist_link("xtrack", model, params, text)


class ChoicesFilter(admin.SimpleListFilter):
    """A filter over an enum column's fixed choices (never SELECT DISTINCT)."""

    field_name = "status"

    def lookups(self, request, model_admin):
        return model_admin.model._meta.get_field(self.field_name).choices

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field_name: self.value()}) if self.value() else queryset


class StatusFilter(ChoicesFilter):
    title = "status"
    parameter_name = "status"


class ChannelFilter(ChoicesFilter):
    title = "channel"
    parameter_name = "channel"
    field_name = "channel"


class CodeTypeFilter(ChoicesFilter):
    title = "code type"
    parameter_name = "code_type"
    field_name = "code_type"


class XTrackAdmin(SourceModelAdmin):
    """Adds masked email columns: names in `email_columns` become per-request callables.

    The column `"email"` reads obj.email; `"user_email"` reads obj.user.email (joined via
    list_select_related). The request is captured in a closure, never stored on the shared admin.
    """

    email_columns: dict[str, str] = {}  # column name -> dotted attribute path on the row
    # Detail fields whose method takes (request, obj): related tables that mask personal data.
    request_columns: tuple[str, ...] = ()

    def _email_column(self, request, name: str):
        cache = request.__dict__.setdefault("_xtrack_email_columns", {})
        key = (type(self).__name__, name)
        if key not in cache:
            if name in self.request_columns:
                method = getattr(self, name)

                def column(obj):
                    return method(request, obj)

                column.short_description = method.short_description
            else:
                path = self.email_columns[name].split(".")

                def column(obj):
                    value = obj
                    for part in path:
                        value = getattr(value, part, None) if value is not None else None
                    return pii.email_for(request.user, value)

                column.short_description = name.replace("_", " ")
            column.__name__ = name
            cache[key] = column
        return cache[key]

    def _swap(self, request, names):
        per_request = {*self.email_columns, *self.request_columns}
        return [self._email_column(request, n) if n in per_request else n for n in names]

    def get_list_display(self, request):
        return self._swap(request, super().get_list_display(request))

    def get_list_display_links(self, request, list_display):
        links = super().get_list_display_links(request, list_display)
        return [link for link in links or () if link not in self.email_columns] or None

    def get_fieldsets(self, request, obj=None):
        return [(title, {**opts, "fields": self._swap(request, opts["fields"])}) for title, opts in self.fieldsets]

    @admin.display(description="status")
    def status_badge(self, obj):
        return status_badge(obj.status)


@admin.register(User)
class UserAdmin(XTrackAdmin):
    list_display = ("id", "email", "name", "status_badge", "created_at", "last_login_at")
    list_columns = ("id", "email", "name", "status", "created_at", "last_login_at")
    list_display_links = ("id",)
    email_columns = {"email": "email"}
    list_filter = (StatusFilter,)
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "email": EMAIL}
    fieldsets = (
        (None, {"fields": ("id", "email", "name", "status_badge")}),
        ("Timing", {"fields": ("created_at", "updated_at", "last_login_at")}),
        ("Related", {"fields": ("jobs", "targets", "related_links")}),
    )

    @admin.display(description=f"jobs (last {queries.RELATED_LIMIT})")
    def jobs(self, obj):
        rows = [
            (change_link("job", j.pk), j.x_username, j.frequency, status_badge(j.status), j.is_active, dash(j.last_run))
            for j in queries.user_jobs(obj.pk)
        ]
        return related_table(["id", "x_username", "frequency", "status", "active", "last run"], rows)

    request_columns = ("targets",)

    @admin.display(description=f"notification targets (last {queries.RELATED_LIMIT})")
    def targets(self, request, obj):
        rows = [
            (
                change_link("notificationtarget", t.pk),
                t.channel,
                pii.email_for(request.user, t.destination),
                t.is_default,
                dash(t.created_at),
            )
            for t in queries.user_targets(obj.pk)
        ]
        return related_table(["id", "channel", "destination", "default", "created"], rows)

    @admin.display(description="all rows")
    def related_links(self, obj):
        return format_html(
            "{} · {}",
            changelist_link("job", {"user__id__exact": obj.pk}, "jobs"),
            changelist_link("notificationbindtoken", {"user__id__exact": obj.pk}, "bind tokens"),
        )


@admin.register(NotificationTarget)
class NotificationTargetAdmin(XTrackAdmin):
    list_display = ("id", "user_link", "channel", "destination", "is_default", "created_at")
    list_columns = ("id", "user", "channel", "destination", "is_default", "created_at")
    list_display_links = ("id",)
    email_columns = {"destination": "destination"}  # an email address or a Telegram chat id
    list_filter = (ChannelFilter, "is_default")
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "user_id": INT}
    fieldsets = (
        (None, {"fields": ("id", "user", "channel", "destination", "is_default", "created_at")}),
        ("Meta", {"fields": ("meta_json",)}),
    )

    @admin.display(description="meta")
    def meta_json(self, obj):
        return json_block(obj.meta)

    @admin.display(description="user")
    def user_link(self, obj):
        return change_link("user", obj.user_id)


@admin.register(Job)
class JobAdmin(XTrackAdmin):
    list_display = (
        "id",
        "x_username",
        "user_email",
        "frequency",
        "status_badge",
        "is_active",
        "last_run",
        "created_at",
    )
    list_columns = (
        "id",
        "x_username",
        "user__email",
        "frequency",
        "status",
        "is_active",
        "last_run",
        "created_at",
    )
    list_display_links = ("id",)
    list_select_related = ("user",)
    email_columns = {"user_email": "user.email", "email": "email"}
    request_columns = ("targets",)
    list_filter = (StatusFilter, "is_active")
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "x_username": TEXT, "user_id": INT, "user__email": EMAIL}
    fieldsets = (
        (None, {"fields": ("id", "x_username", "user", "user_email", "status_badge", "is_active")}),
        ("Schedule", {"fields": ("frequency", "topics_json", "language", "last_run")}),
        ("Notifications", {"fields": ("email", "notification_target", "targets")}),
        ("Timing", {"fields": ("created_at", "updated_at")}),
        ("History", {"fields": ("executions", "summaries")}),
    )

    @admin.display(description="user email")
    def user_email(self, obj):
        # Replaced per request by get_list_display/get_fieldsets; masked if ever reached directly.
        return pii.mask_email(obj.user.email if obj.user_id else None)

    @admin.display(description=f"notification targets (last {queries.RELATED_LIMIT})")
    def targets(self, request, obj):
        rows = [
            (
                change_link("notificationtarget", link.notification_target_id),
                link.notification_target.channel,
                pii.email_for(request.user, link.notification_target.destination),
                link.notification_target.is_default,
                dash(link.created_at),
            )
            for link in queries.job_targets(obj.pk)
        ]
        return related_table(["target", "channel", "destination", "default", "linked"], rows)

    @admin.display(description=f"last {queries.RECENT_EXECUTIONS} executions")
    def executions(self, obj):
        rows = [
            (
                change_link("jobexecution", e.pk),
                status_badge(e.status),
                dash(e.started_at),
                dash(queries.execution_duration(e)),
                dash(e.tweets_fetched),
                head(e.error_message),
            )
            for e in queries.recent_executions(obj.pk)
        ]
        table = related_table(["id", "status", "started", "duration", "tweets", "error"], rows)
        return format_html(
            "{}<p>{}</p>", table, changelist_link("jobexecution", {"job__id__exact": obj.pk}, "all executions")
        )

    @admin.display(description=f"last {queries.RECENT_SUMMARIES} summaries")
    def summaries(self, obj):
        rows = [
            (change_link("summary", s.pk, s.pk[:8]), dash(s.created_at), dash(s.tweets_count), head(s.content_start))
            for s in queries.recent_summaries(job_id=obj.pk)
        ]
        return related_table(["id", "created", "tweets", "content"], rows)

    @admin.display(description="topics")
    def topics_json(self, obj):
        return json_block(obj.topics)


@admin.register(JobExecution)
class JobExecutionAdmin(XTrackAdmin):
    list_display = (
        "id",
        "job_link",
        "job_x_username",
        "status_badge",
        "started_at",
        "duration",
        "tweets_fetched",
        "error_head",
    )
    list_columns = ("id", "job__x_username", "status", "started_at", "completed_at", "tweets_fetched")
    list_display_links = ("id",)
    list_select_related = ("job",)
    list_filter = (StatusFilter,)
    ordering = ("-id",)  # serial id follows created_at; the pk index serves it
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "job_id": INT}
    fieldsets = (
        (None, {"fields": ("id", "job", "status_badge", "tweets_fetched")}),
        ("Timing", {"fields": ("started_at", "completed_at", "duration", "created_at")}),
        ("Error", {"fields": ("error_text",)}),
        ("Summaries", {"fields": ("summaries",)}),
    )

    def get_changelist_queryset(self, queryset):
        return super().get_changelist_queryset(queryset).annotate(error_start=Left("error_message", HEAD + 1))

    @admin.display(description="job")
    def job_link(self, obj):
        return change_link("job", obj.job_id)

    @admin.display(description="x_username")
    def job_x_username(self, obj):
        return obj.job.x_username if obj.job_id else "—"

    @admin.display(description="duration")
    def duration(self, obj):
        return dash(queries.execution_duration(obj))

    @admin.display(description="error")
    def error_head(self, obj):
        return head(obj.error_start if hasattr(obj, "error_start") else obj.error_message)

    @admin.display(description="error message")
    def error_text(self, obj):
        return text_block(obj.error_message)

    @admin.display(description=f"summaries (last {queries.RECENT_SUMMARIES})")
    def summaries(self, obj):
        rows = [
            (change_link("summary", s.pk, s.pk[:8]), dash(s.created_at), dash(s.tweets_count), head(s.content_start))
            for s in queries.recent_summaries(execution_id=obj.pk)
        ]
        return related_table(["id", "created", "tweets", "content"], rows)


@admin.register(Summary)
class SummaryAdmin(XTrackAdmin):
    list_display = (
        "short_id",
        "job_link",
        "execution_link",
        "is_playground",
        "x_username",
        "tweets_count",
        "tokens",
        "content_head",
        "created_at",
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
    list_display_links = ("short_id",)
    list_filter = ("is_playground",)
    ordering = ("-created_at", "-id")
    sortable_by = ("created_at",)
    identifier_fields = {"id": UUID_TEXT, "job_id": INT, "execution_id": INT}
    fieldsets = (
        (None, {"fields": ("id", "job", "execution", "is_playground", "created_at")}),
        (
            "Run",
            {"fields": ("x_username", "topics_json", "hours_back", "tweets_count", "input_tokens", "output_tokens")},
        ),
        ("Content", {"fields": ("content_text",)}),
        ("Raw data", {"fields": ("raw_data_json",)}),
    )

    def get_changelist_queryset(self, queryset):
        return super().get_changelist_queryset(queryset).annotate(content_start=Left("content", HEAD + 1))

    @admin.display(description="id", ordering="id")
    def short_id(self, obj):
        return obj.pk[:8] if obj.pk else "—"

    @admin.display(description="job")
    def job_link(self, obj):
        return change_link("job", obj.job_id) if obj.job_id else "playground"

    @admin.display(description="execution")
    def execution_link(self, obj):
        return change_link("jobexecution", obj.execution_id)

    @admin.display(description="tokens in/out")
    def tokens(self, obj):
        return f"{dash(obj.input_tokens)} / {dash(obj.output_tokens)}"

    @admin.display(description="content")
    def content_head(self, obj):
        return head(getattr(obj, "content_start", None))

    @admin.display(description="content")
    def content_text(self, obj):
        return text_block(obj.content)

    @admin.display(description="topics")
    def topics_json(self, obj):
        return json_block(obj.topics)

    @admin.display(description="raw data")
    def raw_data_json(self, obj):
        return json_block(obj.raw_data)


@admin.register(NotificationBindToken)
class NotificationBindTokenAdmin(XTrackAdmin):
    list_display = ("id", "user_link", "channel", "expires_at", "used", "created_at")
    list_columns = ("id", "user", "channel", "expires_at", "used", "created_at")
    list_display_links = ("id",)
    list_filter = (ChannelFilter, "used")
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "user_id": INT}
    fieldsets = ((None, {"fields": ("id", "user", "channel", "expires_at", "used", "created_at")}),)

    @admin.display(description="user")
    def user_link(self, obj):
        return change_link("user", obj.user_id)


@admin.register(VerificationCode)
class VerificationCodeAdmin(XTrackAdmin):
    list_display = ("id", "email", "code_type", "used", "expires_at", "created_at")
    list_columns = ("id", "email", "code_type", "used", "expires_at", "created_at")
    list_display_links = ("id",)
    email_columns = {"email": "email"}
    list_filter = (CodeTypeFilter, "used")
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "email": EMAIL}
    fieldsets = ((None, {"fields": ("id", "email", "code_type", "used", "expires_at", "created_at")}),)
