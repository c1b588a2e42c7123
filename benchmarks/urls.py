from django.urls import path

from backoffice.urls import urlpatterns as backoffice_urlpatterns
from benchmarks.stock_admin import stock_site, tuned_site

urlpatterns = [path("stock-admin/", stock_site.urls), path("tuned-admin/", tuned_site.urls), *backoffice_urlpatterns]
