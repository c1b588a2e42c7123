from django.contrib.admin import SimpleListFilter
from django.contrib.admin.filters import ChoicesFieldListFilter
from django.contrib.admin.views.main import ChangeList


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

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        return self.model_admin.get_changelist_queryset(queryset)

    def get_results(self, request):
        super().get_results(request)
        # Shown by the template: "about N" for planner estimates, "N+" for capped counts.
        self.count_is_estimate = getattr(self.paginator, "is_estimate", False)
        self.count_is_capped = getattr(self.paginator, "is_capped", False)
        self.count_is_unknown = getattr(self.paginator, "is_unknown", False)
