from django.apps import AppConfig


class BulkConfig(AppConfig):
    name = "backoffice.bulk"
    label = "bulk"
    verbose_name = "Bulk runs"
    default_auto_field = "django.db.models.BigAutoField"
