"""The "History" page of a row: what the back office did to it (its audit trail), newest first."""

from __future__ import annotations

from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.text import capfirst

HISTORY_LIMIT = 50
AUDIT_PERMISSION = "audit.view_actionrecord"


def trail(source: str, target_key: str, limit: int | None = None) -> tuple[list, bool]:
    """The latest `limit` calls on one target (one indexed query) and whether there are older ones."""
    from backoffice.audit.models import ActionRecord

    limit = HISTORY_LIMIT if limit is None else limit
    records = list(
        ActionRecord.objects.filter(source=source, target_key=str(target_key)).order_by("-created_at", "-id")[
            : limit + 1
        ]
    )
    return records[:limit], len(records) > limit


def history_response(request, model_admin, object_id, *, source: str, key_of):
    """The audit trail of the row `object_id` of `model_admin` (key_of(obj): its target_key)."""
    from backoffice.audit.admin import actions_on_url

    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)
    if not model_admin.has_view_or_change_permission(request, obj):
        raise PermissionDenied
    key = str(key_of(obj))
    records, older = trail(source, key)
    rows = [
        {
            "record": r,
            "reason": getattr(r, "reason", "") or "",
            "outcome_label": r.get_outcome_display(),
        }
        for r in records
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"History: {obj}",
        "subtitle": None,
        "object": obj,
        "object_url_pk": quote(obj.pk),
        "opts": model_admin.opts,
        "module_name": str(capfirst(model_admin.opts.verbose_name_plural)),
        "rows": rows,
        "older": older,
        "limit": HISTORY_LIMIT,
        "has_reason": any(r["reason"] for r in rows),
        "audit_url": actions_on_url(source, key) if request.user.has_perm(AUDIT_PERMISSION) else None,
        "target_key": key,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "backoffice/object_history.html", context)
