from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BackofficeConfig(AppConfig):
    default = True
    name = "backoffice"
    verbose_name = "Back office"

    def ready(self):
        from django.db.backends.signals import connection_created

        from backoffice import health_admin  # noqa: F401 - registers the "Source health" admin page
        from backoffice.fields import untyped_uuid_parameters

        connection_created.connect(untyped_uuid_parameters, dispatch_uid="backoffice.untyped_uuid_parameters")


class BackofficeAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "backoffice.admin_site.BackofficeAdminSite"
