"""`format_html` and `conditional_escape` for the list cells, the same output as Django's.

Django's `escape` is wrapped in `keep_lazy`, which scans its arguments for lazy strings on every
call so that it can hand back a lazy result; a 50-row list escapes some 1,500 values, all of them
rendered at once, and that scan was a quarter of the escaping. These force a lazy string instead,
as Django's `conditional_escape` does before escaping, and escape with the same `html.escape`.
"""

from __future__ import annotations

from html import escape as _escape

from django.utils.functional import Promise
from django.utils.safestring import SafeString


def conditional_escape(value) -> SafeString:
    """Django's conditional_escape: markup (`__html__`) kept, anything else escaped."""
    if isinstance(value, Promise):
        value = str(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()
    return SafeString(_escape(str(value)))


def format_html(format_string: str, *args) -> SafeString:
    """Django's format_html (positional arguments): each argument escaped, the result safe."""
    return SafeString(format_string.format(*map(conditional_escape, args)))
