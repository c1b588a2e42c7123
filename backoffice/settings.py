"""Settings, all from the environment (django-environ). See README "Configuration"."""

from __future__ import annotations

from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from backoffice.sources import BASE_DIR, SOURCES

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

# Seconds a source query may run before PostgreSQL cancels it; pages show a clear message.
SOURCE_STATEMENT_TIMEOUT_MS = env.int("SOURCE_STATEMENT_TIMEOUT_MS", default=5000)
SOURCE_LOCK_TIMEOUT_MS = env.int("SOURCE_LOCK_TIMEOUT_MS", default=1000)
SOURCE_API_CONNECT_TIMEOUT = env.float("SOURCE_API_CONNECT_TIMEOUT", default=3.0)
SOURCE_API_READ_TIMEOUT = env.float("SOURCE_API_READ_TIMEOUT", default=15.0)
BULK_ACTION_LIMIT = env.int("BULK_ACTION_LIMIT", default=500)


def _database_from_url(var: str) -> dict | None:
    url = env.str(var, default="").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"} or not parts.path.strip("/"):
        raise ImproperlyConfigured(
            f"{var} must be a PostgreSQL URL like postgres://user:password@host:5432/dbname"
            f" (got scheme {parts.scheme or 'none'!r})"
        )
    try:
        config = env.db_url_config(url)
    except Exception as exc:  # django-environ raises several types for bad URLs
        raise ImproperlyConfigured(f"{var} is not a valid database URL: {exc}") from exc
    try:
        config.get("PORT") and int(config["PORT"])
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"{var} has a port that is not a number") from exc
    config["ENGINE"] = "django.db.backends.postgresql"
    return config


def _api_url(var: str, default: str | None) -> str | None:
    url = env.str(var, default="").strip() or default
    if url and urlsplit(url).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(f"{var} must be an http(s) URL, got {url!r}")
    return url.rstrip("/") if url else None


def _source_connection_options() -> dict:
    # Second belt after the SELECT-only role: read-only sessions and timeouts.
    flags = [
        "default_transaction_read_only=on",
        f"statement_timeout={SOURCE_STATEMENT_TIMEOUT_MS}",
        f"lock_timeout={SOURCE_LOCK_TIMEOUT_MS}",
        "idle_in_transaction_session_timeout=30000",
        "application_name=backoffice",
    ]
    return {"options": " ".join(f"-c {flag}" for flag in flags), "connect_timeout": 5}


own_database = _database_from_url("DATABASE_URL")
EMBEDDED = own_database is None and not any(env.str(f"{s.env_prefix}_DATABASE_URL", default="") for s in SOURCES)
if own_database is None and not EMBEDDED:
    raise ImproperlyConfigured("DATABASE_URL must be set when source database URLs are set")

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
    _config["OPTIONS"] = _source_connection_options()
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
DATABASE_ROUTERS = ["backoffice.routers.SourceRouter"]

INSTALLED_APPS = [
    "backoffice.apps.BackofficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "django_htmx",
    "backoffice",
    "backoffice.access",
    "backoffice.audit",
    *(f"monitoring.{alias}" for alias in CONFIGURED_SOURCES),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "backoffice.middleware.SourceErrorMiddleware",
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
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".local" / "static"
STATICFILES_DIRS = [BASE_DIR / "backoffice" / "static"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "admin:login"

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "SAMEORIGIN"  # the sandboxed poster-template preview is same-origin

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

AUTHENTICATION_BACKENDS = ["backoffice.auth_backend.OneQueryPermissionBackend"]
