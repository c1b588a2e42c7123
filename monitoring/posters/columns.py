"""Columns of the Posters pages beyond the shared ones (backoffice.columns).

Each reads what its row already holds (annotations included) or runs one bounded query for a
detail section; every value is escaped, none is ever markup.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from django.template.loader import render_to_string
from django.utils import timezone

from backoffice import display
from backoffice.columns import EMPTY, Column, Duration
from backoffice.html import format_html
from backoffice.templatetags.backoffice_format import humanize_duration
from monitoring.posters import queries
from monitoring.posters.models import FAILURE_TYPES, BatchJob

HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")  # a host name a CSP source may hold
LOG_TONES = {"DEBUG": "neutral", "INFO": "run", "WARNING": "warn", "ERROR": "bad", "CRITICAL": "bad"}


def _note(text: str, tone: str = "neutral") -> str:
    return format_html('<span class="badge badge-{}">{}</span>', tone, text)


class JobLink(Column):
    """A batch's job_id as a link to the batch jobs list searched for it (job_id is not a pk)."""

    def render(self, value, obj):
        return display.changelist_link("posters", "batchjob", {"q": str(value)}, value)


class SuccessRate(Column):
    """success_count / total_items, as seed 001's job statistics compute it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("description", "success rate")
        super().__init__("success_count", ordering=False, **kwargs)

    def __call__(self, obj):
        rate = queries.success_rate(obj)
        return EMPTY if rate is None else f"{rate:.1f}%"


class RunningDuration(Duration):
    """started → completed; a processing job without an end reads "running for 4 min". A failed
    or cancelled job that never recorded its end is a dash, not "running"."""

    def __call__(self, obj):
        start, end = getattr(obj, self.field, None), getattr(obj, self.end, None)
        if start is not None and end is None and getattr(obj, "status", None) == "processing":
            return f"running for {humanize_duration(timezone.now() - start)}"
        return super().__call__(obj)


def _is_web_url(value) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


class Thumbnail(Column):
    """A lazy, fixed-size image of the poster; a placeholder when there is none or it fails
    (posters.js marks a failed image, the CSS shows the placeholder)."""

    def __init__(self, field: str = "poster_url", **kwargs):
        kwargs.setdefault("ordering", False)
        kwargs.setdefault("description", "poster")
        super().__init__(field, **kwargs)

    def __call__(self, obj):
        url = self.value(obj)
        if not _is_web_url(url):
            return format_html('<span class="poster-thumb-frame is-empty" title="{}">no image</span>', url or "")
        return format_html(
            '<a class="poster-thumb-frame" href="{}" target="_blank" rel="noopener noreferrer" title="{}">'
            '<img class="poster-thumb" src="{}" alt="poster" width="64" height="64" loading="lazy" decoding="async"'
            ' referrerpolicy="no-referrer"><span class="poster-thumb-fallback">no image</span></a>',
            url,
            url,
            url,
        )


class ExternalUrl(Column):
    """A stored URL as a link when it is http(s), as plain text otherwise."""

    def render(self, value, obj):
        if not _is_web_url(value):
            return value
        return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', value, value)


def _json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class UserId(Column):
    """metadata.user_id, from `queries.with_user_id`: missing, null and wrong-typed values are
    called out (a string id still saves, but it is not what the service writes)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("description", "metadata.user_id")
        super().__init__("meta_user_id", ordering=False, **kwargs)

    def __call__(self, obj):
        if not getattr(obj, "meta_has_user_id", False):
            return _note("missing", "warn")
        value = getattr(obj, "meta_user_id", None)
        if value is None:
            return _note("null", "warn")
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value.strip().isdigit():
            return format_html("{} {}", value, _note("text"))
        return format_html("{} {}", _json_text(value)[:60], _note("wrong type", "bad"))


class FetchedFromApi(Column):
    """metadata.fetched_from_api: yes / no, a dash when absent, a note when not a boolean."""

    def __init__(self, **kwargs):
        kwargs.setdefault("description", "fetched_from_api")
        super().__init__("meta_fetched", ordering=False, **kwargs)

    def __call__(self, obj):
        value = getattr(obj, "meta_fetched", None)
        if value is None:
            return EMPTY
        if value is True:
            return "yes"
        if value is False:
            return "no"
        return format_html("{} {}", _json_text(value)[:30], _note("not a boolean", "warn"))


def image_origins(obj) -> set[str]:
    """The https origins of the posters a page shows: a batch's posters table (loaded after the
    page, which must allow them first) or one poster."""
    if obj is None:
        return set()
    urls = queries.job_poster_urls(obj.job_id) if isinstance(obj, BatchJob) else [getattr(obj, "poster_url", None)]
    origins = set()
    for url in urls:
        if not (isinstance(url, str) and url.startswith("https://")):
            continue
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            continue
        if parts.hostname and HOST.fullmatch(parts.hostname):
            origins.add(f"https://{parts.hostname}" + (f":{port}" if port else ""))
    return origins


class PosterSummary(Column):
    """The job's posters by status, and those missing metadata.user_id (one grouped query)."""

    deferred = True

    def __init__(self, **kwargs):
        super().__init__("job_id", ordering=False, **kwargs)

    def __call__(self, job):
        counts = queries.poster_counts(job.job_id)
        return render_to_string(
            "admin/posters/batchjob/poster_summary.html",
            {
                "counts": counts,
                "by_status": sorted(counts.by_status.items()),
                "shown": min(counts.total, queries.JOB_POSTERS),
                "posters_url": _changelist_url("generatedposter", {"q": job.job_id}),
                "missing_url": _changelist_url("generatedposter", {"q": job.job_id, "has_user_id": "no"}),
            },
        )


def _changelist_url(model: str, params: dict) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    return reverse(f"admin:posters_{model}_changelist") + "?" + urlencode(params)


def _details_text(details) -> str | None:
    if details in (None, {}, [], ""):
        return None
    text = json.dumps(details, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= 20_000 else text[:20_000] + "\n… cut"


class LogTimeline(Column):
    """The job's latest logs as a timeline: level colours, frontend errors marked, details JSON
    folded in a <details>. Two queries (the rows, and the count for "showing N of M")."""

    deferred = True

    def __init__(self, **kwargs):
        super().__init__("job_id", ordering=False, **kwargs)

    def __call__(self, job):
        logs = queries.job_logs(job.job_id)
        total = queries.job_log_count(job.job_id) if len(logs) >= queries.JOB_LOGS else len(logs)
        entries = [
            {
                "log": log,
                "tone": LOG_TONES.get(log.level, "neutral"),
                "frontend": queries.is_frontend_error(log),
                "cut": (log.message_length or 0) > queries.LOG_MESSAGE_CHARS,
                "details": _details_text(log.details),
                "url": _change_url("joblog", log.pk),
            }
            for log in logs
        ]
        return render_to_string(
            "admin/posters/batchjob/log_timeline.html",
            {
                "entries": entries,
                "total": total,
                "shown": len(logs),
                "all_url": _changelist_url("joblog", {"q": job.job_id}),
            },
        )


def _change_url(model: str, pk) -> str:
    return display.change_url("posters", model, pk)


class FailureGroups(Column):
    """Failures grouped by failure_type, largest first, each group a <details> with its latest
    rows. Two queries whatever the number of failures."""

    deferred = True

    def __init__(self, **kwargs):
        super().__init__("job_id", ordering=False, **kwargs)

    def __call__(self, job):
        groups, types = queries.failure_groups(job.job_id)
        for group in groups:
            params = {"q": job.job_id}
            if group.failure_type in FAILURE_TYPES:
                params["failure_type"] = group.failure_type
            group.url = _changelist_url("posterfailuredetail", params)
            group.row_links = [
                (
                    row,
                    _change_url("posterfailuredetail", row.pk),
                    row.poster_id and _change_url("generatedposter", row.poster_id),
                )
                for row in group.rows
            ]
        return render_to_string(
            "admin/posters/batchjob/failure_groups.html",
            {
                "groups": groups,
                "types": types,
                "total": sum(g.count for g in groups),
                "per_group": queries.FAILURES_PER_GROUP,
                "more_types": types - len(groups),
                "all_url": _changelist_url("posterfailuredetail", {"q": job.job_id}),
            },
        )
