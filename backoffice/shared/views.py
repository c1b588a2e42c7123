"""Investigations you can share: "copy link" on lists, Find anything and the timeline.

POST /admin/shared/ (path, query) records the page's parameters and the moment (SharedView) and
shows the link: /admin/shared/<token>/. Opening it, a list is shown through its changelist with
`?_shared=<token>` (restricted to rows updated or created up to that moment, keyset pages); Find
anything and the timeline are rendered in place with the stored parameters (the timeline up to
that moment). No parameter value ever appears in the link.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import Resolver404, path, resolve, reverse
from django.utils import timezone

from backoffice.shared.models import SharedView

SHARED_VAR = "_shared"  # the token, on a changelist opened through a shared link
CURSOR_VAR = "_after"  # the keyset cursor of the next page of a shared list
DROPPED = {"p", SHARED_VAR, CURSOR_VAR}
IN_PLACE = {"find", "timeline"}  # pages rendered at the shared URL itself
MAX_QUERY = 4000


def _target(path_: str):
    """(kind, match) for a page that may be shared: a source changelist, Find anything or the timeline."""
    from django.contrib import admin

    from backoffice.admin_base import SourceModelAdmin

    try:
        match = resolve(path_)
    except Resolver404:
        return None, None
    if match.namespace != admin.site.name:
        return None, None
    if match.url_name in IN_PLACE:
        return "page", match
    if match.url_name and match.url_name.endswith("_changelist"):
        model_admin = getattr(match.func, "model_admin", None)
        if isinstance(model_admin, SourceModelAdmin):
            return "list", match
    return None, None


def share_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    from django.contrib import admin

    path_ = request.POST.get("path", "")
    kind, _ = _target(path_)
    if kind is None:
        raise PermissionDenied("Only a source list, Find anything or the timeline can be shared.")
    query = QueryDict(request.POST.get("query", "")[:MAX_QUERY], mutable=True)
    shared_from = query.get(SHARED_VAR)
    for name in DROPPED:
        query.pop(name, None)
    as_of = timezone.now()
    if shared_from:  # re-sharing a shared view keeps its parameters and moment
        original = SharedView.objects.filter(token=shared_from, path=path_).first()
        if original is not None:
            query, as_of = QueryDict(original.query, mutable=True), original.as_of
    record = SharedView.objects.create(
        token=secrets.token_urlsafe(18),
        path=path_,
        query=query.urlencode(),
        as_of=as_of,
        created_by=request.user,
        created_by_username=request.user.get_username(),
    )
    link = request.build_absolute_uri(reverse("admin:shared_open", args=[record.token]))
    return TemplateResponse(
        request,
        "backoffice/shared_created.html",
        {**admin.site.each_context(request), "title": "Link to share", "record": record, "link": link},
    )


def open_view(request, token: str):
    record = SharedView.objects.filter(token=token).first()
    if record is None:
        from django.contrib import admin

        return TemplateResponse(
            request,
            "backoffice/shared_missing.html",
            {**admin.site.each_context(request), "title": "No such shared link"},
            status=404,
        )
    extra = {k: v for k, v in request.GET.items() if k != CURSOR_VAR}
    if extra:  # a search typed on the shared page: the ordinary page with those parameters
        return HttpResponseRedirect(f"{record.path}?{urlencode(extra)}")
    kind, match = _target(record.path)
    if kind == "list":
        params = {SHARED_VAR: record.token}
        if request.GET.get(CURSOR_VAR):
            params[CURSOR_VAR] = request.GET[CURSOR_VAR]
        return HttpResponseRedirect(f"{record.path}?{urlencode(params)}")
    if kind is None:
        raise PermissionDenied("This shared link points to a page that can no longer be shared.")
    query = QueryDict(record.query, mutable=True)
    if match.url_name == "timeline" and not query.get("before"):
        query["before"] = record.as_of.isoformat()
    request.GET = query
    request.shared_view = record
    return match.func(request, *match.args, **match.kwargs)


def urls(admin_site):
    return [
        path("shared/", admin_site.admin_view(share_view), name="shared_create"),
        path("shared/<str:token>/", admin_site.admin_view(open_view), name="shared_open"),
    ]
