"""Dashboard panels of the back office itself (not of a source)."""

from __future__ import annotations

from backoffice.audit.models import ActionRecord
from backoffice.dashboard import Panel

RECENT_ACTIONS = 8


def my_recent_actions(user) -> dict:
    records = list(
        ActionRecord.objects.filter(user=user)
        .only("created_at", "source", "action", "target_key", "outcome", "message", "reason")
        .order_by("-created_at", "-id")[:RECENT_ACTIONS]
    )
    return {"records": records}


PANELS = [
    Panel(
        "backoffice",
        "my_actions",
        "Your recent actions",
        "backoffice/dashboard/my_actions.html",
        my_recent_actions,
        per_user=True,
        cache_seconds=2,
    ),
]
