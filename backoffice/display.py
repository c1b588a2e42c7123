"""Small, safe renderers shared by every source's pages."""

from __future__ import annotations

import json

from django.utils.html import format_html

MAX_INLINE_JSON_CHARS = 200_000

STATUS_TONES = {
    "ok": {
        "ready",
        "succeeded",
        "completed",
        "complete",
        "success",
        "posted",
        "active",
        "finalized",
        "ACTIVE",
        "COMPLETED",
        "healthy",
    },
    "run": {
        "running",
        "processing",
        "queued",
        "posting",
        "finalizing",
        "generating",
        "scripting",
        "assembling",
        "distributing",
        "RUNNING",
        "warming_p1",
        "warming_p2",
        "warming_p3",
    },
    "bad": {
        "failed",
        "error",
        "expired",
        "cancelled",
        "banned",
        "suspended",
        "shadowbanned",
        "restricted",
        "FAILED",
        "SUSPENDED",
        "removed",
        "flagged",
        "disconnected",
        "CRITICAL",
        "ERROR",
        "critical",
    },
    "warn": {
        "pending",
        "waiting",
        "paused",
        "draft",
        "maintenance",
        "cooldown",
        "resting",
        "UNVERIFIED",
        "WARNING",
        "warning",
        "scrape_done",
    },
}


def status_badge(value) -> str:
    """A coloured badge for a status value; unknown values stay neutral, None is a dash."""
    if value in (None, ""):
        return "—"
    text = str(value)
    tone = next((t for t, values in STATUS_TONES.items() if text in values), "")
    return format_html('<span class="badge badge-{}">{}</span>', tone or "neutral", text)


def json_block(value, max_chars: int = MAX_INLINE_JSON_CHARS) -> str:
    """Pretty JSON as escaped text, cut at max_chars with a note (never markup from the data)."""
    if value is None:
        return "—"
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    note = ""
    if len(text) > max_chars:
        note = f"… cut at {max_chars:,} of {len(text):,} characters"
        text = text[:max_chars]
    return format_html('<pre class="json-block">{}</pre>{}', text, note)


def dash(value) -> str:
    return "—" if value in (None, "") else value
