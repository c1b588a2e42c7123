from importlib.util import find_spec

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
]

# A configured source may publish pages of its own outside the admin (e.g. an API).
urlpatterns += [
    path("", include(f"monitoring.{alias}.urls"))
    for alias in settings.CONFIGURED_SOURCES
    if find_spec(f"monitoring.{alias}.urls") is not None
]
