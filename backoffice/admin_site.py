"""The admin site: index grouped by source system."""

from __future__ import annotations

from django.contrib import admin

from backoffice.sources import SOURCES


class BackofficeAdminSite(admin.AdminSite):
    site_header = "Backoffice"
    site_title = "Backoffice"
    index_title = "Pipelines"

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        labels = {s.alias: s for s in SOURCES}
        for app in apps:
            source = labels.get(app["app_label"])
            if source:
                app["name"] = source.label
                app["description"] = source.description
        order = {s.alias: i for i, s in enumerate(SOURCES)}
        return sorted(apps, key=lambda a: (order.get(a["app_label"], 100), a["name"]))
