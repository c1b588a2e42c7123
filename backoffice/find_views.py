"""The "Find anything" page behind the search box in every page's header."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from backoffice.find import MAX_TERM_LENGTH, find_everywhere
from backoffice.search import TEXT

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
