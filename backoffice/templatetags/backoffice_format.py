"""One humanised format for dates and durations everywhere, with the exact UTC value on hover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django import template
from django.utils import timezone

from backoffice.html import format_html

register = template.Library()


def humanize_duration(value: timedelta | float | int | None) -> str:
    """11 min 25 s, 2 h 5 min, 3 d 4 h, 850 ms: the two largest units, no microseconds."""
    if value is None:
        return "—"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    if seconds < 1:
        return f"{sign}{round(seconds * 1000)} ms"
    units = [("d", 86400), ("h", 3600), ("min", 60), ("s", 1)]
    rest = int(seconds)
    first = next(i for i, (_, size) in enumerate(units) if rest >= size)
    parts = []
    for name, size in units[first : first + 2]:
        amount, rest = divmod(rest, size)
        if amount or not parts:
            parts.append(f"{amount} {name}")
    return sign + " ".join(parts)


@register.filter
def duration(value) -> str:
    return humanize_duration(value)


@register.filter
def when(value: datetime | None) -> str:
    """'4 min ago' (or 'in 3 min') with the exact UTC timestamp as a tooltip; naive values are UTC."""
    if value is None:
        return "—"
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    exact = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    delta = timezone.now() - value
    text = (
        "just now"
        if abs(delta.total_seconds()) < 5
        else (f"{humanize_duration(delta)} ago" if delta.total_seconds() > 0 else f"in {humanize_duration(-delta)}")
    )
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), exact, text)


@register.filter
def ms_duration(value) -> str:
    """A duration given in milliseconds, humanised like every other duration."""
    return "—" if value is None else humanize_duration(float(value) / 1000)
