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
    PlannedCall,
    SourceAction,
    SourceActionsMixin,
    action_buttons,
    audited_call,
    bulk_limit,
    can_run_actions,
    clean_reason,
    consume_token,
    issue_token,
    reason_error,
    require_run_actions,
    source_action,
)
from backoffice.api import client_for_source, new_idempotency_key, quote_segment
from backoffice.bulk.registry import register as register_bulk_action

SOURCE = "wrapped"
RETRY_BODY = {"include_watch_history": True, "include_analysis": True, "force_new_jobs": True, "reset_payload": True}
RETRY_FAILED_PATH = "/admin/wrapped/runs/retry-failed"
RETRY_FAILED_DEFAULT_LIMIT = 50

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

# "Retry all failed runs": the service's dry run plans which runs it would retry and at which
# stage; confirming freezes that plan (run ids and stages) as a bulk run of one stage retry per run.
PLAN_STAGE_PATHS = {
    "retry_watch_history": "/admin/test/runs/{key}/retry-watch-history",
    "retry_wrapped_analysis": "/admin/test/runs/{key}/retry-analysis",
    "retry_email_send": "/admin/test/runs/{key}/retry-email",
}
PLAN_SALT = "monitoring.wrapped.retry_failed.plan"


class RetryPlannedStage(SourceAction):
    source = SOURCE
    name = "retry_failed_runs"
    description = "Retry all failed runs (the dry run's plan)"
    target_type = "wrapped run"

    def plan(self, row) -> list[PlannedCall]:
        path = PLAN_STAGE_PATHS.get((getattr(row, "bulk_plan", None) or {}).get("action"), "")
        return [PlannedCall("POST", path.format(key=quote_segment(self.row_key(row))))] if path else []

    def skip_reason(self, row):
        planned = (getattr(row, "bulk_plan", None) or {}).get("action")
        return None if planned in PLAN_STAGE_PATHS else f"no stage retry planned ({planned or 'none'})"


retry_planned_stage = RetryPlannedStage()
register_bulk_action("wrapped.wrappedrun", retry_planned_stage)


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
        is made only on a POST with a CSRF token (`preview`); its plan (run ids and stages) is shown
        with a reason field, and `post=yes` freezes that plan as a bulk run."""
        require_run_actions(request)
        limit = self._limit(request)
        body = {"limit": limit, "dry_run": True, "reset_payload": True}
        client = client_for_source(SOURCE)
        if request.method == "POST" and request.POST.get("post") == "yes":
            return self._retry_failed_post(request)
        dry = None
        if request.method == "POST" and request.POST.get("preview") == "yes":
            dry, _entry = audited_call(
                request,
                client,
                "POST",
                RETRY_FAILED_PATH,
                body,
                idempotency_key=new_idempotency_key("retry_failed_dry_run", limit),
                action="retry_failed_dry_run",
                target_type="wrapped runs",
                target_key="failed-runs",
            )
        data = dry.data if dry is not None and dry.ok and isinstance(dry.data, dict) else {}
        results = [r for r in data.get("results") or [] if isinstance(r, dict)] if isinstance(data, dict) else []
        plan = [
            {"id": str(r.get("wrapped_run_id")), "action": r.get("action")}
            for r in results
            if r.get("enqueued_task") and r.get("action") in PLAN_STAGE_PATHS
        ][: bulk_limit()]
        return self._retry_failed_page(request, client, limit, body, dry, data, results, plan)

    def _retry_failed_page(self, request, client, limit, body, dry, data, results, plan, *, problem=None, reason=""):
        from django.core import signing

        cap = bulk_limit()
        db_count = self.model._default_manager.filter(status="failed").values("pk")[: cap + 1].count()
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
            "plan_count": len(plan),
            "plan_token": signing.dumps(plan, salt=PLAN_SALT, compress=True) if plan else "",
            "method": "POST",
            "path": RETRY_FAILED_PATH,
            "body_json": _pretty(body),
            "token": issue_token(request, retry_planned_stage.name),
            "changelist_url": self._changelist_url(),
            "reason": reason,
            "reason_error": problem,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.retry_failed_template, context)

    def _retry_failed_post(self, request):
        from django.core import signing

        from backoffice.bulk.models import BulkRun
        from backoffice.bulk.runner import freeze

        back = HttpResponseRedirect(self._changelist_url())
        try:
            plan = signing.loads(request.POST.get("plan", ""), salt=PLAN_SALT, max_age=60 * 60)
        except signing.BadSignature:
            plan = None
        if not plan:
            messages.error(
                request,
                "Ask the service for a dry run first: its plan is what gets retried. Nothing was called.",
            )
            return HttpResponseRedirect(retry_failed_url(self.admin_site.name))
        reason = clean_reason(request.POST.get("reason", ""))
        problem = reason_error(reason)
        if problem:
            client = client_for_source(SOURCE)
            body = {"limit": self._limit(request), "dry_run": True, "reset_payload": True}
            return self._retry_failed_page(
                request, client, body["limit"], body, None, {}, [], plan, problem=problem, reason=reason
            )
        token = request.POST.get("token", "")
        state = consume_token(request, retry_planned_stage.name, token, source=SOURCE, row_count=len(plan))
        if state == INVALID:
            messages.error(request, "This confirmation has expired or is not valid; open it again. Nothing was called.")
            return back
        if state == DUPLICATE:
            messages.warning(request, "“Retry all failed runs” was already submitted with this confirmation.")
            existing = BulkRun.objects.filter(token=token).first()
            return HttpResponseRedirect(reverse("admin:bulk_bulkrun_change", args=[existing.pk])) if existing else back
        by_pk = {r.pk: r for r in self.model._default_manager.filter(pk__in=[p["id"] for p in plan])}
        rows = [by_pk[p["id"]] for p in plan if p["id"] in by_pk]
        cap = bulk_limit()
        run = freeze(
            retry_planned_stage,
            self.model,
            request,
            rows,
            token=token,
            reason=reason,
            matched_when_looked=len(plan),
            matched_at_confirm=self.model._default_manager.filter(status="failed").values("pk")[: cap + 1].count(),
            plans={p["id"]: {"action": p["action"]} for p in plan},
        )
        messages.info(request, f"Retrying the {len(rows)} runs of the dry run's plan in the background.")
        return HttpResponseRedirect(reverse("admin:bulk_bulkrun_change", args=[run.pk]))


def _pretty(value) -> str:
    import json

    return json.dumps(value, indent=2)
