from django.urls import path

from backoffice.urls import urlpatterns as backoffice_urlpatterns
from benchmarks.stock_admin import stock_site

urlpatterns = [path("stock-admin/", stock_site.urls), *backoffice_urlpatterns]
