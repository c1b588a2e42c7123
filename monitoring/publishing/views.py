"""The publishing stats API: JSON for a staff session or a read-only API token."""

from __future__ import annotations

import logging

import django_filters
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from backoffice.access import tokens
from backoffice.snapshots import snapshot
from monitoring.publishing import stats
from monitoring.publishing.models import PublishLog

logger = logging.getLogger(__name__)

CACHE_SECONDS = 5  # fresh this long; then the caller that takes the lock recomputes, the others get it with its Age
VIEW_PERMISSION = "publishing.view_publishlog"


class NoParameters(django_filters.FilterSet):
    class Meta:
        model = PublishLog
        fields = []


class PlatformParameter(django_filters.FilterSet):
    """?platform=: one of the seed's four platforms; it narrows the publish logs counted."""

    platform = django_filters.ChoiceFilter(choices=[(p, p) for p in stats.PLATFORMS])

    class Meta:
        model = PublishLog
        fields = ["platform"]


# endpoint -> (its declared query parameters, its figures from the validated parameters)
ENDPOINTS = {
    "overview": (NoParameters, lambda params: stats.overview()),
    "queue": (PlatformParameter, lambda params: stats.queue(platform=params.form.cleaned_data["platform"] or None)),
    "orchestrator": (NoParameters, lambda params: stats.orchestrator()),
    "platforms": (PlatformParameter, lambda params: stats.platforms(only=params.form.cleaned_data["platform"] or None)),
    "campaigns": (NoParameters, lambda params: stats.campaigns()),
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
    parameters_class, compute = ENDPOINTS[endpoint]
    unknown = sorted(set(request.GET) - set(parameters_class.base_filters))
    if unknown:
        return _error(400, "Unknown query parameter.", unknown=unknown, allowed=sorted(parameters_class.base_filters))
    parameters = parameters_class(request.GET, queryset=PublishLog.objects.all())
    if not parameters.is_valid():
        return _error(400, "Invalid query parameter.", fields=parameters.errors.get_json_data())
    cleaned = parameters.form.cleaned_data
    key = "publishing-stats-" + "-".join([endpoint, *(f"{k}={v}" for k, v in sorted(cleaned.items()))])
    try:
        state = snapshot(key, CACHE_SECONDS, lambda: {"stats": compute(parameters)})
        # None: another caller is computing the first snapshot; this one cannot answer without it
        state = state or {"stats": compute(parameters), "computed_at": timezone.now()}
    except DatabaseError as exc:
        logger.warning("publishing stats %s failed: %s", endpoint, exc)
        return _error(503, "The publishing database did not answer; try again shortly.")
    result = state["stats"]
    response = JsonResponse(result.data)
    if result.estimated:
        response["X-Estimated-Fields"] = ",".join(result.estimated)
    response["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
    response["Age"] = str(int((timezone.now() - state["computed_at"]).total_seconds()))
    return response
