"""Bulk runs in the admin: the list, and each run's page with live progress, cancel, resume and
"retry the failures only"."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from backoffice import pii
from backoffice.actions import clean_reason, issue_token, reason_error, require_run_actions
from backoffice.admin_base import ReadOnlyAdminMixin
from backoffice.bulk import runner
from backoffice.bulk.models import BulkRun, ItemState, RunStatus

POLL_SECONDS = 1


def get_run(run_id) -> BulkRun:
    if not str(run_id).isdigit():
        raise Http404("No such bulk run.")
    return get_object_or_404(BulkRun, pk=int(run_id))


@admin.register(BulkRun)
class BulkRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "created_at", "username", "source", "description", "status", "reason")
    list_filter = ("source", "status")
    ordering = ("-created_at", "-id")
    list_per_page = 50
    actions = None

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:run_id>/progress/", wrap(self.progress_view), name="bulk_bulkrun_progress"),
            path("<path:run_id>/cancel/", wrap(self.cancel_view), name="bulk_bulkrun_cancel"),
            path("<path:run_id>/resume/", wrap(self.resume_view), name="bulk_bulkrun_resume"),
            path("<path:run_id>/retry-failures/", wrap(self.retry_failures_view), name="bulk_bulkrun_retry_failures"),
            *super().get_urls(),
        ]

    # -- the run page --------------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        require_run_actions(request)
        run = get_object_or_404(BulkRun, pk=object_id) if str(object_id).isdigit() else None
        if run is None:
            return HttpResponseRedirect(reverse("admin:bulk_bulkrun_changelist"))
        context = {
            **self.admin_site.each_context(request),
            **self.progress_context(request, run),
            "title": f"Bulk run {run.pk}: {run.description}",
            "opts": self.model._meta,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "backoffice/bulk/run.html", context)

    def progress_context(self, request, run: BulkRun) -> dict:
        mask = pii.masker(request)
        stalled = runner.is_stalled(run)
        items = []
        for item in run.items.all().order_by("position"):
            state = item.state
            if state == ItemState.SENDING and (stalled or run.status != RunStatus.RUNNING):
                state = ItemState.UNKNOWN
            items.append(
                {
                    "key": item.target_key,
                    "label": mask.text(item.label),
                    "state": state,
                    "state_label": ItemState(state).label,
                    "http_status": item.http_status,
                    "message": mask.text(item.message),
                    "answer": mask.json_text(item.response_excerpt) if item.response_excerpt else "",
                    "attempts": item.attempts,
                }
            )
        total = len(items)
        done = sum(1 for i in items if i["state"] == ItemState.OK)
        failed = sum(1 for i in items if i["state"] == ItemState.FAILED)
        unknown = sum(1 for i in items if i["state"] == ItemState.UNKNOWN)
        skipped = sum(1 for i in items if i["state"] in (ItemState.SKIPPED, ItemState.CANCELLED))
        remaining = total - done - failed - unknown - skipped
        finished = run.status in (RunStatus.DONE, RunStatus.CANCELLED) or stalled
        return {
            "run": run,
            "items": items,
            "total": total,
            "done": done,
            "failed": failed,
            "unknown": unknown,
            "skipped": skipped,
            "remaining": remaining,
            "stalled": stalled,
            "finished": finished,
            "poll_seconds": POLL_SECONDS,
            "percent": int(100 * (total - remaining) / total) if total else 100,
            "can_cancel": not finished and not run.cancel_requested,
            "can_resume": finished and (unknown or remaining) > 0,
            "can_retry_failures": finished and failed > 0,
            "retry_token": issue_token(request, run.action) if finished and failed else "",
        }

    def progress_view(self, request, run_id):
        require_run_actions(request)
        run = get_run(run_id)
        context = self.progress_context(request, run)
        return TemplateResponse(request, "backoffice/bulk/progress.html", context)

    # -- controls (POST only) ----------------------------------------------------------------------
    def _run_page(self, run_id):
        return HttpResponseRedirect(reverse("admin:bulk_bulkrun_change", args=[run_id]))

    def cancel_view(self, request, run_id):
        require_run_actions(request)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = get_run(run_id)
        runner.cancel(run)
        messages.info(request, "Cancel requested: the run stops after the call in flight; nothing more is sent.")
        return self._run_page(run_id)

    def resume_view(self, request, run_id):
        require_run_actions(request)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = get_run(run_id)
        if runner.resume(run):
            messages.info(
                request,
                "Resumed: rows with no known outcome are sent again with the same Idempotency-Key, "
                "so the service can recognise a call it already carried out.",
            )
        else:
            messages.warning(request, "Nothing to resume: the run is still working or every row has an outcome.")
        return self._run_page(run_id)

    def retry_failures_view(self, request, run_id):
        """A new run on exactly the rows that failed (not the unknown ones: resume those)."""
        from backoffice.actions import DUPLICATE, INVALID, consume_token

        require_run_actions(request)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        parent = get_run(run_id)
        reason = clean_reason(request.POST.get("reason", ""))
        problem = reason_error(reason)
        if problem:
            messages.error(request, problem)
            return self._run_page(run_id)
        failed = list(parent.items.filter(state=ItemState.FAILED).order_by("position"))
        if not failed:
            messages.warning(request, "No row of this run failed: nothing to retry.")
            return self._run_page(run_id)
        model, action = runner.find_action(parent)
        by_pk = {str(r.pk): r for r in model._default_manager.filter(pk__in=[i.target_pk for i in failed])}
        rows = [by_pk[i.target_pk] for i in failed if i.target_pk in by_pk]
        plans = {i.target_pk: i.plan for i in failed}
        token = request.POST.get("token", "")
        state = consume_token(request, action.name, token, source=action.source, row_count=len(rows))
        if state in (INVALID, DUPLICATE):
            messages.error(request, "This form was already submitted or has expired; nothing was started.")
            return self._run_page(run_id)
        run = runner.freeze(
            action,
            model,
            request,
            rows,
            token=token,
            reason=reason,
            matched_when_looked=len(failed),
            matched_at_confirm=len(rows),
            retry_of=parent,
            plans=plans,
        )
        messages.info(request, f"Retrying the {len(rows)} failed row(s) of run {parent.pk} in a new run.")
        return self._run_page(run.pk)
