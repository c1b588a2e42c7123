from django.apps import AppConfig


class SharedConfig(AppConfig):
    name = "backoffice.shared"
    label = "shared"
    verbose_name = "Shared views"
    default_auto_field = "django.db.models.BigAutoField"
