"""Personal data shown masked unless the user may see it: one mechanism for every page.

A `Masker` is made per viewer (`masker_for(user)`); it masks a column value (`value`), every email
inside free text (`text`), every email inside a JSON document (`json`) and inside JSON that is
already serialized (`json_text`). Support and up get the identity masker.

Code that renders without the request at hand (display helpers such as `json_block`) uses the
masker of the current request, bound by `backoffice.middleware.SourceErrorMiddleware`; outside a
request the current masker masks (the safe default).
"""

from __future__ import annotations

import contextvars
import re
from typing import Any

PII_PERMISSION = "access.view_pii"
MASKED_NONE = "—"

# An email inside free text or serialized JSON: found from each "@" outwards (linear time, whatever
# the text). Neither part contains a quote, a backslash, whitespace or markup, so a match never
# spans a JSON string boundary, an escape sequence or an HTML tag.
LOCAL_PART_STOP = frozenset(" \t\r\n\f\v\"'\\<>()[]{},;:@/&=")
DOMAIN_RE = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def can_see_pii(user) -> bool:
    return bool(user and getattr(user, "is_active", False) and user.has_perm(PII_PERMISSION))


def mask_email(value: str | None) -> str:
    if not value or not isinstance(value, str):
        return MASKED_NONE
    local, _, domain = value.partition("@")
    if not domain:
        return local[:1] + "***"
    return f"{local[:1]}***@{domain}"


def mask_text(text: str) -> str:
    """Every email inside `text` masked (`john@x.com` → `j***@x.com`)."""
    if "@" not in text:
        return text
    parts, last = [], 0
    at = text.find("@")
    while at != -1:
        domain = DOMAIN_RE.match(text, at + 1)
        start = at
        while start > last and text[start - 1] not in LOCAL_PART_STOP:
            start -= 1
        if start > 0 and text[start - 1] == "\\":  # inside serialized JSON: keep the escape whole
            start = min(at, start + (5 if text[start] == "u" else 1))
        if domain and start < at:
            parts += [text[last:start], mask_email(text[start : domain.end()])]
            last = domain.end()
        at = text.find("@", max(at + 1, last))
    parts.append(text[last:])
    return "".join(parts)


def mask_json(value: Any) -> Any:
    """A copy of a JSON-like value with every email inside its strings (keys included) masked."""
    if isinstance(value, dict):
        return {mask_json(k) if isinstance(k, str) else k: mask_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_json(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


class Masker:
    """What one viewer may see. `masks` is False for roles with access.view_pii."""

    def __init__(self, masks: bool):
        self.masks = masks

    def value(self, value: Any) -> str:
        """A PII column's value (the whole value is personal: an email, an address)."""
        if value in (None, ""):
            return MASKED_NONE
        return mask_email(str(value)) if self.masks else value

    def text(self, text: Any) -> Any:
        """Free text (an error message, a log line, a CSV cell): emails inside it masked."""
        return mask_text(text) if self.masks and isinstance(text, str) else text

    def json(self, value: Any) -> Any:
        return mask_json(value) if self.masks else value

    def json_text(self, text: str) -> str:
        """Serialized JSON: masking inside it keeps it valid JSON (see EMAIL_IN_TEXT_RE)."""
        return mask_text(text) if self.masks else text


SEES_ALL = Masker(False)
MASKS = Masker(True)


def masker_for(user) -> Masker:
    return SEES_ALL if can_see_pii(user) else MASKS


def masker(request=None) -> Masker:
    """The request's masker; without a request, the one bound to the current request (or MASKS)."""
    if request is not None:
        cached = getattr(request, "_pii_masker", None)
        if cached is None:
            cached = request._pii_masker = masker_for(getattr(request, "user", None))
        return cached
    bound = _current_request.get()
    return masker(bound) if bound is not None else MASKS


_current_request: contextvars.ContextVar = contextvars.ContextVar("pii_request", default=None)


def current_request():
    """The request being rendered (bound by the middleware), or None outside one."""
    return _current_request.get()


def bind(request) -> contextvars.Token:
    return _current_request.set(request)


def unbind(token: contextvars.Token) -> None:
    _current_request.reset(token)


def email_for(user, value: str | None) -> str:
    return masker_for(user).value(value)


MASKED_CONTENT_TYPES = ("text/html", "application/json", "text/plain", "text/csv")


def mask_response(request, response):
    """The last line: for a viewer who may not see personal data, every email left in a page,
    JSON answer or download is masked, whichever code path rendered it."""
    if getattr(response, "streaming", False) or not masker(request).masks:
        return response
    if getattr(response, "pii_revealed", False):  # a break-glass reveal, granted and audited
        return response
    if not str(response.get("Content-Type", "")).startswith(MASKED_CONTENT_TYPES):
        return response
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.add_post_render_callback(lambda r: _mask_content(r))
        return response
    _mask_content(response)
    return response


def _mask_content(response):
    content = response.content
    if b"@" not in content:
        return response
    charset = getattr(response, "charset", None) or "utf-8"
    try:
        text = content.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return response
    response.content = mask_text(text).encode(charset)
    return response


# -- break-glass reveal ----------------------------------------------------------------------------
# A role that sees a value masked may reveal it: it gives a reason, the value is shown to that user,
# for that object and field, for REVEAL_SECONDS (a server-side grant), and an audit row is written
# (action "reveal"; admins list reveals by user in the audit log).
REVEAL_ACTION = "reveal"


def active_grant(user, obj, field: str):
    from django.utils import timezone

    from backoffice.audit.models import RevealGrant

    return (
        RevealGrant.objects.filter(
            user=user,
            object_type=obj._meta.label_lower,
            object_pk=str(obj.pk),
            field=field,
            expires_at__gt=timezone.now(),
        )
        .order_by("-expires_at")
        .first()
    )


def reveal_view(model_admin, request, object_id):
    from datetime import timedelta

    from django.conf import settings
    from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
    from django.template.response import TemplateResponse
    from django.utils import timezone

    from backoffice.actions import clean_reason, reason_error
    from backoffice.audit.models import ActionRecord, RevealGrant

    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if not model_admin.has_view_permission(request):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    field = request.GET.get("field", "")
    if field not in getattr(model_admin, "pii_fields", ()):
        raise Http404("Nothing to reveal here.")
    obj = model_admin.get_object(request, object_id)
    if obj is None:
        raise Http404("No such row.")
    opts = model_admin.model._meta
    detail_url = model_admin.object_url(obj, "change")
    value = getattr(obj, field, None)
    masked = masker(request).masks
    problem, reason = None, ""
    if request.method == "POST" and masked:
        reason = clean_reason(request.POST.get("reason", ""))
        problem = reason_error(reason)
        if not problem:
            seconds = int(getattr(settings, "REVEAL_SECONDS", 300))
            RevealGrant.objects.create(
                user=request.user,
                object_type=opts.label_lower,
                object_pk=str(obj.pk),
                field=field,
                reason=reason,
                expires_at=timezone.now() + timedelta(seconds=seconds),
            )
            ActionRecord.objects.create(
                user=request.user,
                username=request.user.get_username(),
                source=opts.app_label,
                action=REVEAL_ACTION,
                target_type=f"{opts.verbose_name} {field}",
                target_key=str(obj.pk)[:200],
                target_ids=[str(obj.pk)],
                method="",
                path=request.path[:500],
                outcome="ok",
                message=f"revealed {field} for {seconds} s",
                reason=reason,
            )
            return HttpResponseRedirect(request.get_full_path())
    grant = active_grant(request.user, obj, field) if masked else None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Reveal {opts.get_field(field).verbose_name} of {obj}",
        "opts": opts,
        "object": obj,
        "field": field,
        "detail_url": detail_url,
        "needs_reveal": masked,
        "grant": grant,
        "shown": value if (grant or not masked) else None,
        "masked_value": mask_email(str(value)) if value else MASKED_NONE,
        "reason": reason,
        "reason_error": problem,
        "seconds": int(getattr(settings, "REVEAL_SECONDS", 300)),
    }
    request.current_app = model_admin.admin_site.name
    response = TemplateResponse(request, "backoffice/reveal.html", context)
    if grant is not None:
        response.pii_revealed = True  # mask_response leaves this one page alone
    return response
