"""Settings, all from the environment (django-environ). See README "Configuration"."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from backoffice import dburl
from backoffice.sources import BASE_DIR, SOURCES

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Seconds a source query may run before PostgreSQL cancels it; pages show a clear message.
SOURCE_STATEMENT_TIMEOUT_MS = env.int("SOURCE_STATEMENT_TIMEOUT_MS", default=5000)
SOURCE_LOCK_TIMEOUT_MS = env.int("SOURCE_LOCK_TIMEOUT_MS", default=1000)
SOURCE_API_CONNECT_TIMEOUT = env.float("SOURCE_API_CONNECT_TIMEOUT", default=3.0)
SOURCE_API_READ_TIMEOUT = env.float("SOURCE_API_READ_TIMEOUT", default=15.0)
BULK_ACTION_LIMIT = env.int("BULK_ACTION_LIMIT", default=500)
# Actions on more rows than this run in the background (a bulk run page with live progress).
BULK_INLINE_MAX_ROWS = env.int("BULK_INLINE_MAX_ROWS", default=5)
# Per source: at most `concurrency` calls in flight at once (across every worker) and at most
# `per_second` calls a second; "default" applies to a source without its own entry.
BULK_SOURCE_LIMITS = {
    "default": {
        "concurrency": env.int("BULK_CONCURRENCY", default=2),
        "per_second": env.float("BULK_PER_SECOND", default=5.0),
    },
}
# A reason is required on every action: a ticket reference matching this pattern, or free text of
# at least ACTION_REASON_MIN_LENGTH characters.
ACTION_REASON_PATTERN = env.str("ACTION_REASON_PATTERN", default=r"^[A-Z][A-Z0-9]+-\d+$")
ACTION_REASON_MIN_LENGTH = env.int("ACTION_REASON_MIN_LENGTH", default=10)
# Break-glass reveal of a masked value: how long it stays visible to the one user, per object.
REVEAL_SECONDS = env.int("REVEAL_SECONDS", default=300)
# CSV exports: at most this many bytes and this many characters per cell (rows: BULK_ACTION_LIMIT).
EXPORT_MAX_BYTES = env.int("EXPORT_MAX_BYTES", default=2_000_000)
EXPORT_MAX_CELL_CHARS = env.int("EXPORT_MAX_CELL_CHARS", default=1000)
# Background work (bulk runs) on the back office's own database; worker: `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _database_from_url(var: str) -> dict | None:
    return dburl.database_config(var, env.str(var, default=""))


def _api_url(var: str, default: str | None) -> str | None:
    url = env.str(var, default="").strip() or default
    if url and urlsplit(url).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(f"{var} must be an http(s) URL, got {url!r}")
    return url.rstrip("/") if url else None


def _source_connection_options(url_options: dict | None) -> dict:
    """The URL's own options (TLS, timeouts, ...) plus the read-only belt's `-c` flags."""
    # Second belt after the SELECT-only role: read-only sessions and timeouts.
    flags = {
        "default_transaction_read_only": "on",
        "statement_timeout": SOURCE_STATEMENT_TIMEOUT_MS,
        "lock_timeout": SOURCE_LOCK_TIMEOUT_MS,
        "idle_in_transaction_session_timeout": 30000,
    }
    if "application_name" not in (url_options or {}):
        flags["application_name"] = "backoffice"
    return dburl.with_session_flags(url_options, flags)


own_database = _database_from_url("DATABASE_URL")
EMBEDDED = own_database is None and not any(env.str(f"{s.env_prefix}_DATABASE_URL", default="") for s in SOURCES)
if own_database is None and not EMBEDDED:
    raise ImproperlyConfigured("DATABASE_URL must be set when source database URLs are set")

# "production" (the default once database URLs are set and DEBUG is off): SECRET_KEY and
# ALLOWED_HOSTS are required, HTTPS only, hashed static files. "local": demo, development and
# tests on loopback HTTP (also for a test run against database URLs: DEPLOYMENT=local).
DEPLOYMENT = env.str("DEPLOYMENT", default="local" if DEBUG or EMBEDDED else "production")
if DEPLOYMENT not in {"local", "production"}:
    raise ImproperlyConfigured(f"DEPLOYMENT must be 'local' or 'production', got {DEPLOYMENT!r}")
PRODUCTION = DEPLOYMENT == "production"
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DEPLOYMENT=production")
if PRODUCTION and EMBEDDED:
    raise ImproperlyConfigured("DEPLOYMENT=production needs DATABASE_URL: the embedded PostgreSQL is for local runs")


if EMBEDDED:
    from backoffice import embedded

    _socket = embedded.ensure_server()
    own_database = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": embedded.OWN_DATABASE,
        "USER": embedded.SUPERUSER,
        "HOST": _socket,
    }

# Lets several test runs share one server without dropping each other's test databases.
TEST_DB_SUFFIX = env.str("TEST_DB_SUFFIX", default="")
own_database["TEST"] = {"NAME": f"test_{own_database['NAME']}{TEST_DB_SUFFIX}"}
# Every request reads the session and the user from the back office's own database: keep each
# worker's connection (a new one per request starts a server process each time: PostgreSQL's CPU
# per request under load 8.5 → 3.6 ms), checked once per request so a restarted server is no error.
own_database.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
own_database.setdefault("CONN_HEALTH_CHECKS", True)
DATABASES = {"default": own_database}
# Privileged connections used only to build and seed source databases (tests, demo, bench).
# The running back office never uses them.
SOURCE_ADMIN_DATABASES: dict[str, dict] = {}
SOURCE_APIS: dict[str, dict] = {}

for _source in SOURCES:
    _prefix = _source.env_prefix
    _config = _database_from_url(f"{_prefix}_DATABASE_URL")
    if _config is None and EMBEDDED:
        _config = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _source.alias,
            "USER": embedded.READER_ROLE,
            "HOST": _socket,
        }
        _admin = {**_config, "USER": embedded.SUPERUSER}
    elif _config is not None:
        _admin = _database_from_url(f"{_prefix}_ADMIN_DATABASE_URL") or {
            **_config,
            "USER": own_database.get("USER"),
            "PASSWORD": own_database.get("PASSWORD"),
        }
    else:
        continue  # not configured: the source is absent from the admin
    _config["OPTIONS"] = _source_connection_options(_config.get("OPTIONS"))
    _config["TEST"] = {"NAME": f"test_{_config['NAME']}{TEST_DB_SUFFIX}"}
    _config["CONN_MAX_AGE"] = env.int("SOURCE_CONN_MAX_AGE", default=60)
    DATABASES[_source.alias] = _config
    SOURCE_ADMIN_DATABASES[_source.alias] = _admin
    SOURCE_APIS[_source.alias] = {
        "base_url": _api_url(
            f"{_prefix}_API_URL",
            f"http://127.0.0.1:{_source.demo_api_port}" if EMBEDDED else None,
        ),
        "admin_key": env.str(f"{_prefix}_ADMIN_KEY", default=f"demo-{_source.alias}-key" if EMBEDDED else ""),
    }

CONFIGURED_SOURCES = tuple(s.alias for s in SOURCES if s.alias in DATABASES)

# Optional per-source worker-log search: `<S>_LOG_URL_TEMPLATE`, an http(s) URL with placeholders
# such as {run_id} and {job_id} (backoffice.logs fills them, URL-quoted).
LOG_URL_PLACEHOLDERS = ("run_id", "job_id", "user_id", "device_id")


def _log_url_template(var: str) -> str | None:
    import string

    template = env.str(var, default="").strip()
    if not template:
        return None
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{var} is not a valid URL template ({exc})") from exc
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in LOG_URL_PLACEHOLDERS or spec or conversion:
            known = ", ".join("{" + p + "}" for p in LOG_URL_PLACEHOLDERS)
            raise ImproperlyConfigured(f"{var} may only use the placeholders {known}, got {{{name}}}")
    if urlsplit(template).scheme not in {"http", "https"} or not urlsplit(template).netloc:
        raise ImproperlyConfigured(f"{var} must be an http(s) URL, got {template[:80]!r}")
    return template


LOG_URL_TEMPLATES: dict[str, str] = {
    _source.alias: _template
    for _source in SOURCES
    if (_template := _log_url_template(f"{_source.env_prefix}_LOG_URL_TEMPLATE"))
}


def _local_secret_key() -> str:
    """A random key kept in .local/secret_key (mode 600): sessions survive restarts, nothing public."""
    import secrets
    import tempfile

    path = BASE_DIR / ".local" / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)  # mode 600
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(tmp, path)  # atomic; the first of two concurrent starts wins
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in production (DEBUG off, database URLs set): a long random value, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'. "
            "For a local run against database URLs set DEPLOYMENT=local instead."
        )
    SECRET_KEY = _local_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production: the host name(s) staff use, comma-separated")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

DATABASE_ROUTERS = ["backoffice.routers.SourceRouter"]

INSTALLED_APPS = [
    "backoffice.apps.BackofficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "backoffice",
    "backoffice.access",
    "backoffice.audit",
    "backoffice.shared",
    "backoffice.bulk",
    "django_tasks",
    "django_tasks_db",
    *(s.app for s in SOURCES if s.alias in CONFIGURED_SOURCES),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backoffice.snapshots.AfterResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backoffice.access.sessions.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "backoffice.middleware.SourceErrorMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "backoffice.access.context_processors.csp_nonce",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / ".local" / "static")))
STATICFILES_DIRS = [BASE_DIR / "backoffice" / "static"]
# Production serves the collected, hashed and compressed files (`manage.py collectstatic`) with
# far-future cache headers through whitenoise; local runs serve the source files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "backoffice.staticfiles.ProductionStaticFilesStorage"
        if PRODUCTION
        else "backoffice.staticfiles.LocalStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise looks there too; empty until collectstatic
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# -- sessions, cookies, HTTPS -----------------------------------------------------------------------
# A session ends after SESSION_IDLE_TIMEOUT without a page request (live-panel polls do not
# count) and in any case SESSION_MAX_AGE after login (backoffice.access.sessions).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_MAX_AGE = env.int("SESSION_MAX_AGE", default=8 * 3600)
SESSION_COOKIE_AGE = SESSION_MAX_AGE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"  # nothing here is meant to be framed

_https = PRODUCTION
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_https)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _https
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if _https else 0)
# Both apply to this host and its own subdomains only (never to a parent domain).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_https)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=_https)
# Behind a TLS-terminating proxy that sets this header (and strips it from clients), e.g.
# SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto: a request is HTTPS when its value is "https".
_proxy_header = env.str("SECURE_PROXY_SSL_HEADER", default="").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")

# -- Content-Security-Policy (django-csp): no inline script or style anywhere -----------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# -- login throttling (django-axes): AXES_FAILURE_LIMIT failures lock a username or an address ------
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Either counter locks: one account tried too often, or one address trying too many passwords.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Behind reverse proxies the address is the one in X-Forwarded-For that the outermost trusted
# proxy saw; without this every client would share the proxy's address (and its lockout).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "backoffice.access.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "backoffice/locked_out.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

AUTHENTICATION_BACKENDS = [
    "backoffice.access.backends.ThrottledLoginBackend",  # django-axes: refuses a locked-out login first
    "backoffice.auth_backend.OneQueryPermissionBackend",
]
