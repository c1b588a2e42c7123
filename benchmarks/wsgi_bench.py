"""The WSGI app the load test runs under gunicorn: the back office pointed at the bench databases.

BENCH_DB_NAMES (JSON {alias: database}) repoints the source aliases; BENCH_DOWN names a source
whose database is made unreachable (a closed loopback port: connections are refused).
"""

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connections  # noqa: E402

for _alias, _name in json.loads(os.environ.get("BENCH_DB_NAMES", "{}")).items():
    for _config in (settings.DATABASES[_alias], connections[_alias].settings_dict):
        _config["NAME"] = _name
_down = os.environ.get("BENCH_DOWN")
if _down:
    for _config in (settings.DATABASES[_down], connections[_down].settings_dict):
        _config.update({"HOST": "127.0.0.1", "PORT": "1"})

application = get_wsgi_application()
