"""A leaner `result_list` for source changelists: same markup as Django's, less work per cell.

Django's admin renders every cell through several helpers and the template engine: it looks up
the empty-value text, reverses the row URL and re-applies the preserved filters for every row,
and wraps each cell with format_html; the template then resolves every cell again. On a 50-row,
10-column page that is most of the request. Here those are done once per page, each cell still
goes through Django's own lookup_field / display_for_field / display_for_value (so it shows the
same thing), and a row is handed to the template as one pre-joined safe string. The one
difference: a date and time is shown like every other date in the back office ("4 min ago", the
exact UTC time on hover), not in Django's locale format.
"""

from __future__ import annotations

import datetime

from django import template
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _coerce_field_name,
    result_headers,
    result_hidden_fields,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value, lookup_field, quote
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

from backoffice.templatetags.backoffice_format import when

register = template.Library()
_PK_MARKER = "00000000-pk-marker-00000000"


@register.inclusion_tag("admin/change_list_results.html")
def source_result_list(cl):
    if cl.formset:  # list_editable: not used by source admins, keep Django's path
        from django.contrib.admin.templatetags.admin_list import result_list

        return result_list(cl)
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": [ResultList(None, [row]) for row in _rows(cl)],
    }


def _rows(cl):
    model_admin = cl.model_admin
    empty = model_admin.get_empty_value_display()
    link_columns = _link_columns(cl)
    url_template = _url_template(cl)
    pk_attname = cl.lookup_opts.pk.attname
    for result in cl.result_list:
        cells = []
        first = True
        for index, name in enumerate(cl.list_display):
            classes = ["field-" + _coerce_field_name(name, index)]
            linked = name in link_columns
            result_repr = _cell(name, result, model_admin, empty, classes, linked)
            class_attr = ' class="' + " ".join(classes) + '"'
            if linked:
                tag = "th" if first else "td"
                first = False
                if url_template is None:
                    inner = result_repr
                else:
                    url = url_template.replace(_PK_MARKER, escape(quote(getattr(result, pk_attname))))
                    inner = '<a href="' + url + '">' + result_repr + "</a>"
                cells.append(f"<{tag}{class_attr}>{inner}</{tag}>")
            else:
                cells.append(f"<td{class_attr}>{result_repr}</td>")
        yield mark_safe("".join(cells))


def _cell(name, result, model_admin, empty, classes, linked) -> str:
    """Django's items_for_result logic for one cell, returning escaped HTML."""
    try:
        field, attr, value = lookup_field(name, result, model_admin)
    except ObjectDoesNotExist:
        return conditional_escape(empty)
    cell_empty = getattr(attr, "empty_value_display", empty)
    if isinstance(value, str) and value.strip() == "":
        value = ""
    if field is None or field.auto_created:
        if name == "action_checkbox":
            classes[:] = ["action-checkbox"]
        boolean = getattr(attr, "boolean", False)
        if isinstance(attr, property) and hasattr(attr, "fget"):
            boolean = getattr(attr.fget, "boolean", False)
        if isinstance(value, datetime.datetime):
            classes.append("nowrap")
            return when(value)
        shown = display_for_value(value, cell_empty, boolean)
        if isinstance(value, datetime.date | datetime.time):
            classes.append("nowrap")
    else:
        if isinstance(field.remote_field, models.ManyToOneRel):
            related = getattr(result, field.name)
            shown = cell_empty if related is None else related
        elif isinstance(value, datetime.datetime):
            classes.append("nowrap")
            return when(value)
        else:
            shown = display_for_field(value, field, cell_empty, avoid_link=linked)
        if isinstance(field, models.DateField | models.TimeField | models.ForeignKey):
            classes.append("nowrap")
    return conditional_escape(shown)


def _link_columns(cl) -> set:
    if cl.list_display_links is None:
        return set()
    if cl.list_display_links:
        return set(cl.list_display_links)
    first = next((n for n in cl.list_display if n != "action_checkbox"), None)
    return {first} if first is not None else set()


def _url_template(cl) -> str | None:
    """The row URL with a marker for the pk: reversed and filter-preserved once per page."""
    try:
        url = cl.url_for_result(_PkMarker(cl.lookup_opts.pk.attname))
    except NoReverseMatch:
        return None
    return escape(add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url))


class _PkMarker:
    """Stands in for a row in ChangeList.url_for_result."""

    def __init__(self, attname):
        setattr(self, attname, _PK_MARKER)
        self.pk = _PK_MARKER


@register.inclusion_tag("backoffice/list_pagination.html")
def source_pagination(cl):
    return {"cl": cl}


@register.inclusion_tag("backoffice/list_search_form.html")
def source_search_form(cl):
    from django.contrib.admin.views.main import SEARCH_VAR

    return {"cl": cl, "search_var": SEARCH_VAR}


@register.simple_tag
def source_page_url(cl, number):
    from django.contrib.admin.views.main import PAGE_VAR

    return cl.get_query_string({PAGE_VAR: number})
