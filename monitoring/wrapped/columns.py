"""Columns of the Wrapped pages beyond backoffice.columns: short ids, masked values, stages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.safestring import mark_safe

from backoffice import pii
from backoffice.columns import Column, Link
from backoffice.html import conditional_escape, format_html
from monitoring.wrapped import queries


class ShortId(Link):
    """A long id cut by CSS to a few characters (whole on hover, in a CSV export and to a screen
    reader) with a copy button; a link to its page (the shared `Link`) when `model` is given."""

    def __init__(self, field: str, model: str | None = None, **kwargs):
        super().__init__(field, model or "wrapped.none", short=None, **kwargs)
        self.linked = model is not None

    def render(self, value, obj):
        text = conditional_escape(str(value))  # escaped once, shown four times
        return format_html(
            '<span class="short-id"><span class="short-id-text" title="{}">{}</span><button type="button" '
            'class="copy-button" data-copy="{}" title="Copy {}" aria-label="Copy"></button></span>',
            text,
            super().render(value, obj) if self.linked else text,
            text,
            text,
        )


class Masked(Column):
    """A personal value (an email), masked for viewers without access.view_pii."""

    def render(self, value, obj):
        return pii.masker().value(value)


class CompareLink(Column):
    """On a run's "other runs": one click to the payload diff of that run against this one."""

    def __call__(self, obj):
        url = reverse("admin:wrapped_wrappedrun_compare") + "?" + urlencode({"a": obj.pk, "b": obj.compare_to})
        return format_html('<a class="compare-link" href="{}">compare payloads</a>', url)


class StageBadge(Column):
    """The derived stage ("Ready · email failed", "Running analysis") from the row's digest."""

    def __call__(self, run):
        return format_html('<span class="badge badge-{}">{}</span>', queries.stage_tone(run), queries.stage_label(run))


class Attempts(Column):
    def __call__(self, job):
        return f"{job.attempts}/{job.max_attempts}"


class NeedsReauth(Column):
    """The latest auth job failed or expired, or its error asks for reauth: an explicit badge."""

    def __call__(self, device):
        if queries.needs_reauth(device.auth_status, device.auth_last_error):
            return mark_safe('<span class="badge badge-bad">needs reauth</span>')
        return "—" if device.auth_status is None else "no"
