"""`manage.py check --deploy`: every database connection of a production run uses TLS off the host."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

from backoffice import dburl


@register(Tags.security, deploy=True)
def database_tls_check(app_configs, **kwargs):
    warnings = []
    for alias, config in settings.DATABASES.items():
        problem = dburl.tls_problem(config)
        if problem:
            variable = "DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"
            warnings.append(Warning(f"{variable}: {problem}", id="backoffice.W001"))
    return warnings
