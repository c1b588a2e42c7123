"""Small, safe renderers shared by every source's pages."""

from __future__ import annotations

import json
import string
from functools import cache as memoize
from functools import lru_cache
from urllib.parse import quote as percent_quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.utils.http import RFC3986_SUBDELIMS

from backoffice.html import format_html

MAX_INLINE_JSON_CHARS = 200_000

# The back office's own status words; each source declares its own (SourceAppConfig.status_tones).
CORE_STATUS_TONES = {
    "ok": frozenset({"healthy"}),
    "warn": frozenset({"waiting", "warning", "WARNING"}),
    "bad": frozenset({"error", "ERROR"}),
}


@memoize
def status_tones() -> dict[str, str]:
    """{word: tone} over the core's words and every configured source's declared ones."""
    from backoffice.source_app import source_configs

    tones: dict[str, str] = {}
    for declared in (CORE_STATUS_TONES, *(config.status_tones for config in source_configs())):
        for tone, words in declared.items():
            for word in words:
                tones.setdefault(word, tone)
    return tones


def status_badge(value) -> str:
    """A coloured badge for a status value; unknown values stay neutral, None is a dash."""
    if value in (None, ""):
        return "—"
    text = str(value)
    tone = status_tones().get(text, "")
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


def head(text: str | None, n: int = 160) -> str:
    """The first n characters of a long text, with an ellipsis."""
    if not text:
        return "—"
    return text if len(text) <= n else text[: n - 1] + "…"


def text_block(value: str | None, max_chars: int = 20_000) -> str:
    """Stored text (HTML templates included) as escaped source, never as markup; cut at max_chars."""
    if not value:
        return "—"
    note = ""
    if len(value) > max_chars:
        note = f"… cut at {max_chars:,} of {len(value):,} characters"
        value = value[:max_chars]
    return format_html('<pre class="json-block html-source">{}</pre>{}', value, note)


_PK_PLACEHOLDER = "pk-placeholder-7f3a"


def change_url(app_label: str, model_name: str, pk) -> str:
    """The admin URL of a row's page, as `reverse(..., args=[quote(pk)])` gives it.

    A list links every row to one or more pages, and `reverse` walks the URL resolver each time
    (about a third of a 50-row list's rendering); the URL is reversed once per view and
    request, and each row's key is quoted into it the way `reverse` quotes it."""
    template = admin_url(f"admin:{app_label}_{model_name}_change", _PK_PLACEHOLDER)
    return template.replace(_PK_PLACEHOLDER, url_key(pk), 1)


def url_key(pk) -> str:
    """A row's key as the admin puts it in a URL path: `reverse(..., args=[quote(pk)])`'s segment."""
    from django.contrib.admin.utils import quote

    return _percent_encoded(str(quote(pk)))


def admin_url(viewname: str, *args) -> str:
    """`reverse(viewname, args=args)` for URLs a page builds once per row. The result depends on
    the script prefix and the URL configuration, fixed for a request: memoised on the request
    being rendered (reading them costs more than a row's own work), else per process and pair."""
    from backoffice.pii import current_request

    request = current_request()
    memo = request.__dict__.setdefault("_admin_urls", {}) if request is not None else {}
    key = (viewname, args)
    url = memo.get(key)
    if url is None:
        url = memo[key] = _reversed(viewname, args, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    return url


@lru_cache(maxsize=1024)
def _reversed(viewname: str, args: tuple, script_prefix: str, urlconf, root_urlconf: str) -> str:
    from django.urls import reverse

    return reverse(viewname, urlconf=urlconf, args=args)


# What `reverse` leaves as it is in a path argument (urllib's always-safe characters and the
# sub-delimiters it passes as safe): a key made only of them (most ids) needs no quoting at all.
_PATH_SAFE_EXTRA = RFC3986_SUBDELIMS + "/~:@"
_PATH_SAFE = frozenset(string.ascii_letters + string.digits + "_.-~" + _PATH_SAFE_EXTRA)


def _percent_encoded(segment: str) -> str:
    """Percent-encode a path segment exactly as `reverse` encodes its arguments."""
    return segment if _PATH_SAFE.issuperset(segment) else percent_quote(segment, safe=_PATH_SAFE_EXTRA)


def changelist_link(app_label: str, model_name: str, params: dict, text) -> str:
    """A link to a changelist filtered or searched exactly (e.g. {"q": job_id})."""
    from urllib.parse import urlencode

    url = admin_url(f"admin:{app_label}_{model_name}_changelist") + "?" + urlencode(params)
    return format_html('<a href="{}">{}</a>', url, text)


def related_table(headers: list[str], rows: list, *, note: str = "", empty: str = "None.") -> str:
    """An escaped HTML table of related rows; cells may be safe strings (links, badges)."""
    from django.utils.html import format_html_join

    if not rows:
        return format_html('<p class="empty-state">{}</p>', f"{empty} {note}".strip())
    header = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", (("—" if c in (None, "") else c,) for c in row)),) for row in rows),
    )
    return format_html(
        '<table class="related-table"><thead><tr>{}</tr></thead><tbody>{}</tbody></table><p class="help">{}</p>',
        header,
        body,
        note,
    )
