"""Fleet panels of the landing dashboard."""

from __future__ import annotations

from django.db import connections
from django.utils import timezone

from backoffice.dashboard import Panel, capped
from backoffice.pagination import COUNT_CAP
from monitoring.fleet.models import LOW_BATTERY, LOW_STORAGE_GB, STATE_GROUPS

SEVERITIES = ("critical", "error", "warning", "info")

# Live accounts per state group and unresolved events per severity are counted up to COUNT_CAP
# (bo_accounts_by_state, idx_events_unresolved, index-only): a full count grows with the table.
_CAPPED = "SELECT '{kind}', '{key}', (SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT %(cap)s) c), 0, 0"
_COUNTS = " UNION ALL ".join(
    [
        _CAPPED.format(
            kind="account",
            key=group,
            table="accounts",
            where=f"deleted_at IS NULL AND current_state = ANY(%({group})s::account_state[])",
        )
        for group in STATE_GROUPS
    ]
    + [
        _CAPPED.format(
            kind="event", key=severity, table="system_events", where=f"NOT resolved AND severity = '{severity}'"
        )
        for severity in SEVERITIES
    ]
)


# Posts failed today: a day's distributions grow with the fleet, so this is capped too
# (bo_distributions_status_created, index-only).
_FAILED_TODAY = _CAPPED.format(
    kind="distribution", key="failed", table="distributions", where="status = 'failed' AND created_at >= %(today)s"
)


def shown(n: int):
    """A capped count as the panel shows it ("10,000+" once it reached the cap)."""
    return capped(n, COUNT_CAP)


def fleet_now() -> dict:
    """Devices by status with low battery / storage, live accounts by state, unresolved events, failed posts today."""
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    with connections["fleet"].cursor() as cursor:
        cursor.execute(
            f"""
            SELECT 'device', status::text, count(*),
                   count(*) FILTER (WHERE battery_level < %(battery)s),
                   count(*) FILTER (WHERE storage_free_gb < %(storage)s)
              FROM devices GROUP BY status
            UNION ALL {_COUNTS}
            UNION ALL {_FAILED_TODAY}
            """,
            {
                "battery": LOW_BATTERY,
                "storage": LOW_STORAGE_GB,
                "today": today,
                "cap": COUNT_CAP + 1,
                **{group: list(states) for group, states in STATE_GROUPS.items()},
            },
        )
        rows = cursor.fetchall()
    devices = {status: n for kind, status, n, _b, _s in rows if kind == "device"}
    groups = {group: n for kind, group, n, _b, _s in rows if kind == "account"}
    events = {severity: n for kind, severity, n, _b, _s in rows if kind == "event"}
    return {
        "devices": [(status, devices.get(status, 0)) for status in ("active", "maintenance", "failed", "disconnected")],
        "low_battery": sum(b for kind, _s, _n, b, _st in rows if kind == "device"),
        "low_storage": sum(st for kind, _s, _n, _b, st in rows if kind == "device"),
        "low_battery_limit": LOW_BATTERY,
        "low_storage_limit": LOW_STORAGE_GB,
        "state_groups": [
            (group, shown(groups.get(group, 0)), ",".join(members)) for group, members in STATE_GROUPS.items()
        ],
        "events": [(severity, shown(events.get(severity, 0))) for severity in SEVERITIES],
        "failed_posts_today": shown(sum(n for kind, _s, n, _b, _st in rows if kind == "distribution")),
    }


PANELS = [Panel("fleet", "fleet", "Fleet right now", "fleet/dashboard/fleet.html", fleet_now)]
