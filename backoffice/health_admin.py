"""The "Source health" admin page (admin role only) and the schema-drift banner of source pages.

Reports are snapshots (backoffice.snapshots) refreshed once a minute per source, after a
response, so the page and the banners cost three catalog queries per source per minute at most
and no page waits for them. Importing this module registers the
page as an admin tool (see the lead's wiring in BackofficeConfig.ready / backoffice/urls.py).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.template.response import TemplateResponse

from backoffice.admin_site import Tool
from backoffice.health import ERROR, INFO, OK, WARNING, SourceReport, check_source
from backoffice.snapshots import cached_value

logger = logging.getLogger(__name__)

CACHE_SECONDS = 60
PERMISSION = "audit.view_actionrecord"  # the admin role
MARKS = {OK: "✓", INFO: "·", WARNING: "!", ERROR: "✗"}


def _cache_key(alias: str) -> str:
    # The database name is part of the key: a retargeted alias (tests, failover) is a new report.
    return f"backoffice:health:{alias}:{connections[alias].settings_dict.get('NAME')}"


def cached_report(alias: str, *, refresh: bool = False) -> SourceReport:
    """The source's report: a snapshot refreshed after the response once it is CACHE_SECONDS old
    (so no list page waits for the catalog queries), or checked now with `refresh`."""
    key = _cache_key(alias)
    if refresh:
        cache.delete(key)
    return cached_value(key, CACHE_SECONDS, lambda: check_source(alias))


def cached_reports(*, refresh: bool = False) -> list[SourceReport]:
    return [cached_report(alias, refresh=refresh) for alias in settings.CONFIGURED_SOURCES]


def cached_api_check(alias: str, *, refresh: bool = False):
    """The source's admin API check (backoffice.api_health), cached CACHE_SECONDS; the key is not
    part of the cache key (nor of the report)."""
    from backoffice.api_health import check_api

    key = f"backoffice:health-api:{alias}:{(settings.SOURCE_APIS.get(alias) or {}).get('base_url')}"
    check = None if refresh else cache.get(key)
    if check is None:
        check = check_api(alias)
        cache.set(key, check, CACHE_SECONDS)
    return check


def health_view(request):
    """Every configured source's report; ?refresh=1 bypasses the cache."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied("Only admins may see the source health report.")
    refresh = request.GET.get("refresh") == "1"
    reports = cached_reports(refresh=refresh)
    sources = []
    for report in reports:
        api_check = cached_api_check(report.alias, refresh=refresh)
        sources.append(
            {
                "report": report,
                "findings": [{**vars(f), "mark": MARKS[f.severity]} for f in report.findings],
                "suggestions": "\n".join(report.index_suggestions),
                "api": api_check,
                "api_mark": MARKS[api_check.severity],
            }
        )
    return TemplateResponse(
        request,
        "backoffice/health.html",
        {
            **admin.site.each_context(request),
            "title": "Source health",
            "sources": sources,
            "unusable": [r.alias for r in reports if r.unusable],
            "cache_seconds": CACHE_SECONDS,
        },
    )


def drift_banner_for(request, alias: str, table: str | None = None) -> str | None:
    """A one-line warning when the source's schema has drifted in a way that breaks a page.

    `table` (optional: the db_table of the page being shown) puts that table's problem first.
    Never raises: a banner must not be the thing that breaks the page.
    """
    if alias not in settings.CONFIGURED_SOURCES:
        return None
    try:
        report = cached_report(alias)
    except Exception:  # the banner is best effort
        logger.exception("health check of %s failed while building the drift banner", alias)
        return None
    breaking = report.breaking()
    if not breaking:
        return None
    if table:
        breaking.sort(key=lambda f: f.table != table)
    first = breaking[0]
    if first.kind == "missing_column":
        problem = f"table `{first.table}` lacks column `{first.column}`"
    elif first.kind == "missing_table":
        problem = f"table `{first.table}` is missing"
    else:
        problem = f"column `{first.table}.{first.column}` has an incompatible type"
    more = (
        f" (and {len(breaking) - 1} more schema problem{'s' if len(breaking) > 2 else ''})" if len(breaking) > 1 else ""
    )
    return f"The {alias} source's {problem}{more}: its pages may fail. Ask an admin to run check_sources."


def register() -> None:
    """Add the page to the admin site once (importing this module twice must not add it twice)."""
    if not any(t.name == "source_health" for t in admin.site.tools):
        admin.site.register_tool(
            Tool("health/", health_view, "source_health", "Source health", "backoffice", PERMISSION)
        )


register()
