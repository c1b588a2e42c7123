"""Columns of the Wrapped pages beyond backoffice.columns: short ids, masked values, stages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.admin.utils import quote
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from backoffice import pii
from backoffice.columns import Column
from monitoring.wrapped import queries


class ShortId(Column):
    """A long id cut by CSS to a few characters (whole on hover, in a CSV export and to a screen
    reader) with a copy button; a link to its page when `model` is given."""

    def __init__(self, field: str, model: str | None = None, **kwargs):
        super().__init__(field, **kwargs)
        self.model = model

    def render(self, value, obj):
        text = str(value)
        url = None
        if self.model:
            try:
                url = reverse(f"admin:{self.model.replace('.', '_')}_change", args=[quote(value)])
            except NoReverseMatch:
                url = None
        label = (
            format_html('<a class="short-id-text" href="{}" title="{}">{}</a>', url, text, text)
            if url
            else format_html('<span class="short-id-text" title="{}">{}</span>', text, text)
        )
        return format_html(
            '<span class="short-id">{}<button type="button" class="copy-button" data-copy="{}" '
            'title="Copy {}" aria-label="Copy"></button></span>',
            label,
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
