"""The publishing stats API: JSON for a staff session or a read-only API token."""

from __future__ import annotations

import logging

from django import forms
from django.core.cache import cache
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET

from backoffice.access import tokens
from monitoring.publishing import stats

logger = logging.getLogger(__name__)

CACHE_SECONDS = 5
VIEW_PERMISSION = "publishing.view_publishlog"


class NoParameters(forms.Form):
    pass


class PlatformParameter(forms.Form):
    platform = forms.ChoiceField(choices=[(p, p) for p in stats.PLATFORMS], required=False)


ENDPOINTS = {
    "overview": (NoParameters, lambda p: stats.overview()),
    "queue": (PlatformParameter, lambda p: stats.queue(platform=p.get("platform") or None)),
    "orchestrator": (NoParameters, lambda p: stats.orchestrator()),
    "platforms": (PlatformParameter, lambda p: stats.platforms(only=p.get("platform") or None)),
    "campaigns": (NoParameters, lambda p: stats.campaigns()),
}


def _error(status: int, message: str, **extra) -> JsonResponse:
    response = JsonResponse({"error": message, **extra}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="backoffice"'
    return response


def _caller(request):
    if request.user.is_authenticated and request.user.is_staff and request.user.is_active:
        return request.user
    return tokens.user_for_request(request)


@require_GET
def stats_view(request, endpoint: str):
    if endpoint not in ENDPOINTS:
        raise Http404("No such statistics endpoint")
    user = _caller(request)
    if user is None:
        return _error(401, "Authentication required: log in, or send “Authorization: Bearer <API token>”.")
    if not user.has_perm(VIEW_PERMISSION):
        return _error(403, "Your role may not read publishing statistics.")
    form_class, compute = ENDPOINTS[endpoint]
    unknown = sorted(set(request.GET) - set(form_class.base_fields))
    if unknown:
        return _error(400, "Unknown query parameter.", unknown=unknown, allowed=sorted(form_class.base_fields))
    form = form_class(request.GET)
    if not form.is_valid():
        return _error(400, "Invalid query parameter.", fields=form.errors.get_json_data())
    key = "publishing-stats-" + "-".join([endpoint, *(f"{k}={v}" for k, v in sorted(form.cleaned_data.items()))])
    result = cache.get(key)
    if result is None:
        try:
            result = compute(form.cleaned_data)
        except DatabaseError as exc:
            logger.warning("publishing stats %s failed: %s", endpoint, exc)
            return _error(503, "The publishing database did not answer; try again shortly.")
        cache.set(key, result, CACHE_SECONDS)
    response = JsonResponse(result.data)
    if result.estimated:
        response["X-Estimated-Fields"] = ",".join(result.estimated)
    response["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
    return response
