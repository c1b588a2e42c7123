"""PostgreSQL URLs to Django DATABASES entries, keeping every libpq option the URL carries.

Pure functions (no Django settings, no connection), so settings.py and the tests share them:

- `database_config(var, url)`: `postgres://user:pass@host:port/db?sslmode=verify-full&...` to a
  DATABASES dict. Query parameters are libpq connection parameters and go to OPTIONS unchanged
  (sslmode, sslrootcert, sslcert, sslkey, options, connect_timeout, target_session_attrs...);
  `host`, `port`, `user`, `password` and `dbname` parameters override the URL's parts. A
  percent-encoded socket folder (`postgres://u@%2Fvar%2Frun%2Fpostgresql/db`) is decoded.
- `with_session_flags(options, flags)`: merge the back office's `-c name=value` flags into the
  URL's own `options` string; a flag the back office sets wins over the same setting in the URL.
- `tls_problem(config)`: why a config would talk to a non-local server without TLS, or None.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

SCHEMES = {"postgres", "postgresql", "pgsql"}
# libpq connection parameters a URL may carry in its query string (PostgreSQL 18's list, minus
# `replication`, which would open a replication connection).
LIBPQ_OPTIONS = frozenset(
    {
        "application_name",
        "channel_binding",
        "client_encoding",
        "connect_timeout",
        "fallback_application_name",
        "gssdelegation",
        "gssencmode",
        "gsslib",
        "hostaddr",
        "keepalives",
        "keepalives_count",
        "keepalives_idle",
        "keepalives_interval",
        "krbsrvname",
        "load_balance_hosts",
        "max_protocol_version",
        "min_protocol_version",
        "options",
        "passfile",
        "require_auth",
        "requirepeer",
        "service",
        "ssl_max_protocol_version",
        "ssl_min_protocol_version",
        "sslcert",
        "sslcertmode",
        "sslcompression",
        "sslcrl",
        "sslcrldir",
        "sslkey",
        "sslmode",
        "sslnegotiation",
        "sslpassword",
        "sslrootcert",
        "sslsni",
        "target_session_attrs",
        "tcp_user_timeout",
    }
)
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
NO_TLS_GUARANTEE = ("disable", "allow", "prefer")  # may talk plaintext to whatever answers


def database_config(var: str, url: str) -> dict | None:
    """The DATABASES entry for the PostgreSQL URL in variable `var`; None when it is empty."""
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ImproperlyConfigured(
            f"{var} must be a PostgreSQL URL like postgres://user:password@host:5432/dbname"
            f" (got scheme {parts.scheme or 'none'!r})"
        )
    userinfo, _, hostinfo = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    hosts, ports = _hosts_and_ports(var, hostinfo)
    config = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(user),
        "PASSWORD": unquote(password),
        "HOST": ",".join(hosts),
        "PORT": ",".join(ports),
    }
    options: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        target = {"host": "HOST", "port": "PORT", "user": "USER", "password": "PASSWORD", "dbname": "NAME"}.get(key)
        if target:
            config[target] = value
        elif key in LIBPQ_OPTIONS:
            options[key] = value
        else:
            raise ImproperlyConfigured(f"{var} has an unknown connection parameter {key!r}")
    if not config["NAME"]:
        raise ImproperlyConfigured(f"{var} names no database: add /dbname to the URL")
    for port in filter(None, config["PORT"].split(",")):
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ImproperlyConfigured(f"{var} has a port that is not a number")
    if "sslmode" in options and options["sslmode"] not in SSLMODES:
        raise ImproperlyConfigured(f"{var} has sslmode={options['sslmode']!r}; use one of {', '.join(SSLMODES)}")
    if "connect_timeout" in options and not options["connect_timeout"].isdigit():
        raise ImproperlyConfigured(f"{var} has a connect_timeout that is not a whole number of seconds")
    if options:
        config["OPTIONS"] = options
    return config


def _hosts_and_ports(var: str, hostinfo: str) -> tuple[list[str], list[str]]:
    """`h1:5432,h2:5433` / `[::1]:5432` / `%2Fvar%2Frun%2Fpostgresql` -> decoded hosts and ports."""
    hosts, ports = [], []
    for item in hostinfo.split(",") if hostinfo else []:
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else ""
        elif ":" in item:
            host, _, port = item.rpartition(":")
        else:
            host, port = item, ""
        hosts.append(unquote(host))
        ports.append(port)
    if not any(ports):
        ports = []
    return hosts, ports


def split_options(text: str) -> list[tuple[str | None, list[str]]]:
    """libpq `options` -> [(setting name or None, raw tokens)]. Backslash escapes a space."""
    tokens: list[str] = []
    current: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char.isspace():
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(char)
    if escaped:
        current.append("\\")
    if current:
        tokens.append("".join(current))
    items: list[tuple[str | None, list[str]]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token == "-c" and index + 1 < len(tokens):
            items.append((_setting_name(tokens[index + 1]), [token, tokens[index + 1]]))
            index += 2
            continue
        if (token.startswith("-c") and len(token) > 2) or (token.startswith("--") and "=" in token):
            items.append((_setting_name(token[2:]), [token]))
        else:
            items.append((None, [token]))
        index += 1
    return items


def _setting_name(assignment: str) -> str:
    return assignment.split("=", 1)[0].replace("\\", "").strip().lower().replace("-", "_")


def with_session_flags(options: dict | None, flags: dict[str, object], connect_timeout: int = 5) -> dict:
    """A new OPTIONS dict: the URL's own options plus `flags` as `-c name=value` in `options`.

    A flag named here replaces the same setting given in the URL's `options` (so the URL cannot
    turn the read-only session off); every other URL option is kept as written.
    """
    merged = dict(options or {})
    kept = [raw for name, raw in split_options(merged.get("options", "")) if name not in flags]
    ours = [["-c", f"{name}={value}"] for name, value in flags.items()]
    merged["options"] = " ".join(token for raw in [*kept, *ours] for token in raw)
    merged.setdefault("connect_timeout", connect_timeout)
    return merged


def is_local_host(host: str) -> bool:
    """A Unix socket (path, abstract `@name`, or libpq's default when empty) or a loopback address."""
    host = host.strip()
    if not host or host.startswith(("/", "@")) or host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tls_problem(config: dict, environ: dict | None = None) -> str | None:
    """Why this connection may run without TLS to a non-local server, or None.

    libpq's default sslmode is `prefer` (from PGSSLMODE when set): it encrypts only when the
    server offers TLS and never checks the certificate, so anyone on the path can read or
    impersonate. Only `require`, `verify-ca` and `verify-full` refuse plaintext.
    """
    environ = os.environ if environ is None else environ
    options = config.get("OPTIONS") or {}
    if options.get("service") and not config.get("HOST") and not options.get("hostaddr"):
        return None  # host and sslmode come from pg_service.conf: not visible here
    sslmode = options.get("sslmode") or environ.get("PGSSLMODE") or "prefer"
    if sslmode not in NO_TLS_GUARANTEE:
        return None
    addresses = (options.get("hostaddr") or config.get("HOST") or environ.get("PGHOST") or "").split(",")
    remote = [h for h in addresses if not is_local_host(h)]
    if not remote:
        return None
    if "sslmode" in options:
        given = f"sslmode={sslmode}"
    elif environ.get("PGSSLMODE"):
        given = f"sslmode is not set; PGSSLMODE={sslmode}"
    else:
        given = "sslmode is not set (libpq defaults to prefer)"
    return (
        f"The URL asks for no TLS to {', '.join(remote)} ({given}): the connection may be plaintext and the "
        "server is not verified. Add ?sslmode=verify-full&sslrootcert=/path/to/ca.pem to the URL."
    )


def unverified_tls(config: dict, environ: dict | None = None) -> bool:
    """TLS is required but the server's certificate is not checked against a CA (sslmode=require)."""
    environ = os.environ if environ is None else environ
    options = config.get("OPTIONS") or {}
    return (options.get("sslmode") or environ.get("PGSSLMODE")) == "require"
