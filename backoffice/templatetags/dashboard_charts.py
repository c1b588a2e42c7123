"""The dashboard's chart data as text: a panel arrives through htmx, which drops <script> tags
(allowScriptTags is off under the CSP), so a polled panel cannot carry a json_script block."""

from __future__ import annotations

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder

register = template.Library()


@register.filter
def as_json(value) -> str:
    """JSON text, left to autoescaping: the element's textContent is the JSON again."""
    return json.dumps(value, cls=DjangoJSONEncoder)
