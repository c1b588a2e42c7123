"""Declared columns for source admins: one mechanism for badges, links, JSON, dates, related tables.

A ModelAdmin declares a column once, as a class attribute, and names it in `list_display`,
`fields` or `fieldsets` like any other field:

    class PublishLogAdmin(SourceModelAdmin):
        status_badge = Badge("status")
        clip_link = Link("clip_id", "publishing.clip")
        processing = Duration("requested_at", "published_at", description="requested → published")
        list_display = ["id", "clip_link", "status_badge", "processing"]

The same column objects render the cells of a related table on a detail page (`Related`), so a
link or a badge looks the same wherever it appears. Every value is escaped; none is ever markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from django.urls import NoReverseMatch
from django.utils.safestring import SafeString

from backoffice import display, pii
from backoffice.html import conditional_escape, format_html
from backoffice.templatetags.backoffice_format import humanize_duration, when

EMPTY = "—"


def _lookup(obj, path: str):
    if "__" not in path:  # most columns: one attribute of the row
        return obj.get(path) if isinstance(obj, dict) else getattr(obj, path, None)
    value = obj
    for part in path.split("__"):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    return value


class Column:
    """A read-only column. Django's admin reads `short_description` and `admin_order_field`.

    A `deferred` column is a detail page's section of its own (a related table, a timeline): the
    page shows a placeholder and loads it in a request of its own once the page is shown
    (`SourceModelAdmin.section_view`), so the object's own fields never wait for its queries.
    """

    deferred = False

    def __init__(self, field: str, *, description: str | None = None, ordering: str | bool = True):
        self.field = field
        self.short_description = description or field.split("__")[-1].removesuffix("_id").replace("_", " ")
        if ordering is True:
            ordering = None if "__" in field and not field.endswith("_id") else field
        self.admin_order_field = ordering or None
        self.__name__ = field

    def __set_name__(self, owner, name: str) -> None:
        self.__name__ = name

    def value(self, obj):
        return _lookup(obj, self.field)

    def __call__(self, obj):
        value = self.value(obj)
        return EMPTY if value in (None, "") else self.render(value, obj)

    def render(self, value, obj):
        return value


class Plain(Column):
    """A value as it is (escaped), e.g. a field reached through a relation (`clip__title`); a
    moment is humanised like every other date."""

    def render(self, value, obj):
        return when(value) if isinstance(value, datetime) else value


class Badge(Column):
    """A status as a coloured badge (tones from backoffice.display)."""

    def render(self, value, obj):
        return display.status_badge(value)


class Link(Column):
    """A link to another row's admin page; the text is the id (shortened) or another attribute."""

    def __init__(self, field: str, model: str, *, text: str | None = None, short: int | None = 12, **kwargs):
        super().__init__(field, **kwargs)
        self.app_label, self.model_name = model.lower().split(".")
        self.text = text
        self.short = short

    def render(self, value, obj):
        try:
            url = display.change_url(self.app_label, self.model_name, value)
        except NoReverseMatch:
            return value
        url += self._list_filters_suffix()
        text = _lookup(obj, self.text) if self.text else None
        if text in (None, ""):
            text = str(value)
            if self.short and len(text) > self.short:
                return format_html('<a href="{}" title="{}">{}…</a>', url, text, text[: self.short - 1])
        return format_html('<a href="{}">{}</a>', url, text)

    def _list_filters_suffix(self) -> str:
        """A link to a row of the list being shown keeps the list's filters, as Django's own row
        links do, so "back" from the row returns to the same list (a shared one included). What
        Django's add_preserved_filters appends to a change URL, worked out once per request and
        model rather than parsed and resolved again for every row."""
        request = pii.current_request()
        if request is None:
            return ""
        memo = request.__dict__.setdefault("_list_filters_suffixes", {})
        key = (self.app_label, self.model_name)
        suffix = memo.get(key)
        if suffix is None:
            suffix = memo[key] = self._preserved_filters(request)
        return suffix

    def _preserved_filters(self, request) -> str:
        match = getattr(request, "resolver_match", None)
        model_admin = getattr(getattr(match, "func", None), "model_admin", None)
        if model_admin is None or match.url_name != f"{self.app_label}_{self.model_name}_changelist":
            return ""
        preserved = model_admin.get_preserved_filters(request)
        return "?" + urlencode(dict(parse_qsl(preserved))) if preserved else ""


class Json(Column):
    """A JSON value as escaped, pretty text (cut at `max_chars`)."""

    def __init__(self, field: str, *, max_chars: int = display.MAX_INLINE_JSON_CHARS, **kwargs):
        kwargs.setdefault("ordering", False)
        super().__init__(field, **kwargs)
        self.max_chars = max_chars

    def render(self, value, obj):
        return display.json_block(value, max_chars=self.max_chars)


class Source(Column):
    """Stored text shown as source, never as markup (HTML templates written by users)."""

    def __init__(self, field: str, **kwargs):
        kwargs.setdefault("ordering", False)
        super().__init__(field, **kwargs)

    def render(self, value, obj):
        return display.text_block(value)


class Excerpt(Column):
    """The first characters of a long text, the whole text on hover."""

    def __init__(self, field: str, *, length: int = 80, **kwargs):
        kwargs.setdefault("ordering", False)
        super().__init__(field, **kwargs)
        self.length = length

    def render(self, value, obj):
        text = str(value)
        if len(text) <= self.length:
            return text
        return format_html('<span title="{}">{}…</span>', text, text[: self.length - 1])


class When(Column):
    """A moment, humanised ("4 min ago") with the exact UTC time on hover."""

    def render(self, value, obj):
        return when(value) if isinstance(value, datetime) else value


class Duration(Column):
    """The time between two moments of a row, or a number of seconds or milliseconds.

    `Duration("started_at", "completed_at")`: "11 min 25 s"; an unfinished one reads
    "running for 4 min" when `running_since_start` (else a dash). `Duration("processing_time_ms",
    unit="ms")`: a stored duration.
    """

    def __init__(self, start: str, end: str | None = None, *, unit: str = "s", running_since_start=False, **kwargs):
        kwargs.setdefault("ordering", False)
        kwargs.setdefault("description", "duration")
        super().__init__(start, **kwargs)
        self.end, self.unit, self.running_since_start = end, unit, running_since_start

    def __call__(self, obj):
        start = _lookup(obj, self.field)
        if self.end is None:
            if start in (None, ""):
                return EMPTY
            seconds = float(start) / 1000 if self.unit == "ms" else float(start)
            return humanize_duration(seconds)
        end = _lookup(obj, self.end)
        if start is None:
            return EMPTY
        if end is None:
            if not self.running_since_start:
                return EMPTY
            from django.utils import timezone

            start_aware = start if start.tzinfo else start.replace(tzinfo=UTC)
            return f"running for {humanize_duration(timezone.now() - start_aware)}"
        delta = end - start
        return humanize_duration(delta if isinstance(delta, timedelta) else timedelta(seconds=delta))


class Progress(Column):
    """done / total as a bar and numbers (a dash when the total is unknown)."""

    def __init__(self, done: str, total: str, **kwargs):
        kwargs.setdefault("ordering", False)
        kwargs.setdefault("description", "progress")
        super().__init__(done, **kwargs)
        self.total = total

    def __call__(self, obj):
        done, total = _lookup(obj, self.field) or 0, _lookup(obj, self.total)
        if not total:
            return EMPTY
        return format_html(
            '<progress class="dash-progress" max="{}" value="{}"></progress> {} / {}',
            total,
            min(done, total),
            done,
            total,
        )


class Related(Column):
    """A bounded table of related rows on a detail page, its cells rendered by the same columns.

    `rows(obj)` runs one query (bounded by its own LIMIT); `columns` are (header, column or
    attribute name) pairs; `note` says the bound ("Latest 20."). Loaded after the page.
    """

    deferred = True

    def __init__(
        self,
        rows: Callable,
        columns: Sequence[tuple[str, Column | str]],
        *,
        description: str = "",
        note: str = "",
        empty: str = "None.",
    ):
        super().__init__("pk", description=description, ordering=False)
        self.rows, self.note, self.empty = rows, note, empty
        self.columns = [(header, Plain(c) if isinstance(c, str) else c) for header, c in columns]

    def __call__(self, obj):
        rows = list(self.rows(obj))
        if not rows:
            return format_html('<p class="empty-state">{}</p>', f"{self.empty} {self.note}".strip())
        header = "".join(f"<th>{conditional_escape(h)}</th>" for h, _ in self.columns)
        cells = [column for _, column in self.columns]
        body = "".join(
            "<tr>" + "".join(f"<td>{conditional_escape(cell(row))}</td>" for cell in cells) + "</tr>" for row in rows
        )
        return format_html(
            '<table class="related-table"><thead><tr>{}</tr></thead><tbody>{}</tbody></table><p class="help">{}</p>',
            SafeString(header),
            SafeString(body),
            self.note,
        )
