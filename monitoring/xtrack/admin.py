"""Read-only admin pages for the XTrack source (users, jobs, executions, summaries, notifications).

Secrets (users.password_hash, notification_bind_tokens.token, verification_codes.code) are not
mapped by the models at all, so no page can select or render them. Emails go through
backoffice.pii: masked for the viewer role.
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
    JobNotificationTarget,
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


class XTrackAdmin(SourceModelAdmin):
    """Adds masked email columns: names in `email_columns` become per-request callables.

    The column `"email"` reads obj.email; `"user_email"` reads obj.user.email (joined via
    list_select_related). The request is captured in a closure, never stored on the shared admin.
    """

    email_columns: dict[str, str] = {}  # column name -> dotted attribute path on the row

    def _email_column(self, request, name: str):
        cache = request.__dict__.setdefault("_xtrack_email_columns", {})
        key = (type(self).__name__, name)
        if key not in cache:
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
        return [self._email_column(request, n) if n in self.email_columns else n for n in names]

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

    @admin.display(description="notification targets")
    def targets(self, obj):
        rows = [
            (change_link("notificationtarget", t.pk), t.channel, dash(t.name), t.is_verified, t.is_default)
            for t in queries.user_targets(obj.pk)
        ]
        return related_table(["id", "channel", "name", "verified", "default"], rows)

    @admin.display(description="all rows")
    def related_links(self, obj):
        return format_html(
            "{} · {} · {}",
            changelist_link("job", {"user__id__exact": obj.pk}, "jobs"),
            changelist_link("verificationcode", {"user__id__exact": obj.pk}, "verification codes"),
            changelist_link("notificationbindtoken", {"user__id__exact": obj.pk}, "bind tokens"),
        )


@admin.register(NotificationTarget)
class NotificationTargetAdmin(XTrackAdmin):
    list_display = ("id", "user_link", "channel", "name", "email", "is_verified", "is_default", "created_at")
    list_columns = ("id", "user", "channel", "name", "email", "is_verified", "is_default", "created_at")
    list_display_links = ("id",)
    email_columns = {"email": "email"}
    list_filter = (ChannelFilter, "is_verified")
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "user_id": INT}
    fieldsets = (
        (None, {"fields": ("id", "user", "channel", "name", "is_verified", "is_default")}),
        ("Destination", {"fields": ("email", "telegram_username", "telegram_chat_id")}),
        ("Timing", {"fields": ("created_at", "updated_at")}),
    )

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
    list_filter = (StatusFilter, "is_active")
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "x_username": TEXT, "user_id": INT, "user__email": EMAIL}
    fieldsets = (
        (None, {"fields": ("id", "x_username", "user", "user_email", "status_badge", "is_active")}),
        ("Schedule", {"fields": ("frequency", "topics_json", "language", "last_run")}),
        ("Notifications", {"fields": ("email", "notification_target")}),
        ("Timing", {"fields": ("created_at", "updated_at")}),
        ("History", {"fields": ("executions", "summaries")}),
    )

    @admin.display(description="user email")
    def user_email(self, obj):
        # Replaced per request by get_list_display/get_fieldsets; masked if ever reached directly.
        return pii.mask_email(obj.user.email if obj.user_id else None)

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


@admin.register(JobNotificationTarget)
class JobNotificationTargetAdmin(XTrackAdmin):
    list_display = ("id", "job_link", "target_link", "created_at")
    list_columns = ("id", "job", "notification_target", "created_at")
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"job_id": INT, "notification_target_id": INT}
    fieldsets = ((None, {"fields": ("id", "job", "notification_target", "created_at")}),)

    @admin.display(description="job")
    def job_link(self, obj):
        return change_link("job", obj.job_id)

    @admin.display(description="notification target")
    def target_link(self, obj):
        return change_link("notificationtarget", obj.notification_target_id)


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
    list_display = ("id", "user_link", "channel", "expires_at", "used_at", "created_at")
    list_columns = ("id", "user", "channel", "expires_at", "used_at", "created_at")
    list_display_links = ("id",)
    list_filter = (ChannelFilter,)
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "user_id": INT}
    fieldsets = ((None, {"fields": ("id", "user", "channel", "expires_at", "used_at", "created_at")}),)

    @admin.display(description="user")
    def user_link(self, obj):
        return change_link("user", obj.user_id)


@admin.register(VerificationCode)
class VerificationCodeAdmin(XTrackAdmin):
    list_display = ("id", "user_link", "email", "purpose", "attempts", "expires_at", "used_at", "created_at")
    list_columns = ("id", "user", "email", "purpose", "attempts", "expires_at", "used_at", "created_at")
    list_display_links = ("id",)
    email_columns = {"email": "email"}
    ordering = ("-id",)
    sortable_by = ("id",)
    identifier_fields = {"id": INT, "user_id": INT, "email": EMAIL}
    fieldsets = (
        (None, {"fields": ("id", "user", "email", "purpose", "attempts", "expires_at", "used_at", "created_at")}),
    )

    @admin.display(description="user")
    def user_link(self, obj):
        return change_link("user", obj.user_id)
