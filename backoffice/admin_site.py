"""The admin site: index grouped by source system, plus the source apps' own tool pages."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.urls import path, reverse
from django.utils.functional import SimpleLazyObject

from backoffice.sources import SOURCES

# Set while each_context runs: the app list it asks for is made lazy (see each_context).
_app_list_when_read: contextvars.ContextVar[bool] = contextvars.ContextVar("app_list_when_read", default=False)


@dataclass(frozen=True)
class Tool:
    """A page that is not a model list (find a person, dashboards), shown on the index."""

    route: str
    view: Callable
    name: str
    label: str
    source: str
    permission: str | None = None  # e.g. "access.search_people"


class BackofficeAdminSite(admin.AdminSite):
    site_header = "Backoffice"
    site_title = "Backoffice"
    index_title = "Pipelines"
    index_template = "admin/backoffice_index.html"
    # The sidebar re-renders ~40 models with permission checks on every page (≈15 ms here);
    # the index and breadcrumbs already lead everywhere.
    enable_nav_sidebar = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tools: list[Tool] = []
        self._app_dicts: dict[tuple, dict] = {}

    def _build_app_dict(self, request, label=None):
        """Django builds the app list on every page (each_context's available_apps, even with the
        sidebar off): two reverses and four permission checks per model, ~45 models. It depends
        only on the user's permissions and the URL configuration, so it is built once per set."""
        from django.conf import settings
        from django.urls import get_script_prefix, get_urlconf

        user = request.user
        superuser = user.is_active and user.is_superuser
        key = (
            label,
            superuser,
            # A superuser has every permission without loading them; another user's are loaded
            # once per request anyway (has_perm caches them on the user).
            frozenset() if superuser or not user.is_active else frozenset(user.get_all_permissions()),
            get_script_prefix(),
            get_urlconf() or settings.ROOT_URLCONF,
            len(self._registry),
        )
        built = self._app_dicts.get(key)
        if built is None:
            built = super()._build_app_dict(request, label)
            if len(self._app_dicts) > 256:  # a bounded memo: a handful of roles in practice
                self._app_dicts.clear()
            self._app_dicts[key] = built
        # Callers sort and extend what they get: hand out copies of the dicts and model lists.
        if label:
            return built and {**built, "models": [dict(m) for m in built["models"]]}
        return {name: {**app, "models": [dict(m) for m in app["models"]]} for name, app in built.items()}

    def register_tool(self, tool: Tool) -> None:
        self.tools.append(tool)

    def index(self, request, extra_context=None):
        """The landing page: the live dashboard, then every source's pages and tools."""
        from backoffice.dashboard import dashboard_context

        extra_context = {
            # Tools that belong to no source (source="backoffice"), e.g. "Source health".
            "global_tools": self.tools_for(request, "backoffice"),
            **dashboard_context(request),
            **(extra_context or {}),
        }
        return super().index(request, extra_context)

    def get_urls(self):
        from backoffice.dashboard import panel_view
        from backoffice.find_views import find_view, timeline_view

        tool_urls = [path(t.route, self.admin_view(t.view), name=t.name) for t in self.tools]
        panel_url = path(
            "dashboard/panel/<slug:source>/<slug:name>/", self.admin_view(panel_view), name="dashboard_panel"
        )
        people = [
            path("find/", self.admin_view(find_view), name="find"),
            path("timeline/", self.admin_view(timeline_view), name="timeline"),
        ]
        from backoffice.shared.views import urls as shared_urls

        return [*tool_urls, panel_url, *people, *shared_urls(self), *super().get_urls()]

    def tools_for(self, request, source: str | None = None) -> list[dict]:
        return [
            {"label": t.label, "url": reverse(f"{self.name}:{t.name}"), "source": t.source}
            for t in self.tools
            if (source is None or t.source == source) and (t.permission is None or request.user.has_perm(t.permission))
        ]

    def each_context(self, request):
        """Django's, with `available_apps` built when a template reads it. Only the nav sidebar
        (off) does; the index builds its own app list. Sorting it by translated names and finding
        each source's tools was some 0.4 ms of every page."""
        token = _app_list_when_read.set(True)
        try:
            return super().each_context(request)
        finally:
            _app_list_when_read.reset(token)

    def get_app_list(self, request, app_label=None):
        if _app_list_when_read.get():  # asked for by each_context
            return SimpleLazyObject(lambda: self.get_app_list(request, app_label))
        apps = super().get_app_list(request, app_label)
        labels = {s.alias: s for s in SOURCES}
        for app in apps:
            source = labels.get(app["app_label"])
            if source:
                app["name"] = source.label
                app["description"] = source.description
                app["tools"] = self.tools_for(request, source.alias)
        order = {s.alias: i for i, s in enumerate(SOURCES)}
        return sorted(apps, key=lambda a: (order.get(a["app_label"], 100), a["name"]))
