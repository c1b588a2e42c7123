"""The page catalogue: every page of the back office, enumerated from its registries.

Nothing here names a model, a filter or a panel. A changelist registered on the admin site, a
filter added to a `list_filter`, an identifier added to `identifier_fields`, a panel added to a
source's `PANELS`, a stats endpoint or an admin tool is benchmarked the next time `make bench`
runs:

- each source changelist, and each choice of each of its filters, as the changelist renders the
  choice's link (only declared parameters, one filter at a time);
- each identifier field of each changelist, searched for a real value read from the data;
- one detail page per model;
- the dashboard (the admin index), each panel's htmx partial (cached, and with an empty cache),
  each stats endpoint and each choice of its parameters;
- Find anything for an email, a username and a UUID, and the timeline of the email's person;
- each admin tool page, and the hand-written extra pages of `monitoring/<source>/bench.py`.

Changelists, filters, searches and details have a stock and a tuned counterpart at the same path
under /stock-admin/ and /tuned-admin/ (benchmarks/stock_admin.py).
"""

from __future__ import annotations

import importlib
import logging
from importlib.util import find_spec
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import DatabaseError
from django.test import RequestFactory
from django.urls import reverse

from backoffice.search import EMAIL, INT, TEXT, UUID, UUID_TEXT
from benchmarks.harness import REGISTRY, BenchPage

logger = logging.getLogger(__name__)

MAX_CHOICES_PER_FILTER = 40  # a related-field filter over a big table would list thousands


def _fixed(url: str):
    return lambda samples, _url=url: _url


def source_admins():
    """(model, model_admin) of every registered source model, in source then model order."""
    order = {alias: i for i, alias in enumerate(settings.CONFIGURED_SOURCES)}
    items = [(m, a) for m, a in admin.site._registry.items() if m._meta.app_label in order]
    return sorted(items, key=lambda item: (order[item[0]._meta.app_label], item[0]._meta.model_name))


def filter_choices(model_admin, user) -> list[tuple[str, str, dict]]:
    """[(filter title, choice label, query parameters)] as the changelist renders its filter links."""
    opts = model_admin.model._meta
    request = RequestFactory().get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    choices = []
    for spec in changelist.filter_specs:
        seen = 0
        for choice in spec.choices(changelist):
            params = dict(parse_qsl(choice["query_string"].lstrip("?"), keep_blank_values=True))
            if not params or seen >= MAX_CHOICES_PER_FILTER:
                continue  # "All": the plain list
            seen += 1
            choices.append((str(spec.title), str(choice["display"]), params))
    return choices


def sample_value(model, field: str, kind: str):
    """A real value of `field` (may cross a relation) from the source's data, or None."""
    target = model._meta.get_field(field.split("__")[0])
    lookup = target.attname if "__" not in field and target.is_relation else field
    try:
        value = (
            model._default_manager.exclude(**{f"{lookup}__isnull": True}).order_by().values_list(lookup, flat=True)[:1]
        )
        value = next(iter(value), None)
    except DatabaseError as exc:
        logger.warning("bench: no sample for %s.%s: %s", model.__name__, field, exc)
        return None
    if value is None:
        return None
    text = str(value)
    return text.title() if kind == EMAIL else text  # an email as typed: Maria.Smith@Example.Com


def detail_pk(model):
    try:
        return next(iter(model._default_manager.order_by().values_list("pk", flat=True)[:1]), None)
    except DatabaseError:
        return None


def build(user, samples: dict) -> list[BenchPage]:
    """Every page, with its counterparts; `samples` gains the identifiers it picked (find, timeline)."""
    pages: list[BenchPage] = []
    people: dict[str, str] = {}
    for model, model_admin in source_admins():
        opts = model._meta
        label = f"{opts.app_label}.{opts.model_name}"
        ours = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        stock = ours.replace("/admin/", "/stock-admin/", 1)
        ref = f"{opts.app_label}.{model.__name__}"
        pages.append(
            BenchPage(f"{label} list", opts.app_label, _fixed(ours), _fixed(stock), model_admin=ref, group="list")
        )
        for title, choice, params in filter_choices(model_admin, user):
            query = "?" + urlencode(params)
            pages.append(
                BenchPage(
                    f"{label} {title}={choice}",
                    opts.app_label,
                    _fixed(ours + query),
                    _fixed(stock + query),
                    group="filter",
                )
            )
        for field, kind in (getattr(model_admin, "identifier_fields", None) or {}).items():
            value = sample_value(model, field, kind)
            if value is None:
                continue
            query = "?" + urlencode({"q": value})
            pages.append(
                BenchPage(
                    f"{label} search {field} ({kind})",
                    opts.app_label,
                    _fixed(ours + query),
                    _fixed(stock + query),
                    kind="search",
                    group="search",
                )
            )
            if kind == EMAIL:
                people.setdefault("email", value)
            elif kind in (UUID, UUID_TEXT):
                people.setdefault("uuid", value)
            elif kind == TEXT and "username" in field:
                people.setdefault("username", value)
            elif kind == INT:
                people.setdefault("int", value)
        pk = detail_pk(model)
        if pk is not None:
            path = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(pk)])
            pages.append(
                BenchPage(
                    f"{label} detail",
                    opts.app_label,
                    _fixed(path),
                    _fixed(path.replace("/admin/", "/stock-admin/", 1)),
                    kind="detail",
                    group="detail",
                )
            )
    pages += dashboard_pages()
    pages += stats_pages()
    pages += people_pages(people)
    pages += tool_pages()
    pages += extra_pages()
    samples.update({f"person_{k}": v for k, v in people.items()})
    return pages


def dashboard_pages() -> list[BenchPage]:
    from backoffice.dashboard import all_panels

    index = reverse("admin:index")
    pages = [
        BenchPage("dashboard", "backoffice", _fixed(index), kind="dashboard", group="dashboard", cached=True),
        BenchPage(
            "dashboard (empty cache)", "backoffice", _fixed(index), kind="dashboard", group="dashboard", cold=True
        ),
    ]
    for panel in all_panels():
        url = reverse("admin:dashboard_panel", args=[panel.source, panel.name])
        name = f"panel {panel.key}"
        pages.append(BenchPage(f"{name} (poll)", panel.source, _fixed(url), kind="poll", group="panel", cached=True))
        pages.append(BenchPage(f"{name} (query)", panel.source, _fixed(url), kind="poll", group="panel", cold=True))
    return pages


def stats_pages() -> list[BenchPage]:
    """Each source's stats endpoints (`monitoring/<s>/views.py` ENDPOINTS), each parameter choice."""
    pages = []
    for alias in settings.CONFIGURED_SOURCES:
        if find_spec(f"monitoring.{alias}.views") is None:
            continue
        endpoints = getattr(importlib.import_module(f"monitoring.{alias}.views"), "ENDPOINTS", {})
        for endpoint, (form_class, _compute) in endpoints.items():
            url = reverse(f"{alias}-stats", args=[endpoint])
            variants = [("", {})]
            for name, form_field in form_class.base_fields.items():
                for value, _label in getattr(form_field, "choices", []):
                    if value:
                        variants.append((f" {name}={value}", {name: value}))
            for suffix, params in variants:
                full = url + ("?" + urlencode(params) if params else "")
                pages.append(
                    BenchPage(f"stats {endpoint}{suffix}", alias, _fixed(full), kind="poll", group="api", cold=True)
                )
    return pages


def people_pages(people: dict) -> list[BenchPage]:
    find = reverse("admin:find")
    timeline = reverse("admin:timeline")
    pages = [
        BenchPage(
            f"find anything: {kind}",
            "backoffice",
            _fixed(f"{find}?{urlencode({'q': value})}"),
            kind="search",
            group="find",
        )
        for kind, value in people.items()
        if kind in ("email", "username", "uuid")
    ]
    if "email" in people:
        pages.append(
            BenchPage(
                "timeline: email",
                "backoffice",
                _fixed(f"{timeline}?{urlencode({'q': people['email']})}"),
                kind="detail",
                group="timeline",
            )
        )
    return pages


def tool_pages() -> list[BenchPage]:
    return [
        BenchPage(f"tool: {tool.label}", tool.source, _fixed(reverse(f"admin:{tool.name}")), group="tool")
        for tool in admin.site.tools
    ]


def extra_pages() -> list[BenchPage]:
    """The hand-written pages of monitoring/<source>/bench.py (heaviest detail, live poll, find a person)."""
    for alias in settings.CONFIGURED_SOURCES:
        if find_spec(f"monitoring.{alias}.bench") is not None:
            importlib.import_module(f"monitoring.{alias}.bench")
    return list(REGISTRY)


def extra_samples(connect) -> dict:
    """Each source bench module's `samples(conn)` (identifiers its extra pages need), merged."""
    samples = {}
    for alias in settings.CONFIGURED_SOURCES:
        if find_spec(f"monitoring.{alias}.bench") is None:
            continue
        module = importlib.import_module(f"monitoring.{alias}.bench")
        if hasattr(module, "samples"):
            with connect(alias) as conn:
                samples.update(module.samples(conn))
    return samples
