"""Is each source's admin API usable? Reachable, the key accepted, and how fast it answers.

One cheap authenticated GET the service documents per source (Wrapped: `GET /admin/metrics`); a
source without a documented read-only endpoint is reported "not checked" rather than probed with
a call that could change something. The key is sent in `X-Admin-Key` and never appears in a
report (the client scrubs it from every message). Used by the "Source health" page and
`manage.py check_sources`, never by ordinary pages.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from django.apps import apps
from django.conf import settings

from backoffice import api

# Documented read-only endpoints that need the admin key. An AppConfig may declare its own
# `api_health_path`.
READ_ENDPOINTS = {"wrapped": "/admin/metrics"}
SLOW_MS = 2000  # an answer slower than this is reported as slow
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0

OK, INFO, WARNING, ERROR = "ok", "info", "warning", "error"


@dataclass
class ApiCheck:
    alias: str
    severity: str  # ok / info / warning / error
    state: str  # ok, slow, not configured, not checked, unreachable, key refused, service error, timed out, ...
    message: str
    endpoint: str = ""
    http_status: int | None = None
    duration_ms: int | None = None
    checked_at: datetime | None = None

    def as_dict(self) -> dict:
        return asdict(self)


class _HealthClient(api.AdminApiClient):
    connect_retries = 0  # a health check reports what it sees, once

    def timeouts(self) -> tuple[float, float]:
        connect, read = super().timeouts()
        return (min(connect, CONNECT_TIMEOUT), min(read, READ_TIMEOUT))

    def _log(self, result) -> None:  # reported on the page / in the terminal instead
        pass


def endpoint_for(alias: str) -> str | None:
    try:
        declared = getattr(apps.get_app_config(alias), "api_health_path", None)
    except LookupError:
        declared = None
    return declared or READ_ENDPOINTS.get(alias)


def check_api(alias: str) -> ApiCheck:
    now = datetime.now(UTC)
    config = settings.SOURCE_APIS.get(alias) or {}
    prefix = alias.upper()
    if not config.get("base_url"):
        return ApiCheck(
            alias,
            INFO,
            "not configured",
            f"no admin API configured ({prefix}_API_URL unset): actions are off",
            checked_at=now,
        )
    path = endpoint_for(alias)
    if not config.get("admin_key"):
        return ApiCheck(
            alias, WARNING, "not configured", f"{prefix}_ADMIN_KEY unset: actions will be refused", checked_at=now
        )
    if path is None:
        return ApiCheck(
            alias,
            INFO,
            "not checked",
            "not checked: the service documents no read-only endpoint to try the key on",
            checked_at=now,
        )
    client = _HealthClient(alias)
    started = time.monotonic()
    try:
        result = client.get(path)
    finally:
        client.session.close()
    elapsed = result.duration_ms or int((time.monotonic() - started) * 1000)
    check = ApiCheck(
        alias,
        ERROR,
        "",
        "",
        endpoint=f"GET {path}",
        http_status=result.http_status,
        duration_ms=elapsed,
        checked_at=now,
    )
    if result.outcome == api.OK:
        if elapsed > SLOW_MS:
            check.severity, check.state = WARNING, "slow"
            check.message = f"reachable, key accepted, but slow: answered in {elapsed} ms (over {SLOW_MS} ms)"
        else:
            check.severity, check.state = OK, "ok"
            check.message = f"reachable, key accepted, answered in {elapsed} ms"
    elif result.outcome == api.REJECTED and result.http_status in (401, 403):
        check.state = "key refused"
        check.message = f"reachable, but the key was refused (HTTP {result.http_status}): check {prefix}_ADMIN_KEY"
    elif result.outcome == api.REJECTED:
        check.state = "rejected"
        check.message = f"reachable, but {check.endpoint} answered HTTP {result.http_status}: {result.message}"
    elif result.outcome == api.SERVICE_ERROR:
        check.state = "service error"
        check.message = f"reachable, but the service failed (HTTP {result.http_status}): {result.message}"
    elif result.outcome == api.TIMEOUT:
        check.state = "timed out"
        check.message = f"no answer within {client.timeouts()[1]:g} s"
    else:
        check.state = "unreachable"
        check.message = result.message.split("; the request was sent")[0]
    return check
