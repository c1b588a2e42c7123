"""One humanised format for dates and durations everywhere, with the exact UTC value on hover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

register = template.Library()


_UNITS = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


def humanize_duration(value: timedelta | float | int | None) -> str:
    """11 min 25 s, 2 h 5 min, 3 d 4 h, 850 ms: the two largest units, no microseconds."""
    if value is None:
        return "—"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    if seconds < 1:
        return f"{sign}{round(seconds * 1000)} ms"
    rest, first = int(seconds), 0
    while rest < _UNITS[first][1]:
        first += 1
    name, size = _UNITS[first]
    amount, rest = divmod(rest, size)
    if first == len(_UNITS) - 1:
        return f"{sign}{amount} {name}"
    small_name, small_size = _UNITS[first + 1]
    small = rest // small_size
    return f"{sign}{amount} {name} {small} {small_name}" if small else f"{sign}{amount} {name}"


@register.filter
def duration(value) -> str:
    return humanize_duration(value)


@register.filter
def when(value: datetime | None) -> str:
    """'4 min ago' (or 'in 3 min') with the exact UTC timestamp as a tooltip; naive values are UTC.

    A list shows one per row and date column: built as one string (none of its parts needs
    escaping: ISO digits and separators, the words above), not through format_html."""
    if value is None:
        return "—"
    if value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    utc = value.astimezone(UTC)
    seconds = (timezone.now() - value).total_seconds()
    if abs(seconds) < 5:
        text = "just now"
    elif seconds > 0:
        text = f"{humanize_duration(seconds)} ago"
    else:
        text = f"in {humanize_duration(-seconds)}"
    iso = value.isoformat()
    # A UTC moment's ISO form already holds the exact time (strftime is slower); %Y pads no year < 1000.
    exact = f"{iso[:10]} {iso[11:19]}" if utc is value and value.year >= 1000 else f"{utc:%Y-%m-%d %H:%M:%S}"
    return SafeString(f'<time datetime="{iso}" title="{exact} UTC">{text}</time>')


@register.filter
def ms_duration(value) -> str:
    """A duration given in milliseconds, humanised like every other duration."""
    return "—" if value is None else humanize_duration(float(value) / 1000)


ESTIMATE_MARK = SafeString(
    '<abbr class="estimate" title="an estimate: too many rows to count at each refresh">≈</abbr>'
)


@register.simple_tag
def estimate_mark(name: str, estimated) -> str:
    """ "≈" before a figure named in `estimated` (statistics too big to count at each refresh)."""
    return ESTIMATE_MARK if name in (estimated or ()) else ""
