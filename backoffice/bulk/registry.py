"""Actions that bulk runs can execute but that are not in a ModelAdmin's action menu
(e.g. "retry all failed runs", whose targets come from a dry-run plan)."""

from __future__ import annotations

_EXTRA: dict[tuple[str, str], object] = {}


def register(model_label: str, action) -> None:
    _EXTRA[(model_label, action.name)] = action


def extra_actions() -> dict:
    return dict(_EXTRA)
