"""HTTP client for the owning services' admin APIs (design §5).

One `requests.Session` per source. Every call ends in an `ApiResult` with one of a small set of
outcomes; network problems never raise. Connection *establishment* errors are retried (nothing
was sent); nothing is ever re-sent once the request may have reached the service. The admin key
is sent in `X-Admin-Key` and never appears in a result, a log line or an exception text.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

logger = logging.getLogger(__name__)

SENDING = "sending"  # recorded before the call; stays so if the process dies before the answer
OK = "ok"
REJECTED = "rejected"
SERVICE_ERROR = "service_error"
TIMEOUT = "timeout"
UNREACHABLE = "unreachable"
NOT_CONFIGURED = "not_configured"

EXCERPT_LIMIT = 2000
REDACTED = "[redacted]"
# Keys whose values are never stored or shown (bodies, answers). `idempotency_key` is not secret.
SECRET_KEY_RE = re.compile(
    r"(admin[_-]?key|api[_-]?key|secret|passw|token|authorization|credential|cookie|session[_-]?id|_enc$|^key$)",
    re.IGNORECASE,
)


@dataclass
class ApiResult:
    source: str
    method: str
    path: str
    outcome: str
    request_body: Any = None
    http_status: int | None = None
    data: Any = None
    message: str = ""
    duration_ms: int = 0
    response_excerpt: str = ""
    idempotency_key: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome == OK

    def describe(self) -> str:
        """One line for a message to the user: outcome, status and the service's reason."""
        text = OUTCOME_LABELS.get(self.outcome, self.outcome)
        if self.http_status:
            text += f" (HTTP {self.http_status})"
        return f"{text}: {self.message}" if self.message else text


OUTCOME_LABELS = {
    SENDING: "sent, no answer recorded",
    OK: "ok",
    REJECTED: "rejected by the service",
    SERVICE_ERROR: "service error",
    TIMEOUT: "timed out",
    UNREACHABLE: "service unreachable",
    NOT_CONFIGURED: "not configured",
}


def scrub(value: Any, secrets: tuple[str, ...] = ()) -> Any:
    """A copy of a JSON-like value with secret-looking keys' values and known secret strings removed."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if isinstance(k, str) and SECRET_KEY_RE.search(k) else scrub(v, secrets))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(v, secrets) for v in value]
    if isinstance(value, str):
        return scrub_text(value, secrets)
    return value


@functools.lru_cache(maxsize=64)
def secret_forms(secret: str) -> tuple[str, ...]:
    """The secret and its base64 forms (standard and URL-safe) at each of the three alignments
    it can have inside a longer encoded text, longest first."""
    import base64

    if not secret or len(secret) < 4:
        return ()
    raw = secret.encode()
    forms = {secret}
    for offset in range(3):
        part = raw[offset:]
        part = part[: len(part) // 3 * 3]
        if len(part) >= 3:
            forms.add(base64.b64encode(part).decode())
            forms.add(base64.urlsafe_b64encode(part).decode())
    return tuple(sorted((f for f in forms if len(f) >= 4), key=len, reverse=True))


def scrub_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        for form in secret_forms(secret):
            text = text.replace(form, REDACTED)
    return text


def excerpt(data: Any, raw: str, secrets: tuple[str, ...], limit: int = EXCERPT_LIMIT) -> str:
    if data is not None:
        text = json.dumps(scrub(data, secrets), ensure_ascii=False, default=str)
    else:
        text = scrub_text(raw or "", secrets)
    text = scrub_text(text, secrets)
    return text if len(text) <= limit else text[:limit] + f"… [{len(text) - limit} more characters]"


def service_message(data: Any, raw: str) -> str:
    """The reason a service gave: FastAPI's `detail` (string or validation list), or message/error."""
    if isinstance(data, dict):
        for key in ("detail", "message", "error", "reason"):
            value = data.get(key)
            if value in (None, ""):
                continue
            if isinstance(value, list):  # FastAPI validation errors
                parts = []
                for item in value[:5]:
                    if isinstance(item, dict):
                        loc = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                        parts.append(f"{loc}: {item.get('msg', '')}".strip(": "))
                    else:
                        parts.append(str(item))
                return "; ".join(parts)
            return value if isinstance(value, str) else json.dumps(value, default=str)
    return (raw or "").strip()[:300]


def quote_segment(value: Any) -> str:
    """One URL path segment: `x/../other` becomes `x%2F..%2Fother`, never a path of its own."""
    return quote(str(value), safe="")


def api_path(template: str, *segments: Any) -> str:
    """`api_path("/admin/wrapped/runs/{}/retry", run_id)`: every segment quoted."""
    return template.format(*(quote_segment(s) for s in segments))


def _readable(parts) -> str:
    return ":".join(re.sub(r"[^A-Za-z0-9_.@-]", "_", str(p))[:60] for p in parts if p not in (None, ""))


def idempotency_key_for(submission: str, *parts: Any) -> str:
    """The key of one confirmed call: derived from the confirmed submission (its one-time token)
    and the call's target, so sending the same confirmed call again carries the same key and the
    service can de-duplicate it. Readable parts, then a digest of everything; header-safe."""
    digest = hashlib.sha256("\x1f".join([submission, *(str(p) for p in parts)]).encode()).hexdigest()[:24]
    readable = _readable(parts[:2])
    return f"bo:{readable}:{digest}" if readable else f"bo:{digest}"


def new_idempotency_key(*parts: Any) -> str:
    """A one-off key (a call that is not the confirmed submission's): readable parts + random suffix."""
    readable = _readable(parts)
    suffix = uuid.uuid4().hex[:16]
    return f"bo:{readable}:{suffix}" if readable else f"bo:{suffix}"


class AdminApiClient:
    """Calls one source's admin API. Settings are read per call, so they can change at runtime."""

    connect_retries = 2

    def __init__(self, alias: str):
        self.alias = alias
        self.session = requests.Session()
        retry = Retry(
            total=None,
            connect=self.connect_retries,  # connection not established: nothing was sent
            read=False,  # never re-send once the request may have reached the service
            redirect=0,
            status=0,
            other=0,
            allowed_methods=frozenset({"GET", "HEAD"}),  # irrelevant: read errors are never retried
            backoff_factor=0.2,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=10)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    # -- configuration -------------------------------------------------------------------------
    @property
    def config(self) -> dict:
        return settings.SOURCE_APIS.get(self.alias) or {}

    @property
    def base_url(self) -> str:
        return (self.config.get("base_url") or "").rstrip("/")

    def _key(self) -> str:
        return self.config.get("admin_key") or ""

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self._key())

    def timeouts(self) -> tuple[float, float]:
        return (float(settings.SOURCE_API_CONNECT_TIMEOUT), float(settings.SOURCE_API_READ_TIMEOUT))

    # -- calls ---------------------------------------------------------------------------------
    def get(self, path: str, **kwargs) -> ApiResult:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs) -> ApiResult:
        return self.request("POST", path, body=body, **kwargs)

    def request(self, method: str, path: str, body: Any = None, idempotency_key: str | None = None) -> ApiResult:
        return self.send(self.prepare(method, path, body, idempotency_key), body)

    def prepare(self, method: str, path: str, body: Any = None, idempotency_key: str | None = None) -> ApiResult:
        """The call as it will be made (outcome "sending"), to be recorded before it is sent."""
        method = method.upper()
        return ApiResult(
            source=self.alias,
            method=method,
            path=path,
            outcome=SENDING,
            request_body=scrub(body, (self._key(),)),
            idempotency_key=idempotency_key or new_idempotency_key(self.alias, method, path),
        )

    def send(self, result: ApiResult, body: Any = None) -> ApiResult:
        """Make a prepared call; `result` is completed in place and returned. Never raises."""
        method, path, idem = result.method, result.path, result.idempotency_key
        key = self._key()
        secrets = (key,)
        result.outcome = NOT_CONFIGURED
        if not self.base_url or not key:
            missing = "base URL" if not self.base_url else "admin key"
            result.message = (
                f"The {self.alias} admin API has no {missing} configured "
                f"(set {self.alias.upper()}_API_URL and {self.alias.upper()}_ADMIN_KEY)."
            )
            self._log(result)
            return result

        headers = {"X-Admin-Key": key, "Idempotency-Key": idem, "Accept": "application/json"}
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                json=body if body is not None else None,
                headers=headers,
                timeout=self.timeouts(),
                allow_redirects=False,
            )
        except requests.exceptions.ConnectTimeout:
            result.outcome = UNREACHABLE
            result.message = f"could not connect to the {self.alias} service within {self.timeouts()[0]:g} s"
        except requests.exceptions.ReadTimeout:
            result.outcome = TIMEOUT
            result.message = (
                f"no answer from the {self.alias} service within {self.timeouts()[1]:g} s; the request was sent"
                " and may still be processed: check the row before retrying"
            )
        except requests.exceptions.ConnectionError as exc:
            result.outcome = UNREACHABLE
            if _was_dropped(exc):
                result.message = (
                    f"the {self.alias} service closed the connection without answering; the request was sent"
                    " and may have been processed: check the row before retrying"
                )
            else:
                result.message = f"cannot reach the {self.alias} service ({_reason(exc)})"
        except requests.exceptions.RequestException as exc:
            result.outcome = UNREACHABLE
            result.message = f"request to the {self.alias} service failed ({type(exc).__name__})"
        else:
            self._read_response(result, response, secrets)
        finally:
            result.duration_ms = int((time.monotonic() - started) * 1000)
        result.message = scrub_text(result.message, secrets)
        self._log(result)
        return result

    def _read_response(self, result: ApiResult, response: requests.Response, secrets: tuple[str, ...]) -> None:
        result.http_status = response.status_code
        raw = response.text or ""
        data = None
        if raw.strip():
            try:
                data = response.json()
            except ValueError:
                data = None
        result.data = data
        result.response_excerpt = excerpt(data, raw, secrets)
        status = response.status_code
        reason = scrub_text(service_message(data, raw), secrets)
        if 200 <= status < 300:
            result.outcome = OK
            result.message = "" if data is not None or not raw.strip() else "the service answered with non-JSON text"
        elif 400 <= status < 500:
            result.outcome = REJECTED
            if status == 401:
                result.message = f"{reason or 'unauthorized'}: the {self.alias} service refused the back office's key"
            elif status == 404 and result.path.startswith("/admin/") and reason.lower() in ("", "not found"):
                result.message = (
                    "Not Found: unknown path, or the service has no admin key configured (it then hides its admin API)"
                )
            else:
                result.message = reason or response.reason or f"HTTP {status}"
        elif status >= 500:
            result.outcome = SERVICE_ERROR
            result.message = reason or response.reason or f"HTTP {status}"
        else:
            result.outcome = SERVICE_ERROR
            result.message = f"unexpected HTTP {status}"

    def _log(self, result: ApiResult) -> None:
        level = logging.INFO if result.ok else logging.WARNING
        logger.log(
            level,
            "%s %s %s -> %s %s in %d ms%s",
            self.alias,
            result.method,
            result.path,
            result.outcome,
            result.http_status or "-",
            result.duration_ms,
            f": {result.message}" if result.message and not result.ok else "",
        )


def _exception_chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        for arg in getattr(exc, "args", ()):
            if isinstance(arg, BaseException):
                yield from _exception_chain(arg)
        reason = getattr(exc, "reason", None)
        exc = reason if isinstance(reason, BaseException) else (exc.__cause__ or exc.__context__)


def _was_dropped(exc: BaseException) -> bool:
    import http.client

    import urllib3.exceptions

    for item in _exception_chain(exc):
        if isinstance(item, http.client.RemoteDisconnected | urllib3.exceptions.ProtocolError | ConnectionResetError):
            return True
    return False


def _reason(exc: BaseException) -> str:
    for item in _exception_chain(exc):
        if isinstance(item, ConnectionRefusedError):
            return "connection refused"
        name = type(item).__name__
        if name == "NameResolutionError":
            return "host name does not resolve"
    return type(exc).__name__


_clients: dict[str, AdminApiClient] = {}
_clients_lock = threading.Lock()


def client_for_source(alias: str) -> AdminApiClient:
    with _clients_lock:
        client = _clients.get(alias)
        if client is None:
            client = _clients[alias] = AdminApiClient(alias)
        return client
