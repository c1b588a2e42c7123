"""The two baselines, generated from the admin registry: a stock admin and a tuned admin.

For every source model registered on the Backoffice admin site, two plain Django ModelAdmins
over the same model, mounted only while benchmarking:

- **stock** (`/stock-admin/`): what a newcomer writes. Default paginator (full COUNT, twice),
  `icontains` search over the same identifier fields, the field list filters, full rows
  (payloads included), 100 rows a page.
- **tuned** (`/tuned-admin/`): what a careful user who read the Django docs writes, not weakened:
  `field__exact` search on text fields, typed exact matches for integer and UUID fields through
  `get_search_results` (the documented hook), `lower(email)` matched where the recommended
  index on `lower(email)` exists, `show_full_result_count = False`, a paginator that counts with
  the planner's estimate, JSON columns deferred on the list, 50 rows a page, the same list
  filters as ours (plain Django filters), the same ordering, read-only.

Both show the concrete model fields of our `list_display` and hide the secret columns.
"""

from __future__ import annotations

import json
import uuid
from functools import cached_property, reduce
from operator import or_

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import Q
from django.db.models.functions import Lower

from backoffice.admin_base import ReadOnlyAdminMixin
from backoffice.filters import DateRangeFilter
from backoffice.search import EMAIL, INT, UUID, UUID_TEXT, classify
from backoffice.source_app import source_configs
from backoffice.sources import SOURCE_ALIASES


class BaselineSite(admin.AdminSite):
    """A plain admin site; the project's header template links to Find anything, so it names it too."""

    def get_urls(self):
        from django.urls import path

        from backoffice.find_views import find_view

        return [path("find/", self.admin_view(find_view), name="find"), *super().get_urls()]


stock_site = BaselineSite(name="stock")
tuned_site = BaselineSite(name="tuned")


class BaselineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    actions = None
    # Django's own templates, not the Backoffice overrides found by app/model name.
    change_list_template = "admin/change_list.html"
    change_form_template = "admin/change_form.html"


class PlannerCountPaginator(Paginator):
    """COUNT(*) replaced by the planner's row estimate of the same query (EXPLAIN, no execution)."""

    @cached_property
    def count(self):
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            return len(queryset)
        sql, params = queryset.order_by().query.sql_with_params()
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return int(plan[0]["Plan"]["Plan Rows"])


class DeferJsonChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        deferred = getattr(self.model_admin, "list_deferred", ())
        return queryset.defer(*deferred) if deferred else queryset


class TunedAdmin(BaselineAdmin):
    show_full_result_count = False
    paginator = PlannerCountPaginator
    list_per_page = 50
    list_max_show_all = 0
    exact_fields: dict[str, str] = {}  # identifier field -> kind, from our admin
    lower_email_fields: tuple[str, ...] = ()  # email fields with a lower(email) index
    list_deferred: tuple[str, ...] = ()

    def get_changelist(self, request, **kwargs):
        return DeferJsonChangeList

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term or not self.exact_fields:
            return super().get_search_results(request, queryset, search_term)
        kinds = classify(term)
        clauses = []
        for field, kind in self.exact_fields.items():
            if kind in (UUID, UUID_TEXT) and UUID in kinds:
                value = uuid.UUID(term) if kind == UUID else term
                clauses.append(Q(**{f"{field}__exact": value}))
            elif kind == INT and INT in kinds:
                clauses.append(Q(**{f"{field}__exact": int(term)}))
            elif kind == EMAIL and field in self.lower_email_fields:
                clauses.append(Q(**{f"{field}_lower": term.lower()}))
                queryset = queryset.alias(**{f"{field}_lower": Lower(field)})
            elif kind == EMAIL:
                clauses.append(Q(**{f"{field}__exact": term.lower()}))
            elif kind not in (UUID, UUID_TEXT, INT, EMAIL):
                clauses.append(Q(**{f"{field}__exact": term}))
        if not clauses:
            return queryset.none(), False
        return queryset.filter(reduce(or_, clauses)), False


def _concrete(model, name):
    try:
        field = model._meta.get_field(name)
    except Exception:
        return None
    return field if getattr(field, "concrete", False) else None


def _lower_email_indexes() -> set[tuple[str, str]]:
    """(table, column) pairs with a recommended `lower(column)` index (declared on the source's AppConfig)."""
    found = set()
    for config in source_configs():
        for table, columns, _name, *_pages in config.recommended_indexes:
            text = columns.replace(" ", "").lower()
            if text.startswith("lower(") and text.endswith(")") and "," not in text:
                found.add((table, text[len("lower(") : -1]))
    return found


def baseline_admins(model, ours) -> tuple[type, type]:
    """(stock, tuned) ModelAdmin classes for `model`, derived from our admin `ours`."""
    secret = tuple(getattr(ours, "secret_fields", ()))
    display = [
        name
        for name in ours.list_display
        if isinstance(name, str) and _concrete(model, name) is not None and name not in secret
    ] or ["__str__"]
    identifier_fields = dict(getattr(ours, "identifier_fields", {}) or {})
    stock_search = []
    for field in identifier_fields:
        target = _concrete(model, field)
        stock_search.append(f"{target.name}__pk" if target is not None and target.is_relation else field)
    # a newcomer's date filter is Django's own on the same column (?created_at__gte=...)
    field_filters = [
        f.field if isinstance(f, type) and issubclass(f, DateRangeFilter) else f
        for f in ours.list_filter
        if isinstance(f, str) or (isinstance(f, type) and issubclass(f, DateRangeFilter))
    ]
    ordering = list(ours.ordering or model._meta.ordering or [])
    json_columns = tuple(
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.JSONField) and f.name not in display and not f.primary_key
    )
    lower = _lower_email_indexes()
    stock = type(
        f"Stock{model.__name__}Admin",
        (BaselineAdmin,),
        {
            "list_display": display,
            "list_filter": field_filters,
            "search_fields": stock_search,
            "ordering": ordering,
            "exclude": secret or None,
        },
    )
    tuned = type(
        f"Tuned{model.__name__}Admin",
        (TunedAdmin,),
        {
            "list_display": display,
            "list_filter": list(ours.list_filter),
            "search_fields": [f"{f}__exact" for f in stock_search],
            "exact_fields": identifier_fields,
            "lower_email_fields": tuple(
                f for f in identifier_fields if (model._meta.db_table, f) in lower and _concrete(model, f)
            ),
            "list_deferred": json_columns,
            "ordering": ordering,
            "exclude": secret or None,
        },
    )
    return stock, tuned


def register_baselines() -> None:
    """Mirror every source model of the Backoffice site on the stock and tuned sites (idempotent)."""
    for model, ours in admin.site._registry.items():
        if model._meta.app_label not in SOURCE_ALIASES or model in stock_site._registry:
            continue
        stock, tuned = baseline_admins(model, ours)
        stock_site.register(model, stock)
        tuned_site.register(model, tuned)


register_baselines()
