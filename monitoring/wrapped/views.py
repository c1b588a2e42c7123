"""Wrapped pages that are not a model's list or detail: find a person, live poll, payload, compare."""

from __future__ import annotations

import json
import re
from datetime import UTC, timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from backoffice import jsondiff, pii
from backoffice.display import status_tones
from backoffice.search import TEXT
from monitoring.wrapped import queries
from monitoring.wrapped.models import WrappedRun

MAX_INLINE_PAYLOAD_BYTES = 12 * 1024 * 1024


def _require_view(request, model_admin) -> None:
    if not model_admin.has_view_permission(request):
        raise PermissionDenied


# -- find a person -----------------------------------------------------------------------------
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


# -- payload download ----------------------------------------------------------------------------
# A role that sees personal data gets the stored text as PostgreSQL holds it, streamed in chunks: the
# worker holds one chunk, never the document. A role whose values are masked gets the document
# decoded, masked and encoded as before (an email may straddle a chunk, and an escaped "\u0040"
# only reads as an "@" once decoded), so that variant is refused above MAX_MASKED_PAYLOAD_BYTES.
PAYLOAD_CHUNK_BYTES = 256 * 1024
MAX_MASKED_PAYLOAD_BYTES = 12 * 1024 * 1024


def payload_view(request, model_admin, object_id):
    _require_view(request, model_admin)
    size_bytes = queries.payload_text_size(object_id)
    if size_bytes is None:
        raise Http404("No such run")
    filename = f'attachment; filename="run-{object_id}-payload.json"'
    if not pii.masker(request).masks:
        chunks = queries.payload_text_chunks(object_id, PAYLOAD_CHUNK_BYTES)
        response = StreamingHttpResponse(chunks, content_type="application/json")
        response["Content-Disposition"] = filename
        return response
    if size_bytes > MAX_MASKED_PAYLOAD_BYTES:
        return HttpResponse(
            f"This payload is {filesizeformat(size_bytes)}: too large to mask for your role "
            f"(the limit is {filesizeformat(MAX_MASKED_PAYLOAD_BYTES)}). Ask someone who may see personal data.",
            status=413,
            content_type="text/plain",
        )
    found, payload = queries.run_payload(object_id)
    if not found:
        raise Http404("No such run")
    text = pii.masker(request).json_text(json.dumps(payload, indent=1, default=str))
    response = HttpResponse(text, content_type="application/json")
    response["Content-Disposition"] = filename
    return response


# -- live poll -------------------------------------------------------------------------------------
POLL_SECONDS = 5
# A run committed during a poll may carry an updated_at older than that poll: each poll looks
# back this far and drops the (id, updated_at) pairs the previous poll already reported.
LIVE_OVERLAP = timedelta(seconds=10)
LIVE_KEEP = 10  # changes listed in the panel


def _change_key(run) -> str:
    return f"{run.pk}@{run.updated_at.isoformat()}"


def _status_tone(status) -> str:
    return status_tones().get(status, "")


def live_view(request, model_admin):
    """htmx partial: runs changed since the last poll, appended to the panel's list out of band."""
    _require_view(request, model_admin)
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
    now = timezone.now()
    first_poll = since is None
    since = since or now
    if timezone.is_naive(since):
        since = since.replace(tzinfo=UTC)
    seen = set(request.GET.get("seen", "").split(",")[: queries.LIVE_LIMIT]) - {""}
    window = queries.runs_changed_since(min(since, now) - LIVE_OVERLAP)
    changed = [] if first_poll else [run for run in window if _change_key(run) not in seen]
    still_in_window = [_change_key(run) for run in window if run.updated_at >= now - LIVE_OVERLAP]
    return TemplateResponse(
        request,
        "admin/wrapped/wrappedrun/live.html",
        {
            "changed": [
                (run, queries.stage_label(run), queries.stage_tone(run), _status_tone(run.status)) for run in changed
            ],
            "since": now.isoformat(),
            "seen": ",".join(still_in_window),
            "poll_seconds": POLL_SECONDS,
            "keep": LIVE_KEEP,
            "opts": model_admin.opts,
        },
    )


# -- run detail ------------------------------------------------------------------------------------
PREVIEW_CHARS = 20_000


_U_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _unescaped(match) -> str:
    code = int(match[1], 16)
    return "\ufffd" if code == 0 or 0xD800 <= code <= 0xDFFF else chr(code)  # no NUL, no lone surrogate


def payload_preview(run_id: str, mask) -> str:
    """The first PREVIEW_CHARS characters of the stored text, for a payload too big to browse. For a
    masked role the cut goes back to the last comma or quote, so no email is cut short of masking,
    and \\uXXXX escapes are read as their characters first (an escaped "@" is an "@"), as the
    decoded document would be masked."""
    text = queries.payload_head(run_id, PREVIEW_CHARS)
    if mask.masks:
        text = text[: max(text.rfind(","), text.rfind('"')) + 1]
        text = mask.text(_U_ESCAPE.sub(_unescaped, text))
    return text


def run_detail_context(request, run: WrappedRun, model_admin) -> dict:
    """Everything the detail shows of the payload comes from the database (queries.for_detail): the
    payload itself is never loaded here; the viewer fetches it from the download (payload_view)."""
    mask = pii.masker(request)
    size = queries.payload_size(run)
    too_big = size > MAX_INLINE_PAYLOAD_BYTES
    context = {
        "run": run,
        "stage_label": queries.stage_label(run),
        "stage_jobs": queries.stage_jobs(run),
        "compare_url": reverse("admin:wrapped_wrappedrun_compare"),
        "run_warnings": [mask.text(note) for note in queries.run_warnings(run)],
        "analysis": queries.analysis_summary(mask.json(queries.detail_payload(run))),
        "payload_size": size,
        "payload_too_big": too_big,
        "payload_preview": payload_preview(run.pk, mask) if too_big else None,
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


# -- compare two runs' payloads ---------------------------------------------------------------------
DIFF_VALUE_CHARS = 300


def _shown(value, mask) -> str:
    """A changed value as short, masked JSON text (a whole added subtree is never rendered)."""
    if isinstance(value, queries.Summary):
        return str(value)
    if isinstance(value, dict):
        return f"{{object, {len(value)} keys}}" if len(value) > 20 else _cut(json.dumps(mask.json(value), default=str))
    if isinstance(value, list):
        return f"[array, {len(value)} items]" if len(value) > 20 else _cut(json.dumps(mask.json(value), default=str))
    return _cut(json.dumps(mask.json(value), default=str))


def _cut(text: str) -> str:
    return text if len(text) <= DIFF_VALUE_CHARS else text[: DIFF_VALUE_CHARS - 1] + "…"


def compare_view(request, model_admin):
    _require_view(request, model_admin)
    a, b = request.GET.get("a", "").strip()[:200], request.GET.get("b", "").strip()[:200]
    if not a or not b:
        return HttpResponse("Give two run ids: ?a=<run>&b=<run>.", status=400, content_type="text/plain")
    runs = queries.runs_to_compare(a, b)
    missing = [run_id for run_id in (a, b) if run_id not in runs]
    if missing:
        raise Http404(f"No such run: {', '.join(missing)}")
    mask = pii.masker(request)
    changes, cut = payload_changes(queries.compare_payloads(a, b))
    rows = [
        (
            mask.text(change.path),
            change.kind,
            "" if change.kind == jsondiff.ADDED else _shown(change.old, mask),
            "" if change.kind == jsondiff.REMOVED else _shown(change.new, mask),
        )
        for change in changes
    ]
    kinds = (jsondiff.ADDED, jsondiff.REMOVED, jsondiff.CHANGED, jsondiff.TYPE_CHANGED)
    counts = {kind: sum(1 for c in changes if c.kind == kind) for kind in kinds}
    return TemplateResponse(
        request,
        "admin/wrapped/wrappedrun/compare.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": "Compare two runs' payloads",
            "opts": model_admin.opts,
            "a": runs[a],
            "b": runs[b],
            "a_stage": queries.stage_label(runs[a]),
            "b_stage": queries.stage_label(runs[b]),
            "rows": rows,
            "counts": counts,
            "type_changed": counts[jsondiff.TYPE_CHANGED],
            "cut": cut,
            "limit": jsondiff.MAX_CHANGES,
            "swap_url": reverse("admin:wrapped_wrappedrun_compare") + "?" + _qs(a=b, b=a),
        },
    )


def payload_changes(entries) -> tuple[list[jsondiff.Change], bool]:
    """The differences of two payloads from their top-level entries (queries.compare_payloads):
    values small enough to send are diffed path by path; bigger ones are compared by their text
    in the database and listed as one change, summarised."""
    documents = [e for e in entries if e.key is None]
    if documents and not all(e.in_a and e.in_b for e in documents):  # an object against another type
        return _document_type_change(entries), False
    changes: list[jsondiff.Change] = []
    cut = False
    for entry in entries:
        if entry.same:
            continue
        path = entry.key or ""
        if not entry.in_a:
            changes.append(jsondiff.Change(path, jsondiff.ADDED, new=entry.b))
        elif not entry.in_b:
            changes.append(jsondiff.Change(path, jsondiff.REMOVED, old=entry.a))
        elif isinstance(entry.a, queries.Summary) or isinstance(entry.b, queries.Summary):
            kinds = {getattr(v, "kind", None) or jsondiff.kind_of(v) for v in (entry.a, entry.b)}
            kind = jsondiff.CHANGED if len(kinds) == 1 else jsondiff.TYPE_CHANGED
            changes.append(jsondiff.Change(path or "(document)", kind, entry.a, entry.b))
        else:
            found, cut_here = jsondiff.diff(entry.a, entry.b, limit=jsondiff.MAX_CHANGES - len(changes), path=path)
            changes.extend(found)
            cut = cut or cut_here
        if len(changes) >= jsondiff.MAX_CHANGES:
            return changes[: jsondiff.MAX_CHANGES], True
    return changes, cut


def _document_type_change(entries) -> list[jsondiff.Change]:
    def side(present, value_of):
        document = next((value_of(e) for e in entries if e.key is None and present(e)), None)
        if document is not None or any(e.key is None and present(e) for e in entries):
            return document
        return {e.key: value_of(e) for e in entries if present(e)}

    old = side(lambda e: e.in_a, lambda e: e.a)
    new = side(lambda e: e.in_b, lambda e: e.b)
    return [jsondiff.Change("(document)", jsondiff.TYPE_CHANGED, old, new)]


def _qs(**params) -> str:
    from urllib.parse import urlencode

    return urlencode(params)
