"""Chart data shared by dashboard panels: hourly buckets and series in the shape dashboard.js draws."""

from __future__ import annotations

from datetime import datetime, timedelta


def hourly_labels(now: datetime, hours: int = 24) -> tuple[list[str], list[datetime]]:
    """The last `hours` hour buckets ending with the current one, and their labels ("14:00")."""
    current = now.replace(minute=0, second=0, microsecond=0)
    buckets = [current - timedelta(hours=h) for h in range(hours - 1, -1, -1)]
    return [b.strftime("%H:00") for b in buckets], buckets


def series_by_bucket(rows, buckets: list[datetime], series: list[tuple[str, str, str]]) -> list[dict]:
    """rows of (bucket, key, n) → one series per (key, label, colour), zero where a bucket has no row."""
    counts = {(bucket.replace(tzinfo=None), key): n for bucket, key, n in rows}
    return [
        {"label": label, "colour": colour, "values": [counts.get((b.replace(tzinfo=None), key), 0) for b in buckets]}
        for key, label, colour in series
    ]


def chart(kind: str, labels: list[str], series: list[dict], *, stacked: bool = False) -> dict:
    """A chart spec for dashboard.js, with the same numbers as table rows for screen readers and copying."""
    rows = [(label, [s["values"][i] for s in series]) for i, label in enumerate(labels)]
    return {"type": kind, "stacked": stacked, "labels": labels, "series": series, "rows": rows}
