"""gunicorn settings for `make serve` (gunicorn reads ./gunicorn.conf.py by itself).

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS; WEB_CONCURRENCY
and FORWARDED_ALLOW_IPS are read by gunicorn itself.
"""

import multiprocessing
import os

wsgi_app = "backoffice.wsgi:application"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
# A page waits at most a source statement (5 s) or a service call (15 s): kill what hangs longer.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
# Recycle workers now and then (memory held by a big payload page is given back).
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# Request lines are logged, never bodies or cookies; the query string may hold a search term.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# No runtime control socket (gunicorn 27+): one less management surface, and several instances
# on one machine (tests, a second site) would share its default path.
control_socket_disable = True
