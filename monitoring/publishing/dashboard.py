"""Publishing panels of the landing dashboard: the stats API's figures (estimates marked "≈")."""

from __future__ import annotations

from backoffice.dashboard import Panel
from monitoring.publishing import stats


def queue_now() -> dict:
    result = stats.queue()
    return {"queue": result.data, "estimated": result.estimated}


def orchestrator_now() -> dict:
    result = stats.orchestrator()
    return {"orchestrator": result.data, "estimated": result.estimated}


def platforms_now() -> dict:
    result = stats.platforms()
    estimated = set(result.estimated)
    return {
        "platforms": {
            platform: {**figures, "estimated": [name for name in figures if f"{platform}.{name}" in estimated]}
            for platform, figures in result.data.items()
        }
    }


PANELS = [
    Panel("publishing", "queue", "Publishing queue", "publishing/dashboard/queue.html", queue_now),
    Panel(
        "publishing",
        "orchestrator",
        "Publishing orchestrator",
        "publishing/dashboard/orchestrator.html",
        orchestrator_now,
    ),
    Panel("publishing", "platforms", "Publishing by platform", "publishing/dashboard/platforms.html", platforms_now),
]
