from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BackofficeConfig(AppConfig):
    default = True
    name = "backoffice"
    verbose_name = "Back office"


class BackofficeAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "backoffice.admin_site.BackofficeAdminSite"
