"""The "Find anything" page behind the search box in every page's header."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from backoffice.find import MAX_TERM_LENGTH, find_everywhere
from backoffice.search import TEXT, classify

PERMISSION = "access.search_people"


def find_view(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    from django.contrib import admin

    term = request.GET.get("q", "").replace("\x00", "").strip()[:MAX_TERM_LENGTH]
    kinds, groups = find_everywhere(term, request.user) if term else (set(), [])
    found = [g for g in groups if g.hits]
    return TemplateResponse(
        request,
        "backoffice/find.html",
        {
            **admin.site.each_context(request),
            "title": "Find anything",
            "term": term,
            "kinds": sorted(kinds - {TEXT}) or (["identifier"] if TEXT in kinds else []),
            "not_identifier": bool(term) and TEXT not in kinds,
            "found": found,
            "empty_groups": [g for g in groups if not g.hits and not g.problem],
            "problems": [g for g in groups if g.problem],
        },
    )


def timeline_view(request):
    from django.contrib import admin
    from django.utils.dateparse import parse_datetime

    from backoffice import timeline

    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    term = request.GET.get("q", "").replace("\x00", "").strip()[:MAX_TERM_LENGTH]
    before = None
    raw_before = request.GET.get("before", "")
    if raw_before:
        try:
            before = parse_datetime(raw_before)
        except ValueError:
            before = None
        if before is None or before.tzinfo is None:
            return TemplateResponse(
                request,
                "backoffice/timeline.html",
                {**admin.site.each_context(request), "title": "Timeline", "term": term, "bad_before": raw_before},
                status=400,
            )
    result = timeline.build(term, request.user, before) if term and TEXT in classify(term) else None
    return TemplateResponse(
        request,
        "backoffice/timeline.html",
        {
            **admin.site.each_context(request),
            "title": f"Timeline of {term}" if term else "Timeline",
            "term": term,
            "timeline": result,
            "not_identifier": bool(term) and result is None,
        },
    )
