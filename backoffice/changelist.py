from django.contrib.admin.views.main import ChangeList


class SourceChangeList(ChangeList):
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
