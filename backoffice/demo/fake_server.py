"""Fake owning services: real HTTP servers on loopback, one per source, for the demo and the tests.

This module is the shared plumbing (server, recording, misbehaviour); each source's fake lives in
its own folder (monitoring/<source>/fake_service.py, declared on its AppConfig as fake_service).
They implement exactly the documented admin endpoints (seeds 000 and 001 of each service),
check `X-Admin-Key` (401 {"detail": "invalid_admin_key"}; 404 on every path when no key is
configured, as the Wrapped service does), change the data the way the real service would
(through the privileged seeding path, `backoffice.seeding.connect`), record every request, and
can be told to misbehave: "slow", "500", "401", "drop", and "echo" / "echo_reject" (answer 200 / 422
with the admin key it was sent, literally and base64-encoded: the back office must never keep it).

    services = start_fake_services()          # demo ports from backoffice.sources
    python -m backoffice.demo.fake_server     # the same, in the foreground
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

KEY_MATCHED = "<admin-key: matched>"
KEY_WRONG = "<admin-key: wrong>"
MISBEHAVIOURS = (None, "slow", "500", "401", "drop", "echo", "echo_reject")


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    raw_body: str = ""

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


class HttpError(Exception):
    def __init__(self, status: int, detail: Any):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _now() -> datetime:
    """Naive UTC, as the Wrapped service stores its timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)


class FakeService:
    """One fake service. Subclasses declare `routes`: (method, regex over the path, method name)."""

    routes: list[tuple[str, str, str]] = []

    def __init__(
        self,
        alias: str,
        host: str = "127.0.0.1",
        port: int | None = None,
        *,
        admin_key: str | None = None,
        slow_seconds: float | None = None,
        dbname: str | None = None,
    ):
        from django.conf import settings

        self.alias = alias
        self.host = host
        self.port = port or 0
        config = settings.SOURCE_APIS.get(alias) or {}
        self.admin_key = admin_key if admin_key is not None else (config.get("admin_key") or "")
        self.slow_seconds = slow_seconds
        self.dbname = dbname if dbname is not None else self._current_dbname()
        self.mode: str | None = None
        self.failing_ids: dict[str, int] = {}  # path segment (e.g. a run id) → HTTP status to answer
        self.on_write = None  # callable(alias), called after each change to the data
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._compiled = [(m, re.compile(f"^{rx}$"), name) for m, rx, name in self.routes]

    def _current_dbname(self) -> str | None:
        from django.db import connections

        try:
            return connections[self.alias].settings_dict["NAME"]
        except Exception:  # the source is not configured here: no data to change
            return None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeService:
        service = self

        class Handler(_Handler):
            fake = service

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"fake-{self.alias}", kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- test controls ---------------------------------------------------------------------------
    def misbehave(self, mode: str | None, seconds: float | None = None) -> None:
        if mode not in MISBEHAVIOURS:
            raise ValueError(f"mode must be one of {MISBEHAVIOURS}")
        self.mode = mode
        if seconds is not None:
            self.slow_seconds = seconds

    def fail_for(self, ids, status: int = 500) -> None:
        """Answer `status` to any request whose path has one of `ids` as a segment; others as usual."""
        self.failing_ids.update({str(i): status for i in ids})

    def _failing_status(self, path: str) -> int | None:
        return next((self.failing_ids[p] for p in path.split("/") if p in self.failing_ids), None)

    def reset(self) -> None:
        self.mode = None
        self.failing_ids = {}
        with self._lock:
            self.requests.clear()

    def requests_to(self, path_fragment: str) -> list[RecordedRequest]:
        return [r for r in self.requests if path_fragment in r.path]

    def _slow_delay(self) -> float:
        if self.slow_seconds is not None:
            return self.slow_seconds
        from django.conf import settings

        return float(settings.SOURCE_API_READ_TIMEOUT) + 1.0

    # -- request handling (called from the handler thread) ---------------------------------------
    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def dispatch(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        for route_method, regex, name in self._compiled:
            match = regex.match(path)
            if match and route_method == method:
                return getattr(self, name)(body, *[unquote(g) for g in match.groups()])
        raise HttpError(404, "Not Found")

    def db(self):
        """A privileged autocommit connection to the source's current DB (the test DB in tests)."""
        from backoffice import seeding

        if not self.dbname:
            raise HttpError(503, f"{self.alias} database not configured")
        return seeding.connect(self.alias, self.dbname)

    def mark_dirty(self) -> None:
        """The fake changed its source's data; on_write (set by the tests) is told."""
        if self.on_write is not None:
            self.on_write(self.alias)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeService
    protocol_version = "HTTP/1.0"  # one request per connection: "drop" is unambiguous
    server_version = "FakeService/1.0"

    def log_message(self, format, *args):  # quiet: the requests are recorded instead
        logger.debug("fake %s: " + format, self.fake.alias, *args)

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_DELETE(self):
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        fake = self.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = None
        sent_key = self.headers.get("X-Admin-Key")
        key_ok = bool(fake.admin_key) and sent_key == fake.admin_key
        headers = {}
        for name, value in self.headers.items():
            if name.lower() == "x-admin-key":
                value = KEY_MATCHED if key_ok else KEY_WRONG
            headers[name] = value
        parts = urlsplit(self.path)
        fake._record(RecordedRequest(method, parts.path, parts.query, headers, body, raw))

        mode = fake.mode
        if mode == "drop":
            self.close_connection = True
            return  # no answer at all: the client sees the connection closed
        if mode == "slow" and fake._stopped.wait(fake._slow_delay()):
            self.close_connection = True
            return
        if mode == "500":
            self._send(500, {"detail": "Internal Server Error"})
            return
        failing = fake._failing_status(unquote(parts.path))
        if failing:
            self._send(failing, {"detail": f"failure asked for by the test (HTTP {failing})"})
            return
        if mode == "401":
            self._send(401, {"detail": "invalid_admin_key"})
            return
        if mode in ("echo", "echo_reject"):
            self._send(*_echo(mode, sent_key or "", body))
            return
        if not fake.admin_key:
            self._send(404, {"detail": "Not Found"})  # the service hides its admin API without a key
            return
        if not key_ok:
            self._send(401, {"detail": "invalid_admin_key"})
            return
        try:
            status, data = fake.dispatch(method, parts.path, body)
        except HttpError as exc:
            status, data = exc.status, {"detail": exc.detail}
        except Exception as exc:  # the fake's own bug: answer like a crashing service
            logger.exception("fake %s failed on %s %s", fake.alias, method, parts.path)
            status, data = 500, {"detail": f"internal error: {type(exc).__name__}"}
        if fake._stopped.is_set():
            self.close_connection = True
            return
        self._send(status, data)

    def _send(self, status: int, data: Any) -> None:
        payload = json.dumps(data, default=str).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout)


def _echo(mode: str, key: str, body: Any) -> tuple[int, Any]:
    """A careless service that repeats the credentials it got, in the clear and base64-encoded."""
    import base64

    encoded = base64.b64encode(key.encode()).decode()
    header = base64.b64encode(f"X-Admin-Key: {key}".encode()).decode()
    answer = {
        "echo": key,
        "echo_b64": encoded,
        "echo_urlsafe_b64": base64.urlsafe_b64encode(key.encode()).decode(),
        "note": f"request authenticated with {key} ({encoded}); header {header}",
        "body": body,
    }
    if mode == "echo_reject":
        return 422, {"detail": f"key {key} is not accepted here (base64 {encoded}, header {header})", **answer}
    return 200, answer


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def flag(body: dict, key: str, default: bool) -> bool:
    value = body.get(key, default)
    return default if value is None else bool(value)


class NullFake(FakeService):
    """Sources without a documented admin API yet: every path is 404."""

    routes = []


def fake_class(alias: str) -> type[FakeService]:
    """The source's declared fake (its fake_service module's FAKE), or NullFake when it has none."""
    from backoffice.source_app import source_module

    module = source_module(alias, "fake_service")
    return module.FAKE if module is not None else NullFake


def make_fake(alias: str, host: str = "127.0.0.1", port: int | None = None, **kwargs) -> FakeService:
    return fake_class(alias)(alias, host, port, **kwargs)


def start_fake_services(host: str = "127.0.0.1", ports: dict[str, int] | None = None) -> list[FakeService]:
    """Start one fake per source (demo ports by default; port 0 = any free port)."""
    from backoffice.sources import SOURCES

    services = []
    try:
        for source in SOURCES:
            port = source.demo_api_port if ports is None else ports.get(source.alias, 0)
            services.append(make_fake(source.alias, host, port).start())
    except OSError:  # a port is taken: stop the ones already started, then tell the caller
        for service in services:
            service.stop()
        raise
    return services


def main() -> None:  # pragma: no cover - demo entry point
    import os
    import time

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    django.setup()
    services = start_fake_services()
    for service in services:
        print(f"fake {service.alias} service on {service.base_url}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        for service in services:
            service.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
