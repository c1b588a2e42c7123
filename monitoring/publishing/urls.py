from django.urls import path

from monitoring.publishing.views import stats_view

urlpatterns = [path("dashboard/stats/<slug:endpoint>", stats_view, name="publishing-stats")]
