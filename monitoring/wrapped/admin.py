"""Wrapped console: runs, queue, auth/linking, users, referrals, find a person, live runs."""

from __future__ import annotations

import json
from datetime import UTC

from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html

from backoffice import pii
from backoffice.admin_base import SourceModelAdmin
from backoffice.admin_site import Tool
from backoffice.display import dash, status_badge
from backoffice.search import EMAIL, TEXT, classify
from monitoring.wrapped import filters, queries
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


MAX_INLINE_PAYLOAD_BYTES = 12 * 1024 * 1024


def change_link(model_name: str, pk, text=None):
    if pk in (None, ""):
        return "—"
    url = reverse(f"admin:wrapped_{model_name}_change", args=[pk])
    return format_html('<a href="{}">{}</a>', url, text or pk)


@admin.register(WrappedRun)
class WrappedRunAdmin(RunActionsMixin, SourceModelAdmin):
    list_display = [
        "id",
        "status_badge",
        "stage_badge",
        "updated",
        "user_link",
        "sec_user_id",
        "email",
        "progress",
        "warnings",
    ]
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
                    "status",
                    "app_user",
                    "sec_user_id",
                    "archive_user_id",
                    "email",
                    "watch_history_job",
                    "created_at",
                    "updated_at",
                ]
            },
        )
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

    # -- columns ---------------------------------------------------------------------------------
    @admin.display(description="status", ordering="status")
    def status_badge(self, run):
        return status_badge(run.status)

    @admin.display(description="stage")
    def stage_badge(self, run):
        stage = queries.stage_of(run)
        tone = {queries.READY: "ok", queries.UNKNOWN: "warn"}.get(stage, "run")
        return format_html('<span class="badge badge-{}">{}</span>', tone, queries.stage_label(run))

    @admin.display(description="app user", ordering="app_user_id")
    def user_link(self, run):
        return change_link("appuser", run.app_user_id)

    @admin.display(description="updated (UTC)", ordering="updated_at")
    def updated(self, run):
        return run.updated_at.strftime("%Y-%m-%d %H:%M:%S") if run.updated_at else "—"

    @admin.display(description="watch-history progress")
    def progress(self, run):
        """data jobs done · videos fetched · has more · cursor, from the digest (no payload loaded)."""
        digest = queries.digest(run)
        if digest.get("huge_payload"):
            size = filesizeformat(digest["huge_payload"])
            return format_html('<span title="Open the run to read it">{} payload: not read here</span>', size)
        return format_html(
            '<span class="progress">{} jobs · {} videos · more: {} · cursor {}</span>',
            dash(digest.get("completed_data_jobs")),
            dash(digest.get("videos_fetched_total")),
            dash(digest.get("has_more")),
            dash(digest.get("cursor_ms")),
        )

    @admin.display(description="warnings")
    def warnings(self, run):
        count = queries.digest(run).get("warnings") or 0
        return format_html('<span class="badge badge-warn">{}</span>', count) if count else "0"

    # -- detail -----------------------------------------------------------------------------------
    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(run_detail_context(request, obj, self))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("live/", self.admin_site.admin_view(self.live_view), name=f"{prefix}_live"),
            path(
                "<path:object_id>/payload.json",
                self.admin_site.admin_view(self.payload_view),
                name=f"{prefix}_payload",
            ),
            *super().get_urls(),
        ]

    def payload_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        payload = WrappedRun.objects.filter(pk=object_id).values_list("payload", flat=True).first()
        if payload is None:
            raise Http404("No such run")
        text = pii.masker(request).json_text(json.dumps(payload, indent=1, default=str))
        response = HttpResponse(text, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="run-{object_id}-payload.json"'
        return response

    def live_view(self, request):
        """htmx partial: runs updated since the last poll, newest first, bounded."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        raw_since = request.GET.get("since", "")
        try:
            since = parse_datetime(raw_since) if raw_since else None
        except ValueError:  # well-formed but impossible: 2024-99-99, Feb 30
            since = None
        if raw_since and since is None:
            return HttpResponse(
                "since must be an ISO date and time, such as 2025-01-31T12:00:00Z.",
                status=400,
                content_type="text/plain",
            )
        since = since or timezone.now()
        if timezone.is_naive(since):
            since = since.replace(tzinfo=UTC)
        now = timezone.now()
        changed = queries.runs_changed_since(since)
        seen = request.GET.get("seen", "")
        return TemplateResponse(
            request,
            "admin/wrapped/wrappedrun/live.html",
            {
                "changed": [(run, queries.stage_label(run)) for run in changed],
                "since": max([now, *[r.updated_at for r in changed]]).isoformat(),
                "first_poll": not seen,
                "poll_seconds": 5,
                "opts": self.opts,
            },
        )


_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_script_from_text(text: str, element_id: str):
    """json_script for text that is already JSON (a 5 MB payload is dumped once, not twice)."""
    from django.utils.safestring import mark_safe

    return format_html(
        '<script id="{}" type="application/json">{}</script>',
        element_id,
        mark_safe(text.translate(_JSON_SCRIPT_ESCAPES)),
    )


def run_detail_context(request, run: WrappedRun, model_admin) -> dict:
    from backoffice.display import json_block

    mask = pii.masker(request)
    payload = mask.json(run.payload)
    payload_json = json.dumps(payload, default=str)
    too_big = len(payload_json) > MAX_INLINE_PAYLOAD_BYTES
    context = {
        "run": run,
        "stage_label": queries.stage_label(queries.with_digest(WrappedRun.objects.only("id")).get(pk=run.pk)),
        "stage_jobs": queries.stage_jobs(run),
        "run_warnings": queries.run_warnings(run),
        "analysis": queries.analysis_summary(payload),
        "payload_size": len(payload_json),
        "payload_too_big": too_big,
        "payload_script": None if too_big else json_script_from_text(payload_json, "run-payload"),
        "payload_preview": json_block(payload, max_chars=20_000) if too_big else None,
        "payload_url": reverse("admin:wrapped_wrappedrun_payload", args=[run.pk]),
    }
    buttons = getattr(model_admin, "run_action_buttons", None)
    context["action_buttons"] = buttons(request, run) if buttons else []
    try:
        from backoffice.audit.admin import actions_on_url

        if request.user.has_perm("audit.view_actionrecord"):
            context["actions_on_url"] = actions_on_url("wrapped", run.pk)
    except ImportError:  # pragma: no cover
        pass
    return context


@admin.register(AppJob)
class AppJobAdmin(SourceModelAdmin):
    list_display = [
        "id",
        "task_name",
        "status_badge",
        "attempts_display",
        "due",
        "idempotency_key",
        "run_link",
        "user_link",
        "error",
        "updated_at",
    ]
    list_filter = [filters.OpenJobsFilter, "status", "task_name"]
    identifier_fields = {"id": TEXT, "idempotency_key": TEXT}
    ordering = ["-updated_at"]
    change_list_template = "admin/wrapped/appjob/change_list.html"
    fields = [
        "id",
        "task_name",
        "status",
        "attempts",
        "max_attempts",
        "not_before",
        "idempotency_key",
        "locked_by",
        "locked_at",
        "lease_seconds",
        "created_at",
        "updated_at",
        "payload_pretty",
    ]
    readonly_fields = ["payload_pretty"]

    def get_changelist_queryset(self, queryset):
        return queries.jobs_for_list(queryset)

    def changelist_view(self, request, extra_context=None):
        counts = cache.get("wrapped:queue_counts")
        if counts is None:
            counts = queries.queue_counts()
            cache.set("wrapped:queue_counts", counts, 10)
        statuses = list(queries.OPEN_JOB_STATUSES)
        rows = [(task, [by_status.get(s, 0) for s in statuses]) for task, by_status in counts.items()]
        widest = max((sum(ns) for _, ns in rows), default=0) or 1
        extra_context = {
            **(extra_context or {}),
            "queue_statuses": statuses,
            "queue_rows": rows,
            # A stacked bar per task: the share of the busiest task's open jobs, by status.
            "queue_bars": [
                (task, [(status, n, round(100 * n / widest, 1)) for status, n in zip(statuses, ns, strict=True)])
                for task, ns in rows
            ],
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="status", ordering="status")
    def status_badge(self, job):
        return status_badge(job.status)

    @admin.display(description="attempts")
    def attempts_display(self, job):
        return f"{job.attempts}/{job.max_attempts}"

    @admin.display(description="not before", ordering="not_before")
    def due(self, job):
        if job.not_before is None:
            return "due"
        delta = job.not_before - timezone.now()
        if delta.total_seconds() <= 0:
            return "due"
        minutes = max(1, round(delta.total_seconds() / 60))
        return f"waiting {minutes} min"

    @admin.display(description="run")
    def run_link(self, job):
        return change_link("wrappedrun", job.payload_run_id)

    @admin.display(description="app user")
    def user_link(self, job):
        return change_link("appuser", job.payload_app_user_id)

    @admin.display(description="error")
    def error(self, job):
        text = job.payload_error
        return (
            format_html('<span title="{}">{}</span>', text, text[:80] + "…" if len(text) > 80 else text)
            if text
            else "—"
        )

    @admin.display(description="payload")
    def payload_pretty(self, job):
        from backoffice.display import json_block

        return json_block(job.payload)


@admin.register(DeviceEmail)
class LinkingAdmin(SourceModelAdmin):
    """Auth / Linking: one row per device, with its email and latest auth job."""

    list_display = [
        "device_id",
        "email",
        "waitlist_opt_in",
        "referred_by",
        "auth_status_badge",
        "auth_archive_job",
        "auth_updated",
        "reauth",
        "user_link",
    ]
    list_filter = ["waitlist_opt_in", filters.NeedsReauthFilter]
    identifier_fields = {"device_id": TEXT, "email": EMAIL}
    pii_fields = ("email",)
    ordering = ["-updated_at"]
    list_columns = ("device_id", "email", "waitlist_opt_in", "referred_by", "updated_at")
    change_form_template = "admin/wrapped/related_change_form.html"

    def get_queryset(self, request):
        return queries.devices_for_linking(super().get_queryset(request))

    @admin.display(description="latest auth status")
    def auth_status_badge(self, device):
        return status_badge(device.auth_status)

    @admin.display(description="archive job")
    def auth_archive_job(self, device):
        return change_link("authjob", device.auth_archive_job_id)

    @admin.display(description="auth updated")
    def auth_updated(self, device):
        return dash(device.auth_updated_at and device.auth_updated_at.strftime("%Y-%m-%d %H:%M"))

    @admin.display(description="needs reauth", boolean=True)
    def reauth(self, device):
        return queries.needs_reauth(device.auth_status, device.auth_last_error)

    @admin.display(description="app user")
    def user_link(self, device):
        return change_link("appuser", device.auth_app_user_id)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["related_tables"] = [
                ("Auth jobs of this device", _auth_rows(AuthJob.objects.filter(device_id=obj.device_id), request)),
                ("Sessions on this device", _session_rows(AppSession.objects.filter(device_id=obj.device_id))),
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(AuthJob)
class AuthJobAdmin(SourceModelAdmin):
    list_display = ["archive_job_id", "status_badge", "device_id", "email", "user_link", "last_error", "updated_at"]
    list_filter = ["status"]
    identifier_fields = {"archive_job_id": TEXT, "device_id": TEXT, "app_user_id": TEXT, "email": EMAIL}
    pii_fields = ("email",)
    ordering = ["-updated_at"]

    @admin.display(description="status", ordering="status")
    def status_badge(self, job):
        return status_badge(job.status)

    @admin.display(description="app user")
    def user_link(self, job):
        return change_link("appuser", job.app_user_id)


@admin.register(AppUser)
class AppUserAdmin(SourceModelAdmin):
    list_display = ["app_user_id", "platform_username", "latest_sec_user_id", "waitlist_opt_in", "created_at"]
    list_filter = ["waitlist_opt_in", "weekly_report_unsubscribed"]
    identifier_fields = {"app_user_id": TEXT, "latest_sec_user_id": TEXT, "archive_user_id": TEXT}
    ordering = ["-created_at"]
    change_form_template = "admin/wrapped/related_change_form.html"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term and EMAIL in classify(term):
            user_ids = AppUserEmail.objects.filter(email__in=sorted({term, term.lower()})).values("app_user_id")
            return queryset.filter(app_user_id__in=user_ids), False
        return super().get_search_results(request, queryset, search_term)

    def identifier_help(self):
        return "exact app_user_id, sec_user_id, archive_user_id or email"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            uid = obj.app_user_id
            runs = queries.with_digest(WrappedRun.objects.only(*queries.LIST_COLUMNS)).filter(app_user_id=uid)
            context["related_tables"] = [
                ("Emails", _email_rows(AppUserEmail.objects.filter(app_user_id=uid), request)),
                ("Wrapped runs", _run_rows(runs.order_by("-updated_at"))),
                ("Auth jobs", _auth_rows(AuthJob.objects.filter(app_user_id=uid), request)),
                ("Sessions", _session_rows(AppSession.objects.filter(app_user_id=uid))),
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)


RELATED_LIMIT = 20


def _email_rows(emails, request):
    rows = [
        (pii.masker(request).value(e.email), e.verified_at or "not verified", e.created_at)
        for e in emails[:RELATED_LIMIT]
    ]
    return {"headers": ["email", "verified", "created"], "rows": rows}


def _run_rows(runs):
    rows = [
        (change_link("wrappedrun", r.id), status_badge(r.status), queries.stage_label(r), r.updated_at)
        for r in runs[:RELATED_LIMIT]
    ]
    return {"headers": ["run", "status", "stage", "updated"], "rows": rows}


def _auth_rows(jobs, request):
    mask = pii.masker(request)
    rows = [
        (
            change_link("authjob", j.archive_job_id),
            status_badge(j.status),
            j.device_id or "—",
            mask.value(j.email),
            mask.text(j.last_error) or "—",
            j.updated_at,
        )
        for j in jobs.order_by("-updated_at")[:RELATED_LIMIT]
    ]
    return {"headers": ["archive job", "status", "device", "email", "last error", "updated"], "rows": rows}


def _session_rows(sessions):
    rows = [
        (s.id, s.device_id or "—", s.platform or "—", s.issued_at, s.expires_at or "—", s.revoked_at or "—")
        for s in sessions.order_by("-issued_at")[:RELATED_LIMIT]
    ]
    return {"headers": ["session", "device", "platform", "issued", "expires", "revoked"], "rows": rows}


@admin.register(AppUserEmail)
class AppUserEmailAdmin(SourceModelAdmin):
    list_display = ["id", "app_user", "email", "verified_at", "created_at"]
    list_select_related = ["app_user"]
    identifier_fields = {"email": EMAIL, "app_user_id": TEXT}
    pii_fields = ("email",)
    ordering = ["-created_at"]


@admin.register(AppSession)
class AppSessionAdmin(SourceModelAdmin):
    list_display = [
        "id",
        "app_user_id",
        "device_id",
        "platform",
        "app_version",
        "issued_at",
        "expires_at",
        "revoked_at",
    ]
    identifier_fields = {"id": TEXT, "app_user_id": TEXT, "device_id": TEXT}
    ordering = ["-issued_at"]


@admin.register(Referral)
class ReferralAdmin(SourceModelAdmin):
    list_display = ["code", "referrer_app_user_id", "impressions", "conversions", "completions", "updated_at"]
    identifier_fields = {"code": TEXT, "referrer_app_user_id": TEXT}
    ordering = ["-updated_at"]


@admin.register(ReferralEvent)
class ReferralEventAdmin(SourceModelAdmin):
    list_display = ["id", "event_type", "referrer_app_user_id", "referred_app_user_id", "wrapped_run_id", "created_at"]
    identifier_fields = {
        "id": TEXT,
        "referrer_app_user_id": TEXT,
        "referred_app_user_id": TEXT,
        "wrapped_run_id": TEXT,
        "archive_job_id": TEXT,
    }
    ordering = ["-created_at"]


def find_person_view(request):
    if not request.user.has_perm("access.search_people"):
        raise PermissionDenied
    term = request.GET.get("q", "").strip()[:320]
    results = queries.find_person(term) if term else None
    return TemplateResponse(
        request,
        "admin/wrapped/find_person.html",
        {
            **admin.site.each_context(request),
            "title": "Find a person",
            "term": term,
            "results": results,
            "show_pii": not pii.masker(request).masks,
            "unsearchable": bool(term) and results is not None and TEXT not in results.kinds,
        },
    )


admin.site.register_tool(
    Tool(
        "wrapped/find-person/",
        find_person_view,
        "wrapped_find_person",
        "Find a person",
        "wrapped",
        "access.search_people",
    )
)
