from django.apps import AppConfig

from backoffice.sources import get_source


class WrappedConfig(AppConfig):
    name = "monitoring.wrapped"
    label = "wrapped"  # == the DB alias the router sends these models to
    verbose_name = get_source("wrapped").label
