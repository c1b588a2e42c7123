"""The generic admin-action flow: every state change goes through the owning service's HTTP API.

permission check (server side) → confirmation page (rows, exact calls, bulk limit, one-time token)
→ on confirm, the calls (one per row, or one bulk call) → one ActionRecord per call → a message
"n ok, m failed" plus one line per failure → redirect back.

A concrete action is declarative:

    retry_run = source_action(
        source="wrapped", name="retry_run", description="Retry run (stage-aware)",
        target_type="wrapped run", path="/admin/wrapped/runs/{key}/retry", body={...},
    )

or, for several calls per row, a `SourceAction` subclass overriding `plan()` / `execute()`.
The result is a standard Django admin action `(modeladmin, request, queryset)`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme

from backoffice import pii
from backoffice.api import ApiResult, client_for_source, idempotency_key_for, quote_segment
from backoffice.audit.models import ActionRecord, ActionSubmission

logger = logging.getLogger(__name__)

RUN_ACTIONS_PERMISSION = "access.run_actions"
TOKEN_SALT = "backoffice.actions.confirm"
TOKEN_MAX_AGE = 60 * 60
MAX_FAILURE_LINES = 20
CONFIRM_TEMPLATE = "backoffice/confirm_action.html"


def bulk_limit() -> int:
    return int(getattr(settings, "BULK_ACTION_LIMIT", 500) or 500)


def can_run_actions(user) -> bool:
    return bool(user and user.is_active and user.has_perm(RUN_ACTIONS_PERMISSION))


def require_run_actions(request) -> None:
    if not can_run_actions(request.user):
        raise PermissionDenied("Running actions needs the operator or admin role.")


# -- one-time confirmation tokens ---------------------------------------------------------------
def issue_token(request, action_name: str) -> str:
    nonce = secrets.token_urlsafe(12)
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(f"{request.user.pk}:{action_name}:{nonce}")


DUPLICATE, INVALID, FRESH = "duplicate", "invalid", "fresh"


def consume_token(request, action_name: str, token: str, *, source: str, row_count: int) -> str:
    """FRESH the first time a valid token is posted, DUPLICATE afterwards, INVALID if forged/expired."""
    try:
        value = signing.TimestampSigner(salt=TOKEN_SALT).unsign(token or "", max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return INVALID
    user_pk, _, rest = value.partition(":")
    name, _, _nonce = rest.partition(":")
    if user_pk != str(request.user.pk) or name != action_name:
        return INVALID
    try:
        with transaction.atomic(using="default"):
            ActionSubmission.objects.create(
                token=token,
                user=request.user,
                username=request.user.get_username(),
                source=source,
                action=action_name,
                row_count=row_count,
            )
    except IntegrityError:
        return DUPLICATE
    return FRESH


# -- audit ---------------------------------------------------------------------------------------
UNKNOWN_OUTCOMES = ("sending", "timeout", "unreachable")  # the service may or may not have acted


def submission_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest() if token else ""


def unresolved_targets(token: str) -> set[str]:
    """Targets of a confirmed submission whose latest call ended with an unknown outcome. A call
    still "sending" counts only once it has had all its time to answer (it may be in flight)."""
    from datetime import timedelta

    from django.utils import timezone

    patience = float(settings.SOURCE_API_CONNECT_TIMEOUT) + float(settings.SOURCE_API_READ_TIMEOUT) + 5
    latest: dict[str, ActionRecord] = {}
    for entry in ActionRecord.objects.filter(submission=submission_digest(token)).order_by("created_at", "id"):
        latest[entry.target_key] = entry
    in_flight_since = timezone.now() - timedelta(seconds=patience)
    return {
        key
        for key, entry in latest.items()
        if entry.outcome in UNKNOWN_OUTCOMES and (entry.outcome != "sending" or entry.created_at < in_flight_since)
    }


RESULT_FIELDS = ("http_status", "outcome", "message", "response_excerpt", "duration_ms")


def audited_call(
    request,
    client,
    method: str,
    path: str,
    body: Any = None,
    *,
    idempotency_key: str,
    action: str,
    target_type: str = "",
    target_ids: list | None = None,
    target_key: str = "",
    message: str | None = None,
    submission: str = "",
    reason: str = "",
) -> tuple[ApiResult, ActionRecord]:
    """Make one call with its audit row written first (outcome "sending"), then completed with
    the answer: a process that dies after sending leaves a "sending" row, never no row."""
    prepared = client.prepare(method, path, body, idempotency_key)
    entry = record(
        request,
        prepared,
        action=action,
        target_type=target_type,
        target_ids=target_ids,
        target_key=target_key,
        message=message,
        submission=submission,
        reason=reason,
    )
    result = client.send(prepared, body)
    complete(entry, result, message=message)
    return result, entry


def complete(entry: ActionRecord, result: ApiResult, *, message: str | None = None) -> ActionRecord:
    """Fill in what the service answered on a row recorded before the call."""
    entry.http_status = result.http_status
    entry.outcome = result.outcome
    entry.message = message if message is not None else result.message
    entry.response_excerpt = result.response_excerpt
    entry.duration_ms = result.duration_ms
    entry.save(update_fields=list(RESULT_FIELDS))
    return entry


def record(
    request,
    result: ApiResult,
    *,
    action: str,
    target_type: str = "",
    target_ids: list | None = None,
    target_key: str = "",
    message: str | None = None,
    submission: str = "",
    reason: str = "",
) -> ActionRecord:
    user = request.user if getattr(request.user, "is_authenticated", False) else None
    return ActionRecord.objects.create(
        user=user,
        username=user.get_username() if user else "",
        source=result.source,
        action=action,
        target_type=target_type,
        target_ids=[str(t) for t in (target_ids or [])],
        target_key=str(target_key)[:200],
        method=result.method,
        path=result.path[:500],
        request_body=result.request_body,
        http_status=result.http_status,
        outcome=result.outcome,
        message=message if message is not None else result.message,
        response_excerpt=result.response_excerpt,
        duration_ms=result.duration_ms,
        idempotency_key=result.idempotency_key[:200],
        submission=submission,
        reason=reason,
    )


# -- reasons -------------------------------------------------------------------------------------
def reason_error(reason: str) -> str | None:
    """None if `reason` will do: a ticket reference (ACTION_REASON_PATTERN) or free text long enough."""
    import re

    text = (reason or "").strip()
    pattern = getattr(settings, "ACTION_REASON_PATTERN", "") or ""
    if pattern and re.fullmatch(pattern, text):
        return None
    minimum = int(getattr(settings, "ACTION_REASON_MIN_LENGTH", 10))
    if len(text) >= minimum:
        return None
    if not text:
        return "Give a reason: a ticket reference or a sentence saying why."
    return f"The reason is too short: give a ticket reference or at least {minimum} characters saying why."


def clean_reason(reason: str) -> str:
    return " ".join((reason or "").split())[:2000]


# -- the action model ----------------------------------------------------------------------------
@dataclass
class PlannedCall:
    method: str
    path: str
    body: Any = None
    note: str = ""

    @property
    def body_json(self) -> str:
        return "" if self.body is None else json.dumps(self.body, indent=2)


@dataclass
class RowResult:
    key: str
    ok: bool
    reason: str = ""
    notes: list[str] = field(default_factory=list)


class CallContext:
    """What `execute()` gets: calls through here are made, audited and keyed per row and attempt."""

    def __init__(self, request, action: SourceAction, submission: str, *, reason: str = ""):
        self.request = request
        self.reason = reason
        self.action = action
        self.submission = submission  # the confirmed form's one-time token
        self.client = client_for_source(action.source)
        self.results: list[ApiResult] = []
        self.records: list[ActionRecord] = []
        self._calls_per_row: dict[str, int] = {}

    def call(self, row, method: str, path: str, body: Any = None, *, audit_message: str | None = None) -> ApiResult:
        key = self.action.row_key(row)
        index = self._calls_per_row.get(key, 0)
        self._calls_per_row[key] = index + 1
        idem = idempotency_key_for(self.submission, self.action.name, key, index, method.upper(), path)
        result, entry = audited_call(
            self.request,
            self.client,
            method,
            path,
            body,
            idempotency_key=idem,
            action=self.action.name,
            target_type=self.action.target_type,
            target_ids=[key],
            target_key=key,
            message=audit_message,
            submission=submission_digest(self.submission),
            reason=self.reason,
        )
        self.results.append(result)
        self.records.append(entry)
        return result

    def note_on_last_record(self, text: str) -> None:
        """Append a note to the audit row of the last call (e.g. what was left out and why)."""
        if self.records:
            entry = self.records[-1]
            entry.message = f"{entry.message}; {text}" if entry.message else text
            entry.save(update_fields=["message"])


class SourceAction:
    """One admin action that calls a source's API for each selected row."""

    source: str = ""
    name: str = ""
    description: str = ""
    target_type: str = ""
    confirm_intro: str = ""

    def __init__(self, **attrs):
        for key, value in attrs.items():
            setattr(self, key, value)
        if not (self.source and self.name):
            raise ValueError("a SourceAction needs a source and a name")

    # -- per-row declarations (override as needed) --
    def row_key(self, row) -> str:
        return str(row.pk)

    def row_label(self, row) -> str:
        return str(row)

    def skip_reason(self, row) -> str | None:
        return None

    def plan(self, row) -> list[PlannedCall]:
        raise NotImplementedError

    def execute(self, ctx: CallContext, row) -> RowResult:
        """Default: make the planned calls in order; stop at the first that does not succeed."""
        key = self.row_key(row)
        for planned in self.plan(row):
            result = ctx.call(row, planned.method, planned.path, planned.body)
            if not result.ok:
                return RowResult(key, False, result.describe())
        return RowResult(key, True)

    # -- the flow --
    def __call__(self, modeladmin, request, queryset):
        return run_source_action(self, modeladmin, request, queryset)

    def as_admin_action(self):
        action = self

        def admin_action(modeladmin, request, queryset):
            return run_source_action(action, modeladmin, request, queryset)

        admin_action.__name__ = self.name
        admin_action.__qualname__ = self.name
        admin_action.source_action = self
        return admin.action(permissions=["run_actions"], description=self.description)(admin_action)


class RowCallAction(SourceAction):
    """One call per row: `path` is formatted with `{key}`, the row key quoted as one path segment
    (`x/../other` → `x%2F..%2Fother`), so the call confirmed and audited is the call made."""

    method: str = "POST"
    path: str = ""
    body: Any = None

    def plan(self, row) -> list[PlannedCall]:
        return [PlannedCall(self.method, self.path.format(key=quote_segment(self.row_key(row))), self.body)]


def source_action(*, source: str, name: str, description: str, path: str, **attrs):
    """Declare a one-call-per-row action; returns a standard Django admin action function."""
    return RowCallAction(source=source, name=name, description=description, path=path, **attrs).as_admin_action()


def is_source_action(func) -> bool:
    return getattr(func, "source_action", None) is not None


# -- the generic view logic ----------------------------------------------------------------------
def safe_next(request, fallback: str | None = None) -> str | None:
    target = request.POST.get("_next") or request.GET.get("_next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


def run_source_action(action: SourceAction, modeladmin, request, queryset):
    """The body of every source action (standard admin action signature)."""
    require_run_actions(request)  # inside the action too, not only via the action menu
    limit = bulk_limit()
    rows = list(queryset[: limit + 1])
    if not rows:
        messages.warning(request, "No rows were selected.")
        return None
    if len(rows) > limit:
        messages.error(
            request,
            f"Too many rows selected: “{action.description}” handles at most {limit} rows at once. "
            "Narrow the selection (filters, search) and run it again; nothing was called.",
        )
        return _back(request)

    if request.POST.get("post") != "yes":
        return confirmation_page(action, modeladmin, request, rows)

    reason = clean_reason(request.POST.get("reason", ""))
    problem = reason_error(reason)
    if problem:
        return confirmation_page(action, modeladmin, request, rows, reason_error=problem, reason=reason)

    background = len(rows) > inline_max_rows()
    if background:
        return start_bulk_run(action, modeladmin, request, rows, reason)

    state = consume_token(
        request, action.name, request.POST.get("token", ""), source=action.source, row_count=len(rows)
    )
    if state == INVALID:
        messages.error(
            request, "This confirmation has expired or is not valid; open the action again. Nothing was called."
        )
        return _back(request)
    resend: set[str] | None = None
    if state == DUPLICATE:
        resend = unresolved_targets(request.POST.get("token", ""))
        if not resend:
            messages.warning(
                request,
                f"“{action.description}” was already submitted with this confirmation; nothing was called again.",
            )
            return _back(request)
        rows = [row for row in rows if action.row_key(row) in resend]
        messages.info(
            request,
            f"Re-sending the {len(rows)} call(s) of this confirmation whose outcome was unknown, with the same "
            "Idempotency-Key, so the service can recognise a call it already carried out.",
        )

    ctx = CallContext(request, action, request.POST.get("token", ""), reason=reason)
    outcomes: list[RowResult] = []
    skipped: list[tuple[str, str]] = []
    for row in rows:
        reason = action.skip_reason(row)
        if reason:
            skipped.append((action.row_key(row), reason))
            continue
        try:
            outcomes.append(action.execute(ctx, row))
        except Exception as exc:  # a bug in one row's handling must not hide the others' results
            logger.exception("action %s failed on %s", action.name, action.row_key(row))
            outcomes.append(RowResult(action.row_key(row), False, f"internal error ({type(exc).__name__})"))
    report(request, action.description, outcomes, skipped)
    return _back(request)


def inline_max_rows() -> int:
    return int(getattr(settings, "BULK_INLINE_MAX_ROWS", 5))


def matching_now(modeladmin, request) -> int | None:
    """How many rows the list's filters (the changelist URL the action was posted to) match now."""
    try:
        changelist = modeladmin.get_changelist_instance(request)
        return changelist.get_queryset(request).values("pk")[: bulk_limit() + 1].count()
    except Exception:  # not a changelist (a detail-page button), or parameters it refuses
        return None


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def start_bulk_run(action: SourceAction, modeladmin, request, rows, reason: str):
    """Freeze the confirmed rows as a bulk run, queue it for the worker, show its page."""
    from django.urls import reverse

    from backoffice.bulk.models import BulkRun
    from backoffice.bulk.runner import freeze

    token = request.POST.get("token", "")
    state = consume_token(request, action.name, token, source=action.source, row_count=len(rows))
    if state == INVALID:
        messages.error(
            request, "This confirmation has expired or is not valid; open the action again. Nothing was called."
        )
        return _back(request)
    if state == DUPLICATE:
        existing = BulkRun.objects.filter(submission=submission_digest(token)).first()
        messages.warning(request, f"“{action.description}” was already submitted with this confirmation.")
        if existing is not None:
            return HttpResponseRedirect(reverse("admin:bulk_bulkrun_change", args=[existing.pk]))
        return _back(request)
    run = freeze(
        action,
        modeladmin.model,
        request,
        rows,
        token=token,
        reason=reason,
        matched_when_looked=_int_or_none(request.POST.get("looked_count")) or len(rows),
        matched_at_confirm=matching_now(modeladmin, request),
    )
    messages.info(request, f"“{action.description}” on {len(rows)} rows runs in the background.")
    return HttpResponseRedirect(reverse("admin:bulk_bulkrun_change", args=[run.pk]))


def _back(request):
    target = safe_next(request)
    return HttpResponseRedirect(target) if target else None  # None: the admin redirects to the list


def report(request, title: str, outcomes: list[RowResult], skipped: list[tuple[str, str]]) -> None:
    ok = sum(1 for o in outcomes if o.ok)
    failed = [o for o in outcomes if not o.ok]
    summary = f"{title}: {ok} ok, {len(failed)} failed"
    if skipped:
        summary += f", {len(skipped)} skipped"
    level = messages.SUCCESS if not failed else (messages.WARNING if ok else messages.ERROR)
    mask = pii.masker(request)
    if not outcomes and skipped:
        level = messages.WARNING
    messages.add_message(request, level, summary + ".")
    for outcome in failed[:MAX_FAILURE_LINES]:
        messages.error(request, mask.text(f"{outcome.key}: {outcome.reason}"))
    if len(failed) > MAX_FAILURE_LINES:
        messages.error(request, f"… and {len(failed) - MAX_FAILURE_LINES} more failures (see the audit log).")
    for key, reason in skipped[:MAX_FAILURE_LINES]:
        messages.warning(request, mask.text(f"{key}: skipped, {reason}"))
    if len(skipped) > MAX_FAILURE_LINES:
        messages.warning(request, f"… and {len(skipped) - MAX_FAILURE_LINES} more skipped rows.")
    for outcome in outcomes:
        for note in outcome.notes:
            messages.warning(request, mask.text(f"{outcome.key}: {note}"))


def confirmation_page(
    action: SourceAction,
    modeladmin,
    request,
    rows,
    *,
    extra_context: dict | None = None,
    reason_error: str | None = None,
    reason: str = "",
):
    client = client_for_source(action.source)
    items = []
    for row in rows:
        reason = action.skip_reason(row)
        items.append(
            {
                "key": action.row_key(row),
                "pk": row.pk,
                "label": action.row_label(row),
                "skip_reason": reason,
                "calls": [] if reason else action.plan(row),
            }
        )
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"Confirm: {action.description}",
        "opts": opts,
        "app_label": opts.app_label,
        "action": action,
        "action_name": action.name,
        "items": items,
        "call_count": sum(len(i["calls"]) for i in items),
        "runnable_count": sum(1 for i in items if not i["skip_reason"]),
        "skipped_count": sum(1 for i in items if i["skip_reason"]),
        "bulk_limit": bulk_limit(),
        "base_url": client.base_url,
        "configured": client.configured,
        "token": issue_token(request, action.name),
        "next": safe_next(request) or "",
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "source": action.source,
        "media": modeladmin.media,
        "reason": reason,
        "reason_error": reason_error,
        "reason_pattern": getattr(settings, "ACTION_REASON_PATTERN", ""),
        "background": len(items) > inline_max_rows(),
        "looked_count": _int_or_none(request.POST.get("looked_count")) or len(items),
        "matching_now": matching_now(modeladmin, request),
        **(extra_context or {}),
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, CONFIRM_TEMPLATE, context)


class SourceActionsMixin:
    """For a ModelAdmin with source actions: a POST of one of them by a user without
    `access.run_actions` is a 403 (Django would otherwise silently drop an action the user may not see)."""

    def source_action_names(self) -> set[str]:
        names = set()
        for item in self.actions or ():
            func = item if callable(item) else getattr(self, item, None)
            if is_source_action(func):
                names.add(func.source_action.name)
        return names

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST":
            posted = set(request.POST.getlist("action"))
            if posted & self.source_action_names():
                require_run_actions(request)
        return super().changelist_view(request, extra_context)


def action_buttons(request, modeladmin, obj, action_funcs, *, admin_site_name: str | None = None) -> list[dict]:
    """Forms for a detail page: each posts one `_selected_action` to the changelist (→ confirmation)."""
    from django.urls import reverse

    if not can_run_actions(request.user):
        return []
    opts = modeladmin.model._meta
    site = admin_site_name or modeladmin.admin_site.name
    changelist = reverse(f"{site}:{opts.app_label}_{opts.model_name}_changelist")
    buttons = []
    for func in action_funcs:
        action = func.source_action
        buttons.append(
            {
                "name": action.name,
                "label": action.description,
                "url": changelist,
                "method": "post",
                "disabled_reason": action.skip_reason(obj) or "",
                # (name, value) pairs of the hidden inputs
                "fields": [
                    ("action", action.name),
                    (helpers.ACTION_CHECKBOX_NAME, str(obj.pk)),
                    ("_next", request.get_full_path()),
                ],
            }
        )
    return buttons
