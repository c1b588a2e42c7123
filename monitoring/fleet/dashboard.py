"""Fleet panels of the landing dashboard."""

from __future__ import annotations

from django.db import connections
from django.utils import timezone

from backoffice.dashboard import Panel
from monitoring.fleet.models import LOW_BATTERY, LOW_STORAGE_GB, STATE_GROUPS

SEVERITIES = ("critical", "error", "warning", "info")


def fleet_now() -> dict:
    """Devices by status with low battery / storage, live accounts by state, unresolved events, failed posts today."""
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    with connections["fleet"].cursor() as cursor:
        cursor.execute(
            """
            SELECT 'device', status::text, count(*),
                   count(*) FILTER (WHERE battery_level < %(battery)s),
                   count(*) FILTER (WHERE storage_free_gb < %(storage)s)
              FROM devices GROUP BY status
            UNION ALL
            SELECT 'account', current_state::text, count(*), 0, 0
              FROM accounts WHERE deleted_at IS NULL GROUP BY current_state
            UNION ALL
            SELECT 'event', severity::text, count(*), 0, 0
              FROM system_events WHERE resolved = false GROUP BY severity
            UNION ALL
            SELECT 'distribution', 'failed', count(*), 0, 0
              FROM distributions WHERE status = 'failed' AND created_at >= %(today)s
            """,
            {"battery": LOW_BATTERY, "storage": LOW_STORAGE_GB, "today": today},
        )
        rows = cursor.fetchall()
    devices = {status: n for kind, status, n, _b, _s in rows if kind == "device"}
    states = {state: n for kind, state, n, _b, _s in rows if kind == "account"}
    events = {severity: n for kind, severity, n, _b, _s in rows if kind == "event"}
    return {
        "devices": [(status, devices.get(status, 0)) for status in ("active", "maintenance", "failed", "disconnected")],
        "low_battery": sum(b for kind, _s, _n, b, _st in rows if kind == "device"),
        "low_storage": sum(st for kind, _s, _n, _b, st in rows if kind == "device"),
        "low_battery_limit": LOW_BATTERY,
        "low_storage_limit": LOW_STORAGE_GB,
        "state_groups": [
            (group, sum(states.get(s, 0) for s in members), ",".join(members))
            for group, members in STATE_GROUPS.items()
        ],
        "events": [(severity, events.get(severity, 0)) for severity in SEVERITIES],
        "failed_posts_today": sum(n for kind, _s, n, _b, _st in rows if kind == "distribution"),
    }


PANELS = [Panel("fleet", "fleet", "Fleet right now", "fleet/dashboard/fleet.html", fleet_now)]
