from django.apps import AppConfig

from backoffice.sources import get_source


class PublishingConfig(AppConfig):
    name = "monitoring.publishing"
    label = "publishing"  # == the DB alias the router sends these models to
    verbose_name = get_source("publishing").label
