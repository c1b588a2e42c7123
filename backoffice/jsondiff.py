"""A structural diff of two JSON documents: what was added, removed or changed, by path."""

from __future__ import annotations

from dataclasses import dataclass

ADDED, REMOVED, CHANGED, TYPE_CHANGED = "added", "removed", "changed", "type changed"
MAX_CHANGES = 500


@dataclass(frozen=True)
class Change:
    path: str  # e.g. data_jobs.email_send.status or videos[3].id
    kind: str
    old: object = None
    new: object = None


def kind_of(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {dict: "object", list: "array", str: "string", type(None): "null"}.get(type(value), type(value).__name__)


def _join(path: str, key) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def diff(old, new, *, limit: int = MAX_CHANGES, path: str = "") -> tuple[list[Change], bool]:
    """(changes in document order, whether the list was cut at `limit`). Arrays compare by position;
    `path` names where the two values sit in their documents."""
    changes: list[Change] = []

    def walk(a, b, path: str) -> None:
        if len(changes) > limit:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in a:
                if key not in b:
                    changes.append(Change(_join(path, key), REMOVED, old=a[key]))
                else:
                    walk(a[key], b[key], _join(path, key))
            for key in b:
                if key not in a:
                    changes.append(Change(_join(path, key), ADDED, new=b[key]))
        elif isinstance(a, list) and isinstance(b, list):
            for index in range(max(len(a), len(b))):
                if index >= len(a):
                    changes.append(Change(_join(path, index), ADDED, new=b[index]))
                elif index >= len(b):
                    changes.append(Change(_join(path, index), REMOVED, old=a[index]))
                else:
                    walk(a[index], b[index], _join(path, index))
        elif kind_of(a) != kind_of(b):
            changes.append(Change(path or "(document)", TYPE_CHANGED, a, b))
        elif a != b:
            changes.append(Change(path or "(document)", CHANGED, a, b))

    walk(old, new, path)
    return changes[:limit], len(changes) > limit
