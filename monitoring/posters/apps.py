from django.apps import AppConfig

from backoffice.sources import get_source


class PostersConfig(AppConfig):
    name = "monitoring.posters"
    label = "posters"  # == the DB alias the router sends these models to
    verbose_name = get_source("posters").label
