from django.contrib.admin import SimpleListFilter
from django.contrib.admin.filters import ChoicesFieldListFilter
from django.contrib.admin.views.main import ChangeList

from backoffice.pagination import EstimatedCountPaginator


class AllowListedChangeList(ChangeList):
    """Refuses a value outside a filter's fixed choices before any query runs ("no such value"),
    instead of letting the database reject it (an enum column answers with an error)."""

    def get_filters(self, request):
        result = super().get_filters(request)
        for spec in result[0]:
            _check_choice(spec)
        for key, values in result[2].items():  # equality on a choices field without its filter's form
            _check_field_choices(self.model, key, values)
        return result


def _check_field_choices(model, key: str, values) -> None:
    from django.core.exceptions import FieldDoesNotExist

    from backoffice.admin_base import BadListParameters

    name = key.removesuffix("__exact")
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return
    if not field.flatchoices:
        return
    allowed = {str(k) for k, _ in field.flatchoices}
    for value in values if isinstance(values, list) else [values]:
        if str(value) not in allowed:
            shown = ", ".join(sorted(allowed))
            raise BadListParameters(f"No such value for {key}: “{str(value)[:80]}” (accepted: {shown}).")


def _check_choice(spec) -> None:
    from backoffice.admin_base import BadListParameters

    if isinstance(spec, SimpleListFilter):
        values = [] if spec.value() is None else [spec.value()]
        allowed = {str(k) for k, _ in spec.lookup_choices}
        parameter = spec.parameter_name
    elif isinstance(spec, ChoicesFieldListFilter):
        values = spec.lookup_val or []
        allowed = {str(k) for k, _ in spec.field.flatchoices}
        parameter = spec.lookup_kwarg
    else:
        return
    for value in values:
        if str(value) not in allowed:
            shown = ", ".join(sorted(allowed)) or "none"
            raise BadListParameters(f"No such value for {parameter}: “{str(value)[:80]}” (accepted: {shown}).")


class SourceChangeList(AllowListedChangeList):
    """Applies the admin's list-only column selection after filters and search."""

    shared_view = None

    def get_queryset(self, request, exclude_parameters=None):
        queryset = self.model_admin.get_changelist_queryset(super().get_queryset(request, exclude_parameters))
        record = getattr(request, "shared_view", None)
        if record is None or exclude_parameters is not None:
            return queryset
        self.shared_view = record
        self.as_of_field = self.model_admin.get_as_of_field()
        self.keys = [self.as_of_field, "pk"] if self.as_of_field else ["pk"]
        self.unrestricted_queryset = queryset
        if self.as_of_field:
            queryset = queryset.filter(**{f"{self.as_of_field}__lte": record.as_of})
        return queryset.order_by(*[f"-{k}" for k in self.keys])

    def get_results(self, request):
        if self.shared_view is not None:
            return self._shared_results(request)
        paginator = self.model_admin.get_paginator(request, self.queryset, self.list_per_page)
        if not isinstance(paginator, EstimatedCountPaginator):
            super().get_results(request)
            self.count_is_estimate = self.count_is_capped = self.count_is_unknown = self.page_is_past_end = False
            return
        self.result_count = paginator.count
        self.full_result_count = None
        self.show_full_result_count = False
        self.show_admin_actions = True
        self.can_show_all = False
        page = paginator.page(self.page_num)
        self.result_list = page.object_list
        self.multi_page = paginator.num_pages > 1 or paginator.past_end
        self.paginator = paginator
        # Shown by the template: "about N" for planner estimates, "more than N" for capped counts.
        self.count_is_estimate = paginator.is_estimate
        self.count_is_capped = paginator.is_capped
        self.count_is_unknown = paginator.is_unknown
        self.page_is_past_end = paginator.past_end
        self.count_text = count_text(paginator, self.opts)

    def _shared_results(self, request):
        """A shared list: the rows up to its moment, newest first, one keyset page after the cursor."""
        from backoffice import shared_lists

        paginator = self.model_admin.get_paginator(request, self.queryset, self.list_per_page)
        queryset = self.queryset
        cursor = shared_lists.read_cursor(getattr(request, "shared_cursor", None), len(self.keys))
        if cursor is not None:
            queryset = queryset.filter(shared_lists.after(self.keys, cursor))
        rows = list(queryset[: self.list_per_page + 1])
        self.shared_next = None
        if len(rows) > self.list_per_page:
            rows = rows[: self.list_per_page]
            self.shared_next = shared_lists.make_cursor(rows[-1], self.keys)
        self.shared_is_later_page = cursor is not None
        self.result_count = paginator.count
        self.full_result_count = None
        self.show_full_result_count = False
        self.show_admin_actions = True
        self.can_show_all = False
        self.multi_page = False
        self.result_list = rows
        self.paginator = paginator
        self.count_is_estimate = paginator.is_estimate
        self.count_is_capped = paginator.is_capped
        self.count_is_unknown = paginator.is_unknown
        self.page_is_past_end = False
        self.count_text = count_text(paginator, self.opts) if not paginator.is_unknown else "many rows"
        self.changed_since = (
            shared_lists.changed_since(self.unrestricted_queryset, self.as_of_field, self.shared_view.as_of)
            if self.as_of_field
            else None
        )

    def reachable_pages(self):
        return self.paginator.reachable_pages(self.page_num)


def count_text(paginator, opts) -> str:
    """'3 runs', 'about 1,200,000 runs', 'more than 10000 runs', 'more than 150 runs'."""
    if paginator.is_unknown:
        if paginator.more_rows:
            n, prefix = paginator.known_rows, "more than "
        elif paginator.past_end:
            return f"an unknown number of {opts.verbose_name_plural}"
        else:
            n, prefix = paginator.known_rows, ""
    else:
        n = paginator.count
        prefix = "about " if paginator.is_estimate else "more than " if paginator.is_capped else ""
    name = opts.verbose_name if n == 1 and not prefix else opts.verbose_name_plural
    return f"{prefix}{n} {name}"
