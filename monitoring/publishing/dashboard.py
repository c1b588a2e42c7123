"""Publishing panels of the landing dashboard: the stats API's figures, one query each."""

from __future__ import annotations

from backoffice.dashboard import Panel
from monitoring.publishing import stats


def queue_now() -> dict:
    return {"queue": stats.queue().data}


def orchestrator_now() -> dict:
    return {"orchestrator": stats.orchestrator().data}


def platforms_now() -> dict:
    return {"platforms": stats.platforms().data}


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
