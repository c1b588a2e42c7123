"""XTrack columns beyond backoffice.columns: personal values masked, topics, a success rate."""

from __future__ import annotations

from backoffice import display, pii
from backoffice.columns import EMPTY, Column, Link
from backoffice.html import format_html


class Masked(Column):
    """A personal value (an email, a chat id) masked for roles without access.view_pii."""

    def __init__(self, field: str, **kwargs):
        kwargs.setdefault("ordering", False)  # sorting by a hidden value would reveal its order
        super().__init__(field, **kwargs)

    def render(self, value, obj):
        return pii.masker().value(value)


class MaskedLink(Link):
    """A link to a row whose text is personal (the owner's email): masked for viewers."""

    def __init__(self, field: str, model: str, *, text: str, **kwargs):
        kwargs.setdefault("ordering", False)
        super().__init__(field, model, text=text, **kwargs)

    def render(self, value, obj):
        url = display.change_url(self.app_label, self.model_name, value)
        text = Column(self.text).value(obj)
        return format_html('<a href="{}">{}</a>', url, pii.masker().value(text) if text else f"#{value}")


class Topics(Column):
    """A job's topics: a list of words as "ai, startups"; any other JSON as it is."""

    def __init__(self, field: str, **kwargs):
        kwargs.setdefault("ordering", False)
        super().__init__(field, **kwargs)

    def __call__(self, obj):
        value = self.value(obj)
        if value is None:
            return EMPTY
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ", ".join(value) if value else "(none)"
        return display.json_block(value, max_chars=120)


class SuccessRate(Column):
    """Completed ÷ finished among a job's last executions (`obj.stats`), as a toned badge."""

    def __init__(self, **kwargs):
        kwargs.setdefault("ordering", False)
        super().__init__("stats", **kwargs)

    def __call__(self, obj):
        stats = getattr(obj, "stats", None)
        rate = stats.success_rate if stats else None
        if rate is None:
            return EMPTY if not stats or not stats.running else f"{stats.running} running"
        tone = "ok" if rate >= 0.9 else "warn" if rate >= 0.5 else "bad"
        detail = f"{stats.completed} completed, {stats.failed} failed"
        if stats.running:
            detail += f", {stats.running} running"
        return format_html(
            '<span class="badge badge-{}" title="{} of the last {} executions">{} %</span>',
            tone,
            detail,
            stats.completed + stats.failed + stats.running,
            round(rate * 100),
        )
