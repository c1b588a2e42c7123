"""The ModelAdmin every source model uses: read-only, cheap on big tables, exact search."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from backoffice import pii
from backoffice.pagination import EstimatedCountPaginator
from backoffice.search import identifier_q


class ReadOnlyAdminMixin:
    """No add, change or delete, for anyone: rows here belong to someone else or are a record."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SourceModelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only admin over an unmanaged source model.

    Subclasses declare:
      identifier_fields  {"field": kind} matched exactly by the search box (see backoffice.search)
      list_columns       columns loaded for the list page (`.only()`); JSON keys via annotations
      secret_fields      columns never selected for any page (keys, hashes, *_enc, tokens)
    """

    identifier_fields: dict[str, str] = {}
    list_columns: tuple[str, ...] = ()
    secret_fields: tuple[str, ...] = ()
    pii_fields: tuple[str, ...] = ()  # shown masked to roles without access.view_pii
    detail_actions: tuple = ()  # source actions offered as buttons on the detail page
    audit_key_field = "pk"  # the value ActionRecord.target_key holds for a row of this model
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    list_max_show_all = 0  # "Show all" would load every row
    actions = None
    search_help_text = None
    change_list_template = "admin/source_change_list.html"
    change_form_template = "admin/source_change_form.html"

    def has_run_actions_permission(self, request) -> bool:
        """Used by @admin.action(permissions=["run_actions"]): operators and admins only."""
        return request.user.has_perm("access.run_actions")

    # -- what is loaded ------------------------------------------------------------------------
    def get_queryset(self, request) -> QuerySet:
        queryset = super().get_queryset(request)
        if self.secret_fields:
            queryset = queryset.defer(*self.secret_fields)
        return queryset

    def get_changelist_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.only(*self.list_columns) if self.list_columns else queryset

    def get_changelist(self, request, **kwargs):
        from backoffice.changelist import SourceChangeList

        return SourceChangeList

    def get_exclude(self, request, obj=None):
        return tuple(super().get_exclude(request, obj) or ()) + tuple(self.secret_fields)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        masked = self.pii_columns(request)
        return [masked.get(f, f) for f in fields if f not in self.secret_fields]

    def get_fieldsets(self, request, obj=None):
        if not self.fieldsets:
            return super().get_fieldsets(request, obj)
        masked = self.pii_columns(request)
        return [
            (title, {**opts, "fields": [masked.get(f, f) if isinstance(f, str) else f for f in opts["fields"]]})
            for title, opts in self.fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.pii_columns(request).values()]

    def get_list_display(self, request):
        masked = self.pii_columns(request)
        return [masked.get(f, f) if isinstance(f, str) else f for f in super().get_list_display(request)]

    def pii_columns(self, request) -> dict:
        """Per-request display callables for PII fields (the mask depends on who is looking)."""
        cache = request.__dict__.setdefault("_pii_columns", {})
        if id(self) not in cache:
            columns = {}
            for name in self.pii_fields:

                def column(obj, _name=name):
                    return pii.email_for(request.user, getattr(obj, _name, None))

                column.short_description = self.model._meta.get_field(name).verbose_name
                column.admin_order_field = name
                column.__name__ = name
                columns[name] = column
            cache[id(self)] = columns
        return cache[id(self)]

    # -- search --------------------------------------------------------------------------------
    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        # Static per admin: computed once, not written on the shared instance per request.
        self.search_help_text = self.get_search_help_text()

    def get_search_fields(self, request):
        return list(self.identifier_fields)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        match = identifier_q(self.identifier_fields, term)
        if match is None:
            messages.warning(
                request,
                f"“{term[:80]}” is not an identifier this list can search ({self.identifier_help()}); showing nothing.",
            )
            return queryset.none(), False
        return queryset.filter(match), False

    def identifier_help(self) -> str:
        names = [self.model._meta.get_field(f.split("__")[0]).verbose_name for f in self.identifier_fields]
        return "exact " + ", ".join(str(n) for n in names)

    def get_search_help_text(self):
        return f"Search by {self.identifier_help()}." if self.identifier_fields else None

    def changelist_view(self, request, extra_context=None):
        from backoffice.health_admin import drift_banner_for

        if request.user.has_perm("access.export_rows"):
            extra_context = {**(extra_context or {}), "export_url": "export.csv?" + request.GET.urlencode()}
        opts = self.model._meta
        extra_context = {
            "drift_banner": drift_banner_for(request, opts.app_label, table=opts.db_table),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    # -- detail page ------------------------------------------------------------------------------
    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and "action_buttons" not in context:
            from backoffice.actions import action_buttons
            from backoffice.audit.admin import actions_on_url

            context["action_buttons"] = action_buttons(request, self, obj, self.detail_actions)
            if self.detail_actions and request.user.has_perm("audit.view_actionrecord"):
                context["actions_on_url"] = actions_on_url(self.opts.app_label, getattr(obj, self.audit_key_field))
        return super().render_change_form(request, context, add, change, form_url, obj)

    # -- export ---------------------------------------------------------------------------------
    def get_urls(self):
        from django.urls import path

        from backoffice.export import export_changelist_csv

        opts = self.model._meta
        view = self.admin_site.admin_view(lambda request: export_changelist_csv(self, request))
        return [path("export.csv", view, name=f"{opts.app_label}_{opts.model_name}_export"), *super().get_urls()]

    # -- list rendering ---------------------------------------------------------------------------
    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        """Stock admin renders a form widget through the template engine per row (~1.7 ms each here)."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            f"Select this object for an action - {obj.pk}",
        )

    # -- display helpers -----------------------------------------------------------------------
    @staticmethod
    def masked_email(request, value):
        return pii.email_for(request.user, value)
