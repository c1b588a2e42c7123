from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from backoffice.source_app import source_module

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
]

# A configured source may publish pages of its own outside the admin (e.g. an API).
urlpatterns += [
    path("", include(module))
    for module in (source_module(alias, "urls") for alias in settings.CONFIGURED_SOURCES)
    if module is not None
]
