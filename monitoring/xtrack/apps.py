from django.apps import AppConfig

from backoffice.sources import get_source


class XtrackConfig(AppConfig):
    name = "monitoring.xtrack"
    label = "xtrack"  # == the DB alias the router sends these models to
    verbose_name = get_source("xtrack").label
