"""Columns of the fleet pages beyond the shared ones (backoffice.columns)."""

from __future__ import annotations

from django.template.loader import render_to_string

from backoffice import charts
from backoffice.columns import EMPTY, Badge, Column, Excerpt, Link, Related, When
from backoffice.html import format_html
from monitoring.fleet import queries


class YesNo(Column):
    def render(self, value, obj):
        return "yes" if value else "no"


class Number(Column):
    """A numeric value with a fixed number of decimals."""

    def __init__(self, field: str, digits: int = 2, **kwargs):
        super().__init__(field, **kwargs)
        self.digits = digits

    def render(self, value, obj):
        return f"{value:.{self.digits}f}"


class Low(Column):
    """A level (battery %, free GB) called out as a red badge when under its threshold."""

    def __init__(self, field: str, threshold, unit: str, **kwargs):
        super().__init__(field, **kwargs)
        self.threshold, self.unit = threshold, unit

    def render(self, value, obj):
        text = f"{value:g} {self.unit}" if isinstance(value, float) else f"{value} {self.unit}"
        if value < self.threshold:
            return format_html(
                '<span class="badge badge-bad" title="under {} {}">{} · low</span>', self.threshold, self.unit, text
            )
        return text


class Label(Column):
    """The row's own name (its __str__), e.g. r/subreddit."""

    def __init__(self, **kwargs):
        kwargs.setdefault("ordering", False)
        super().__init__("pk", **kwargs)

    def render(self, value, obj):
        return str(obj)


class EventTimeline(Related):
    """A device's or an account's latest events, read only through its recommended index."""

    def __init__(self, column: str):
        self.key_column = column
        super().__init__(
            lambda obj: [],
            [
                ("#", Link("pk", "fleet.systemevent")),
                ("when", When("timestamp")),
                ("severity", Badge("severity")),
                ("category", "category"),
                ("type", "event_type"),
                ("message", Excerpt("message", length=120)),
                ("resolved", YesNo("resolved")),
            ],
            description="events",
            note=f"Latest {queries.EVENTS_LIMIT}, newest first.",
            empty="No events.",
        )

    def __call__(self, obj):
        rows, missing = queries.event_timeline(self.key_column, obj.pk)
        if missing:
            return format_html(
                '<p class="empty-state">Not shown: the fleet database has no index {} yet, and reading the events '
                "without it would scan all of them. Source health suggests it.</p>",
                missing,
            )
        return Related(lambda _obj: rows, self.columns, note=self.note, empty=self.empty)(obj)


class MetricsChart(Column):
    """Views and likes, and engagement, of a distribution over time (two small charts)."""

    def __init__(self, **kwargs):
        super().__init__("pk", ordering=False, **kwargs)

    def __call__(self, obj):
        series = queries.distribution_metrics(obj.pk)
        if not series.labels:
            return format_html('<p class="empty-state">{}</p>', "No metrics yet.")
        counts = charts.chart(
            "line",
            series.labels,
            [{"label": "views", "values": series.views}, {"label": "likes", "values": series.likes}],
        )
        rate = charts.chart("line", series.labels, [{"label": "engagement %", "values": series.engagement}])
        rows = zip(series.labels, series.views, series.likes, series.engagement, strict=True)
        return render_to_string(
            "fleet/distribution_metrics.html", {"counts": counts, "rate": rate, "rows": rows, "source": series.source}
        )


class HashtagList(Column):
    def render(self, value, obj):
        return " ".join(f"#{tag}" for tag in value) or EMPTY
