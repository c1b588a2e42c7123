"""Wrapped actions (seed 000 + upstream.md): all go through the Wrapped service's admin API.

Wiring (monitoring/wrapped/admin.py):  class WrappedRunAdmin(RunActionsMixin, SourceModelAdmin)
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from backoffice.actions import (
    DUPLICATE,
    INVALID,
    SourceActionsMixin,
    action_buttons,
    audited_call,
    bulk_limit,
    can_run_actions,
    consume_token,
    issue_token,
    require_run_actions,
    source_action,
    submission_digest,
    unresolved_targets,
)
from backoffice.api import client_for_source, idempotency_key_for, new_idempotency_key

SOURCE = "wrapped"
RETRY_BODY = {"include_watch_history": True, "include_analysis": True, "force_new_jobs": True, "reset_payload": True}
RETRY_FAILED_PATH = "/admin/wrapped/runs/retry-failed"
RETRY_FAILED_DEFAULT_LIMIT = 50
MAX_RESULT_LINES = 20

retry_run = source_action(
    source=SOURCE,
    name="retry_run",
    description="Retry run (stage-aware, new jobs, payload reset)",
    target_type="wrapped run",
    path="/admin/wrapped/runs/{key}/retry",
    body=RETRY_BODY,
    confirm_intro="The service restarts each run from its first stage with new jobs and a reset payload.",
)
retry_watch_history = source_action(
    source=SOURCE,
    name="retry_watch_history",
    description="Retry watch history",
    target_type="wrapped run",
    path="/admin/test/runs/{key}/retry-watch-history",
)
retry_analysis = source_action(
    source=SOURCE,
    name="retry_analysis",
    description="Retry analysis",
    target_type="wrapped run",
    path="/admin/test/runs/{key}/retry-analysis",
)
retry_email = source_action(
    source=SOURCE,
    name="retry_email",
    description="Retry email",
    target_type="wrapped run",
    path="/admin/test/runs/{key}/retry-email",
)

RUN_ACTIONS = [retry_run, retry_watch_history, retry_analysis, retry_email]


def run_action_buttons(request, run, *, admin_site_name: str = "admin") -> list[dict]:
    """The forms a run's detail page renders (empty for users without access.run_actions).

    Each dict: name, label, url (the runs changelist), method "post", fields (hidden inputs:
    action, _selected_action, _next). Render with templates/backoffice/actions/row_buttons.html.
    """
    from monitoring.wrapped.models import WrappedRun

    class _Shim:  # action_buttons only needs the model and the site name
        model = WrappedRun

    return action_buttons(request, _Shim, run, RUN_ACTIONS, admin_site_name=admin_site_name)


def retry_failed_url(admin_site_name: str = "admin") -> str:
    return reverse(f"{admin_site_name}:wrapped_wrappedrun_retry_failed")


class RunActionsMixin(SourceActionsMixin):
    """Mix into the WrappedRun ModelAdmin: the four row actions and the "retry all failed runs" page."""

    actions = RUN_ACTIONS
    retry_failed_template = "backoffice/actions/retry_failed.html"

    def get_urls(self):
        opts = self.model._meta
        extra = [
            path(
                "retry-failed/",
                self.admin_site.admin_view(self.retry_failed_view),
                name=f"{opts.app_label}_{opts.model_name}_retry_failed",
            )
        ]
        return extra + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        if can_run_actions(request.user):
            extra_context = {**(extra_context or {}), "retry_failed_url": retry_failed_url(self.admin_site.name)}
        return super().changelist_view(request, extra_context)

    def run_action_buttons(self, request, run) -> list[dict]:
        return action_buttons(request, self, run, RUN_ACTIONS)

    # -- retry all failed runs ---------------------------------------------------------------
    def _limit(self, request) -> int:
        raw = request.POST.get("limit") or request.GET.get("limit") or RETRY_FAILED_DEFAULT_LIMIT
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = RETRY_FAILED_DEFAULT_LIMIT
        return max(1, min(value, bulk_limit()))

    def _changelist_url(self):
        opts = self.model._meta
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")

    def retry_failed_view(self, request):
        """GET: the database's count and a form. The service's dry run is a call (audited), so it
        is made only on a POST with a CSRF token (`preview`); `post=yes` confirms the real call."""
        require_run_actions(request)
        limit = self._limit(request)
        body = {"limit": limit, "dry_run": False, "reset_payload": True}
        client = client_for_source(SOURCE)
        if request.method == "POST" and request.POST.get("post") == "yes":
            return self._retry_failed_post(request, client, body)
        dry = None
        if request.method == "POST" and request.POST.get("preview") == "yes":
            dry, _entry = audited_call(
                request,
                client,
                "POST",
                RETRY_FAILED_PATH,
                {**body, "dry_run": True},
                idempotency_key=new_idempotency_key("retry_failed_dry_run", limit),
                action="retry_failed_dry_run",
                target_type="wrapped runs",
                target_key="failed-runs",
            )
        cap = bulk_limit()
        db_count = self.model._default_manager.filter(status="failed").values("pk")[: cap + 1].count()
        data = dry.data if dry is not None and dry.ok and isinstance(dry.data, dict) else {}
        results = data.get("results") if isinstance(data.get("results"), list) else []
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": "Confirm: retry all failed runs",
            "opts": opts,
            "app_label": opts.app_label,
            "source": SOURCE,
            "base_url": client.base_url,
            "configured": client.configured,
            "limit": limit,
            "bulk_limit": cap,
            "db_failed_count": min(db_count, cap),
            "db_failed_capped": db_count > cap,
            "dry": dry,
            "dry_matched": data.get("matched"),
            "dry_processed": data.get("processed"),
            "dry_enqueued": data.get("enqueued"),
            "dry_results": results[:100],
            "dry_results_more": max(0, len(results) - 100),
            "method": "POST",
            "path": RETRY_FAILED_PATH,
            "body_json": _pretty(body),
            "token": issue_token(request, "retry_failed"),
            "changelist_url": self._changelist_url(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.retry_failed_template, context)

    def _retry_failed_post(self, request, client, body):
        back = HttpResponseRedirect(self._changelist_url())
        state = consume_token(request, "retry_failed", request.POST.get("token", ""), source=SOURCE, row_count=0)
        if state == INVALID:
            messages.error(request, "This confirmation has expired or is not valid; open it again. Nothing was called.")
            return back
        token = request.POST.get("token", "")
        if state == DUPLICATE and "failed-runs" not in unresolved_targets(token):
            messages.warning(request, "“Retry all failed runs” was already submitted; nothing was called again.")
            return back
        result, entry = audited_call(
            request,
            client,
            "POST",
            RETRY_FAILED_PATH,
            body,
            idempotency_key=idempotency_key_for(token, "retry_failed", "failed-runs", body["limit"]),
            action="retry_failed",
            target_type="wrapped runs",
            target_key="failed-runs",
            submission=submission_digest(token),
        )
        data = result.data if isinstance(result.data, dict) else {}
        results = data.get("results") if isinstance(data.get("results"), list) else []
        entry.target_ids = [str(r.get("wrapped_run_id")) for r in results if isinstance(r, dict)][:500]
        entry.save(update_fields=["target_ids"])
        if not result.ok:
            messages.error(request, f"Retry all failed runs: 0 ok, 1 failed. {result.describe()}")
            return back
        skipped = [r for r in results if isinstance(r, dict) and r.get("skipped_reason")]
        level = messages.SUCCESS if not skipped else messages.WARNING
        messages.add_message(
            request,
            level,
            f"Retry all failed runs: matched {data.get('matched', '?')}, processed {data.get('processed', '?')}, "
            f"enqueued {data.get('enqueued', '?')}.",
        )
        for item in skipped[:MAX_RESULT_LINES]:
            messages.warning(request, f"{item.get('wrapped_run_id')}: skipped, {item.get('skipped_reason')}")
        if len(skipped) > MAX_RESULT_LINES:
            messages.warning(request, f"… and {len(skipped) - MAX_RESULT_LINES} more skipped runs (see the audit log).")
        return back


def _pretty(value) -> str:
    import json

    return json.dumps(value, indent=2)
