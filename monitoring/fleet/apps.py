from django.apps import AppConfig

from backoffice.sources import get_source


class FleetConfig(AppConfig):
    name = "monitoring.fleet"
    label = "fleet"  # == the DB alias the router sends these models to
    verbose_name = get_source("fleet").label
