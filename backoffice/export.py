"""CSV export of what a list page shows: the same filters, search, columns and PII masking.

Anyone who may see the list may export it; a role without `access.view_pii` gets the values masked,
as on the page. Every export writes an audit row (who, which list, filters, row count). An export is
bounded: at most BULK_ACTION_LIMIT rows, EXPORT_MAX_CELL_CHARS characters per cell and
EXPORT_MAX_BYTES bytes; what was cut is said in the file's last line and in response headers.
"""

from __future__ import annotations

import csv
import io
import re

from django.conf import settings
from django.contrib.admin.utils import label_for_field, lookup_field
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.html import strip_tags
from django.utils.safestring import SafeData

from backoffice import pii

EXPORT_PERMISSION = "access.export_rows"  # unmasked-by-role exports are no longer a separate right
SKIP_COLUMNS = {"action_checkbox"}
TRUNCATED_MARK = "…[cut]"


def max_bytes() -> int:
    return int(getattr(settings, "EXPORT_MAX_BYTES", 2_000_000))


def max_cell_chars() -> int:
    return int(getattr(settings, "EXPORT_MAX_CELL_CHARS", 1000))


def export_changelist_csv(model_admin, request) -> HttpResponse:
    """At most BULK_ACTION_LIMIT rows of the current list, as the user sees them."""
    from backoffice.admin_base import BadListParameters, bad_parameters_response

    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        changelist = model_admin.get_changelist_instance(request)
    except BadListParameters as exc:
        return bad_parameters_response(request, model_admin, exc)
    columns = [c for c in changelist.list_display if c not in SKIP_COLUMNS]
    row_limit = int(settings.BULK_ACTION_LIMIT)
    rows = changelist.get_queryset(request)[: row_limit + 1]
    opts = model_admin.model._meta
    mask = pii.masker(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([strip_tags(str(label_for_field(c, model_admin.model, model_admin))) for c in columns])
    budget = max_bytes()
    size = len(buffer.getvalue().encode())
    written, cut_cells, stopped = 0, 0, ""
    for index, row in enumerate(rows):
        if index >= row_limit:
            stopped = f"row limit: only the first {row_limit} rows"
            break
        cells = []
        for column in columns:
            text, was_cut = _cell(column, row, model_admin, mask)
            cut_cells += was_cut
            cells.append(text)
        line = io.StringIO()
        csv.writer(line).writerow(cells)
        encoded = len(line.getvalue().encode())
        if size + encoded > budget:
            stopped = f"size limit: only the first {written} rows fit in {budget} bytes"
            break
        buffer.write(line.getvalue())
        size += encoded
        written += 1
    notes = []
    if stopped:
        notes.append(f"export truncated at the {stopped}; narrow the filters for the rest")
    if cut_cells:
        notes.append(f"{cut_cells} cells longer than {max_cell_chars()} characters were cut ({TRUNCATED_MARK})")
    if mask.masks:
        notes.append("personal data masked for your role")
    if notes:
        writer.writerow(["# " + "; ".join(notes)])
    body = buffer.getvalue().encode()
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{opts.app_label}-{opts.model_name}.csv"'
    response["X-Export-Rows"] = str(written)
    if stopped:
        response["X-Export-Truncated"] = stopped
    audit_export(request, model_admin, written, len(body), notes)
    return response


def audit_export(request, model_admin, row_count: int, size: int, notes: list[str]) -> None:
    from backoffice.audit.models import ActionRecord

    opts = model_admin.model._meta
    user = request.user
    filters = {key: request.GET.getlist(key) for key in sorted(request.GET)}
    ActionRecord.objects.create(
        user=user,
        username=user.get_username(),
        source=opts.app_label,
        action="export_csv",
        target_type=f"{opts.verbose_name_plural} (list)",
        target_key=opts.label_lower,
        method="GET",
        path=request.get_full_path()[:500],
        request_body={"list": opts.label_lower, "filters": filters, "rows": row_count, "bytes": size},
        http_status=200,
        outcome="ok",
        message=f"exported {row_count} rows ({size} bytes)" + (f"; {'; '.join(notes)}" if notes else ""),
    )


MARKUP_TAG = re.compile(r"<[^>]*>")


def _plain(value) -> str:
    """The cell's text without tags. Markup the admin built (format_html: its values escaped, so a
    `<` is always a tag) loses its tags by a regular expression; other text goes through
    strip_tags, and only when it has a `<` (strip_tags is an HTML parse, most of an export's time)."""
    if isinstance(value, SafeData):
        return MARKUP_TAG.sub("", value)
    text = str(value)
    return strip_tags(text) if "<" in text else text


def _cell(column, row, model_admin, mask) -> tuple[str, bool]:
    _field, _attr, value = lookup_field(column, row, model_admin)
    if value is None:
        return "", False
    text = mask.text(_plain(value).strip())
    limit = max_cell_chars()
    cut = len(text) > limit
    if cut:
        text = text[:limit] + TRUNCATED_MARK
    # Spreadsheets run cells that start with = + - @ as formulas: never hand them one.
    return ("'" + text if text[:1] in ("=", "+", "-", "@") else text), cut
