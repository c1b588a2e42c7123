"""CSV export of what a list page shows: the same filters, search, columns and PII masking."""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.html import strip_tags

from backoffice import pii

EXPORT_PERMISSION = "access.export_rows"
SKIP_COLUMNS = {"action_checkbox"}


def export_changelist_csv(model_admin, request) -> HttpResponse:
    """At most BULK_ACTION_LIMIT rows of the current list, as the user sees them."""
    from backoffice.admin_base import BadListParameters, bad_parameters_response

    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    try:
        changelist = model_admin.get_changelist_instance(request)
    except BadListParameters as exc:
        return bad_parameters_response(request, model_admin, exc)
    columns = [c for c in changelist.list_display if c not in SKIP_COLUMNS]
    rows = changelist.get_queryset(request)[: settings.BULK_ACTION_LIMIT]
    opts = model_admin.model._meta
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{opts.app_label}-{opts.model_name}.csv"'
    writer = csv.writer(response)
    writer.writerow([strip_tags(str(label_for_field(c, model_admin.model, model_admin))) for c in columns])
    mask = pii.masker(request)
    for row in rows:
        writer.writerow([_cell(c, row, model_admin, mask) for c in columns])
    return response


def _cell(column, row, model_admin, mask) -> str:
    _field, _attr, value = lookup_field(column, row, model_admin)
    if value is None:
        return ""
    text = mask.text(strip_tags(str(value)).strip())
    # Spreadsheets run cells that start with = + - @ as formulas: never hand them one.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
