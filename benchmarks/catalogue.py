"""The page catalogue: every page of the back office, enumerated from its registries.

Nothing here names a model, a filter or a panel. A changelist registered on the admin site, a
filter added to a `list_filter`, an identifier added to `identifier_fields`, a panel added to a
source's `PANELS`, a stats endpoint or an admin tool is benchmarked the next time `make bench`
runs:

- each source changelist, and each choice of each of its filters, as the changelist renders the
  choice's link (only declared parameters, one filter at a time);
- each identifier field of each changelist, searched for a real value read from the data;
- one detail page per model, and each section it loads after itself (a related table, a timeline);
- the dashboard (the admin index), each panel's htmx partial (cached, and with an empty cache),
  each stats endpoint and each choice of its parameters;
- Find anything for an email, a username and a UUID, and the timeline of the email's person;
- each admin tool page;
- the back office's own admin pages the same way (audit log, bulk runs, shared links, tokens,
  users), each model's history (the audit trail) and its audited export;
- each admin's own URLs (a run's payload, the retry-all page, a bulk run's progress ...) that
  answer a plain GET: a POST-only control or a page that needs parameters is left to the next
  point;
- the pages each source declares in its bench module (its AppConfig's `bench`, read through
  benchmarks.harness.pages): those only its data can name (the heaviest detail, a comparison of
  two runs, a combination of filters, a poll with its parameters).

A shared link and a bulk run are staged for the run (`staged`) so that their pages exist.

Changelists, filters, searches and details of the sources have a stock and a tuned counterpart at
the same path under /stock-admin/ and /tuned-admin/ (benchmarks/stock_admin.py).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from importlib import import_module
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import DatabaseError
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, URLPattern, reverse

from backoffice.filters import DateRangeFilter
from backoffice.search import EMAIL, INT, TEXT, UUID, UUID_TEXT
from backoffice.source_app import source_module
from benchmarks import harness
from benchmarks.harness import BenchPage

logger = logging.getLogger(__name__)

MAX_CHOICES_PER_FILTER = 40  # a related-field filter over a big table would list thousands
DATE_RANGE_DAYS = 7  # a date-range filter is benchmarked over its last week
# Django's own per-model URLs; the catalogue covers them itself (list, detail, history) or they are
# forms that write (add, delete) or the export and reveal every source admin has.
STANDARD_URLS = ("changelist", "add", "delete", "history", "change", "export", "reveal", "section")


def _fixed(url: str):
    return lambda samples, _url=url: _url


def _object_key(opts) -> str:
    """The samples key of the object a model's detail pages open (model_pages picks it)."""
    return f"pk {opts.app_label}.{opts.model_name}"


def _on_sample(view: str, key: str, site: str = "/admin/"):
    """The URL of `view` at the object `samples[key]` names (each dataset names its own)."""
    return lambda samples: reverse(view, args=[samples[key]]).replace("/admin/", site, 1)


def _section_on_sample(view: str, key: str, name: str):
    """The URL of a detail page's section (loaded after the page, by htmx) at the sample object."""
    return lambda samples: reverse(view, args=[samples[key], name])


def source_admins(sources: tuple[str, ...] | None = None):
    """(model, model_admin) of every registered source model (of `sources`, when given), in source
    then model order."""
    order = {alias: i for i, alias in enumerate(_sources(sources))}
    items = [(m, a) for m, a in admin.site._registry.items() if m._meta.app_label in order]
    return sorted(items, key=lambda item: (order[item[0]._meta.app_label], item[0]._meta.model_name))


def own_admins():
    """(model, model_admin) of every other registered model (audit, bulk runs, tokens, users ...)."""
    sources = set(settings.CONFIGURED_SOURCES)
    items = [(m, a) for m, a in admin.site._registry.items() if m._meta.app_label not in sources]
    return sorted(items, key=lambda item: (item[0]._meta.app_label, item[0]._meta.model_name))


def filter_choices(model_admin, user) -> list[tuple[str, str, dict, dict]]:
    """[(filter title, choice label, query parameters, the stock admin's parameters)] as the
    changelist renders its filter links; a date range is taken over its last DATE_RANGE_DAYS."""
    opts = model_admin.model._meta
    request = RequestFactory().get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    request.user = user
    changelist = model_admin.get_changelist_instance(request)
    choices = []
    for spec in changelist.filter_specs:
        if isinstance(spec, DateRangeFilter):
            since = (datetime.now(UTC) - timedelta(days=DATE_RANGE_DAYS)).date().isoformat()
            stock = {f"{spec.field}__gte": f"{since} 00:00:00+00:00"}
            choices.append((str(spec.title), f"last {DATE_RANGE_DAYS} days", {spec.parameter_from: since}, stock))
            continue
        seen = 0
        for choice in spec.choices(changelist):
            params = dict(parse_qsl(choice["query_string"].lstrip("?"), keep_blank_values=True))
            if not params or seen >= MAX_CHOICES_PER_FILTER:
                continue  # "All": the plain list
            seen += 1
            choices.append((str(spec.title), str(choice["display"]), params, params))
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


def _answers(page: BenchPage, samples: dict) -> bool:
    """A declared page can be built from the samples (a source with no data gives none)."""
    try:
        page.url(samples)
    except KeyError:
        return False
    return True


def detail_pk(model):
    try:
        return next(iter(model._default_manager.order_by().values_list("pk", flat=True)[:1]), None)
    except DatabaseError:
        return None


def _sources(chosen: tuple[str, ...] | None) -> list[str]:
    """The configured sources, or those of them chosen (the others' databases may not be built)."""
    return [alias for alias in settings.CONFIGURED_SOURCES if chosen is None or alias in chosen]


def build(user, samples: dict, sources: tuple[str, ...] | None = None) -> list[BenchPage]:
    """Every page (of `sources`' models, when given), with its counterparts; `samples` gains the
    identifiers it picked (find, timeline)."""
    declared = [page for page in declared_pages(sources) if _answers(page, samples)]
    declared_paths = {urlsplit(page.url(samples)).path for page in declared}
    probe = Client(raise_request_exception=False)
    probe.force_login(user)
    pages: list[BenchPage] = []
    people: dict[str, str] = {}
    request = RequestFactory().get(reverse("admin:index"))
    request.user = user
    # the back office's own admins that the bench user's role sees (not the superuser-only ones)
    visible = [(model, model_admin) for model, model_admin in own_admins() if model_admin.has_view_permission(request)]
    for model, model_admin in [*source_admins(sources), *visible]:
        pages += model_pages(model, model_admin, user, people, samples)
        pages += own_url_pages(model, model_admin, probe, declared_paths, samples)
    pages += dashboard_pages()
    pages += stats_pages()
    pages += people_pages(people)
    pages += tool_pages()
    pages += shared_pages(probe, people, sources)
    pages += declared
    samples.update({f"person_{k}": v for k, v in people.items()})
    return pages


def model_pages(model, model_admin, user, people: dict, samples: dict) -> list[BenchPage]:
    """A model's list, each filter choice, each identifier search, one detail, its history and export.

    The detail's object is a sample (`samples[_object_key(opts)]`), so the same page on another
    dataset opens that dataset's own object."""
    opts = model._meta
    is_source = opts.app_label in settings.CONFIGURED_SOURCES
    source = opts.app_label if is_source else "backoffice"
    label = f"{opts.app_label}.{opts.model_name}"
    ours = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")

    def baseline(path: str, query: str = ""):
        return _fixed(path.replace("/admin/", "/stock-admin/", 1) + query) if is_source else None

    ref = f"{opts.app_label}.{model.__name__}"
    pages = [BenchPage(f"{label} list", source, _fixed(ours), baseline(ours), model_admin=ref, group="list")]
    for title, choice, params, stock_params in filter_choices(model_admin, user):
        query = "?" + urlencode(params)
        pages.append(
            BenchPage(
                f"{label} {title}={choice}",
                source,
                _fixed(ours + query),
                baseline(ours, "?" + urlencode(stock_params)),
                tuned=_fixed(ours.replace("/admin/", "/tuned-admin/", 1) + query) if is_source else None,
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
                source,
                _fixed(ours + query),
                baseline(ours, query),
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
        key = _object_key(opts)
        samples[key] = quote(pk)
        change, history = (f"admin:{opts.app_label}_{opts.model_name}_{view}" for view in ("change", "history"))
        stock = _on_sample(change, key, "/stock-admin/") if is_source else None
        detail = _on_sample(change, key)
        pages.append(BenchPage(f"{label} detail", source, detail, stock, kind="detail", group="detail"))
        pages.append(BenchPage(f"{label} history", source, _on_sample(history, key), kind="detail", group="history"))
        for name in getattr(model_admin, "deferred_sections", dict)():
            pages.append(
                BenchPage(
                    f"{label} section {name}",
                    source,
                    _section_on_sample(f"admin:{opts.app_label}_{opts.model_name}_section", key, name),
                    kind="detail",
                    group="section",
                    htmx=True,
                )
            )
    try:
        export = reverse(f"admin:{opts.app_label}_{opts.model_name}_export")
    except NoReverseMatch:
        export = None
    if export is not None:
        pages.append(BenchPage(f"{label} export", source, _fixed(export), kind="detail", group="export"))
    return pages


def own_url_pages(model, model_admin, probe, declared_paths: set[str], samples: dict) -> list[BenchPage]:
    """The admin's own URLs beyond Django's (a run's payload, the live list, a bulk run's progress):
    at the detail's object (the sample model_pages picked) when they take one; kept when a plain
    GET answers 200 (a POST-only control answers 405, a page that needs parameters 400: a source
    declares those with them)."""
    opts = model._meta
    key = _object_key(opts)
    prefix = f"{opts.app_label}_{opts.model_name}_"
    source = opts.app_label if opts.app_label in settings.CONFIGURED_SOURCES else "backoffice"
    pages = []
    for pattern in model_admin.get_urls():
        name = getattr(pattern, "name", None) or ""
        if not isinstance(pattern, URLPattern) or not name.startswith(prefix) or name[len(prefix) :] in STANDARD_URLS:
            continue
        converters = list(pattern.pattern.converters)
        if len(converters) > 1:
            continue
        if converters:
            if key not in samples:
                continue  # the model has no rows
            at = _on_sample(f"admin:{name}", key)
            url = at(samples)
        else:
            url = reverse(f"admin:{name}")
            at = _fixed(url)
        if url in declared_paths or _probe(probe, url) != 200:
            continue
        label = f"{opts.app_label}.{opts.model_name} {name[len(prefix) :]}"
        kind = "detail" if converters else "list"
        pages.append(BenchPage(label, source, at, kind=kind, group="admin url"))
    return pages


def _probe(client, url: str) -> int:
    """The status of a GET, without Django's warning for a POST-only control's 405."""
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    try:
        return client.get(url).status_code
    finally:
        request_log.setLevel(level)


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
        # a panel answers htmx's requests only (anything else is sent to the dashboard)
        poll = BenchPage(
            f"{name} (poll)", panel.source, _fixed(url), kind="poll", group="panel", cached=True, htmx=True
        )
        query = BenchPage(
            f"{name} (query)", panel.source, _fixed(url), kind="poll", group="panel", cold=True, htmx=True
        )
        pages += [poll, query]
    return pages


def stats_pages() -> list[BenchPage]:
    """Each source's own URLs outside the admin (its AppConfig's `urls` module): a route with one
    parameter whose view module lists its values in ENDPOINTS (the stats API) is benchmarked for
    each endpoint and each choice of its declared parameters (a FilterSet's choice filters)."""
    pages = []
    for alias in settings.CONFIGURED_SOURCES:
        module = source_module(alias, "urls")
        for pattern in getattr(module, "urlpatterns", []):
            view_module = import_module(pattern.callback.__module__)
            endpoints = getattr(view_module, "ENDPOINTS", {})
            for endpoint, (parameters_class, _compute) in endpoints.items():
                url = reverse(pattern.name, args=[endpoint])
                variants = [("", {})]
                for name, parameter in parameters_class.base_filters.items():
                    for value, _label in parameter.extra.get("choices", []):
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


def shared_pages(probe, people: dict, sources: tuple[str, ...] | None = None) -> list[BenchPage]:
    """A shared link of each kind (a source list with a filter, Find anything, the timeline), opened
    as its recipient does: the list through its changelist as of the link's moment."""
    from backoffice.shared.models import SharedView

    targets = []
    first = next(iter(source_admins(sources)), None)
    if first is not None:
        opts = first[0]._meta
        targets.append(("list", reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), "o=-1"))
    if "email" in people:
        targets.append(("find anything", reverse("admin:find"), urlencode({"q": people["email"]})))
        targets.append(("timeline", reverse("admin:timeline"), urlencode({"q": people["email"]})))
    pages = []
    for label, path, query in targets:
        response = probe.post(reverse("admin:shared_create"), {"path": path, "query": query})
        record = SharedView.objects.filter(path=path, query=query).order_by("-pk").first()
        if response.status_code != 200 or record is None:
            logger.warning("bench: no shared link for %s (HTTP %s)", path, response.status_code)
            continue
        url = reverse("admin:shared_open", args=[record.token])
        opened = probe.get(url)
        if opened.status_code == 302:  # a list opens through its changelist with the token
            url = opened["Location"]
        pages.append(BenchPage(f"shared link: {label}", "backoffice", _fixed(url), group="shared"))
    return pages


@contextmanager
def staged(user):
    """Rows that give the back office's own pages something to show while the catalogue runs: a
    finished bulk run of two items (its page, progress and history). Removed afterwards, with the
    shared links the catalogue made."""
    from backoffice.bulk.models import BulkRun, BulkRunItem, ItemState, RunStatus
    from backoffice.shared.models import SharedView

    started = datetime.now(UTC)
    run = BulkRun.objects.create(
        user=user,
        username=user.get_username(),
        source="backoffice",
        action="benchmark",
        description="benchmark: a staged run (never sent)",
        model="bulk.bulkrun",
        reason="benchmark",
        token="bench",
        submission="bench",
        matched_when_looked=2,
        matched_at_confirm=2,
        status=RunStatus.CANCELLED,
        finished_at=started,
    )
    for position, state in enumerate((ItemState.OK, ItemState.FAILED)):
        BulkRunItem.objects.create(
            run=run, position=position, target_pk=str(position), target_key=str(position), state=state
        )
    try:
        yield
    finally:
        run.delete()
        SharedView.objects.filter(created_by=user, created_at__gte=started).delete()


def declared_pages(sources: tuple[str, ...] | None = None) -> list[BenchPage]:
    """The pages each source declares in its bench module (benchmarks.harness.pages)."""
    return [page for alias in _sources(sources) for page in harness.pages(alias)]


def declared_samples(connect, sources: tuple[str, ...] | None = None) -> dict:
    """Each source bench module's `samples(conn)` (identifiers its declared pages need), merged."""
    samples = {}
    for alias in _sources(sources):
        samples.update(harness.samples(alias, connect))
    return samples
