"""Fake owning services: real HTTP servers on loopback, one per source, for the demo and the tests.

They implement exactly the documented admin endpoints (../shared/upstream.md, seeds 000 and 001),
check `X-Admin-Key` (401 {"detail": "invalid_admin_key"}; 404 on every path when no key is
configured, as the Wrapped service does), change the data the way the real service would
(through the privileged seeding path, `backoffice.seeding.connect`), record every request, and
can be told to misbehave: "slow", "500", "401", "drop", and "echo" / "echo_reject" (answer 200 / 422
with the admin key it was sent, literally and base64-encoded: the back office must never keep it).

    services = start_fake_services()          # demo ports from backoffice.sources
    python -m backoffice.demo.fake_services   # the same, in the foreground
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
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
        from backoffice import seeding

        seeding.dirty_aliases.add(self.alias)


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


# -- Wrapped ------------------------------------------------------------------------------------
STAGE_TASKS = {
    "watch_history": "watch_history_fetch_2025",
    "wrapped_analysis": "wrapped_analysis",
    "email_send": "email_send",
}
STAGE_ORDER = ("watch_history", "wrapped_analysis", "email_send")
ENDPOINT_STAGES = {
    "retry-watch-history": "watch_history",
    "retry-analysis": "wrapped_analysis",
    "retry-email": "email_send",
}
RUN_ID = r"([^/]+)"


def _as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _bool(body: dict, key: str, default: bool) -> bool:
    value = body.get(key, default)
    return default if value is None else bool(value)


class WrappedFake(FakeService):
    routes = [
        ("POST", r"/admin/wrapped/runs/retry-failed", "retry_failed"),
        ("POST", r"/admin/wrapped/runs/retry-zero-videos", "retry_zero_videos"),
        ("POST", rf"/admin/wrapped/runs/{RUN_ID}/retry", "retry_run"),
        ("POST", rf"/admin/test/runs/{RUN_ID}/(retry-watch-history|retry-analysis|retry-email)", "retry_stage"),
        ("GET", rf"/admin/test/runs/{RUN_ID}", "run_status"),
        ("GET", r"/admin/metrics", "metrics"),
    ]

    # -- helpers over the DB -------------------------------------------------------------------
    @staticmethod
    def _load_run(cur, run_id: str, *, lock: bool = True) -> dict:
        cur.execute(
            "SELECT id, app_user_id, sec_user_id, status, payload, watch_history_job_id, updated_at "
            "FROM app_wrapped_runs WHERE id = %s" + (" FOR UPDATE" if lock else ""),
            [run_id],
        )
        run = cur.fetchone()
        if run is None:
            raise HttpError(404, "run not found")
        return run

    @staticmethod
    def _stage_job_id(run: dict, stage: str) -> str | None:
        if stage == "watch_history" and run.get("watch_history_job_id"):
            return run["watch_history_job_id"]
        entry = _as_dict(_as_dict(_as_dict(run.get("payload")).get("data_jobs")).get(stage))
        job_id = entry.get("id")
        return job_id if isinstance(job_id, str) and job_id else None

    def _stage_job(self, cur, run: dict, stage: str) -> dict | None:
        job_id = self._stage_job_id(run, stage)
        if not job_id:
            return None
        cur.execute("SELECT id, status, idempotency_key FROM app_jobs WHERE id = %s", [job_id])
        return cur.fetchone()

    @staticmethod
    def _failed_stage(run: dict) -> str | None:
        data_jobs = _as_dict(_as_dict(run.get("payload")).get("data_jobs"))
        for stage in STAGE_ORDER:
            if _as_dict(data_jobs.get(stage)).get("status") != "succeeded":
                return stage
        return None

    def enqueue(self, cur, run: dict, stage: str, *, force_new: bool, reset_payload: bool = False) -> dict:
        """What the service does for a retried stage: a new (or reset) pending job, linked from the run."""
        from psycopg.types.json import Json

        self.mark_dirty()
        task = STAGE_TASKS[stage]
        now = _now()
        existing = None if force_new else self._stage_job(cur, run, stage)
        if existing is not None:
            cur.execute(
                "UPDATE app_jobs SET status = 'pending', attempts = 0, not_before = %s, locked_by = NULL, "
                "locked_at = NULL, updated_at = %s WHERE id = %s",
                [now, now, existing["id"]],
            )
            job_id, idem = existing["id"], existing["idempotency_key"]
        else:
            cur.execute(
                "SELECT count(*) AS n FROM app_jobs WHERE idempotency_key = %s OR idempotency_key LIKE %s",
                [f"{task}:{run['id']}", f"{task}:{run['id']}:%"],
            )
            n = cur.fetchone()["n"] + 1
            job_id, idem = str(uuid.uuid4()), f"{task}:{run['id']}:{n}"
            job_payload = {"wrapped_run_id": run["id"], "app_user_id": run["app_user_id"]}
            if run.get("sec_user_id"):
                job_payload["sec_user_id"] = run["sec_user_id"]
            cur.execute(
                "INSERT INTO app_jobs (id, task_name, payload, status, attempts, max_attempts, not_before, "
                "idempotency_key, lease_seconds, created_at, updated_at) "
                "VALUES (%s, %s, %s, 'pending', 0, 5, %s, %s, 60, %s, %s)",
                [job_id, task, Json(job_payload), now, idem, now, now],
            )
        if reset_payload:
            old = _as_dict(run.get("payload"))
            kept = {k: old[k] for k in ("email",) if k in old}
            cur.execute("UPDATE app_wrapped_runs SET payload = %s WHERE id = %s", [Json(kept), run["id"]])
        # The email stage is gated on a ready run: it stays ready; other stages put the run back to pending.
        new_status = run["status"] if stage == "email_send" and run["status"] == "ready" else "pending"
        cur.execute(
            """
            UPDATE app_wrapped_runs SET
              payload = jsonb_set(
                CASE WHEN json_typeof(payload) = 'object' THEN payload::jsonb ELSE '{}'::jsonb END,
                '{data_jobs}',
                CASE WHEN json_typeof(payload -> 'data_jobs') = 'object'
                     THEN (payload -> 'data_jobs')::jsonb ELSE '{}'::jsonb END
                  || jsonb_build_object(%(stage)s::text, jsonb_build_object('id', %(job)s::text, 'status', 'pending'))
              )::json,
              status = %(status)s,
              watch_history_job_id = CASE WHEN %(is_wh)s THEN %(job)s ELSE watch_history_job_id END,
              updated_at = %(now)s
            WHERE id = %(run)s
            """,
            {
                "stage": stage,
                "job": job_id,
                "status": new_status,
                "is_wh": stage == "watch_history",
                "now": now,
                "run": run["id"],
            },
        )
        return {
            "wrapped_run_id": run["id"],
            "task_name": task,
            "job_id": job_id,
            "status": "pending",
            "idempotency_key": idem,
        }

    def _cursor(self, conn):
        from psycopg.rows import dict_row

        return conn.cursor(row_factory=dict_row)

    # -- endpoints ----------------------------------------------------------------------------
    def retry_run(self, body, run_id):
        body = _as_dict(body)
        include_wh = _bool(body, "include_watch_history", True)
        include_analysis = _bool(body, "include_analysis", True)
        stage = "watch_history" if include_wh else ("wrapped_analysis" if include_analysis else "email_send")
        with self.db() as conn, conn.transaction(), self._cursor(conn) as cur:
            run = self._load_run(cur, run_id)
            answer = self.enqueue(
                cur,
                run,
                stage,
                force_new=_bool(body, "force_new_jobs", True),
                reset_payload=_bool(body, "reset_payload", True),
            )
        return 200, answer

    def retry_stage(self, body, run_id, endpoint):
        stage = ENDPOINT_STAGES[endpoint]
        with self.db() as conn, conn.transaction(), self._cursor(conn) as cur:
            run = self._load_run(cur, run_id)
            answer = self.enqueue(cur, run, stage, force_new=False)
        return 200, answer

    def _bulk(self, body, where: str, params: list, *, extra=None, stage_for=None):
        body = _as_dict(body)
        try:
            limit = int(body.get("limit", 50))
        except (TypeError, ValueError) as exc:
            raise HttpError(422, [{"loc": ["body", "limit"], "msg": "value is not a valid integer"}]) from exc
        if limit < 1:
            raise HttpError(422, [{"loc": ["body", "limit"], "msg": "ensure this value is greater than 0"}])
        dry_run = _bool(body, "dry_run", False)
        reset_payload = _bool(body, "reset_payload", True)
        explicit = {
            stage: body.get(key)
            for stage, key in (
                ("watch_history", "include_watch_history"),
                ("wrapped_analysis", "include_analysis"),
                ("email_send", "include_email"),
            )
            if body.get(key) is not None
        }
        results, enqueued = [], 0
        with self.db() as conn, conn.transaction(), self._cursor(conn) as cur:
            cur.execute(f"SELECT count(*) AS n FROM app_wrapped_runs WHERE {where}", params)
            matched = cur.fetchone()["n"]
            cur.execute(
                "SELECT id, app_user_id, sec_user_id, status, payload, watch_history_job_id, updated_at "
                f"FROM app_wrapped_runs WHERE {where} ORDER BY updated_at DESC, id LIMIT %s"
                + ("" if dry_run else " FOR UPDATE"),
                [*params, limit],
            )
            runs = cur.fetchall()
            for run in runs:
                if explicit:
                    stage = next((s for s in STAGE_ORDER if explicit.get(s)), None)
                else:
                    stage = stage_for(run) if stage_for else self._failed_stage(run)
                item = {
                    "wrapped_run_id": run["id"],
                    "app_user_id": run["app_user_id"],
                    "sec_user_id": run["sec_user_id"],
                    "action": f"retry_{stage}" if stage else None,
                    "enqueued_task": None,
                    "job_id": None,
                    "idempotency_key": None,
                    "skipped_reason": None,
                }
                if extra:
                    item.update(extra(run))
                job = self._stage_job(cur, run, stage) if stage else None
                if stage is None:
                    item["skipped_reason"] = "no_failed_stage"
                elif job is not None and job["status"] in ("pending", "running"):
                    item["skipped_reason"] = f"job_already_{job['status']}"
                elif dry_run:
                    item["enqueued_task"] = STAGE_TASKS[stage]
                    enqueued += 1
                else:
                    answer = self.enqueue(
                        cur, run, stage, force_new=True, reset_payload=reset_payload and stage == "watch_history"
                    )
                    item.update(
                        enqueued_task=answer["task_name"],
                        job_id=answer["job_id"],
                        idempotency_key=answer["idempotency_key"],
                    )
                    enqueued += 1
                results.append(item)
        return 200, {
            "matched": matched,
            "processed": len(runs),
            "enqueued": enqueued,
            "dry_run": dry_run,
            "results": results,
        }

    def retry_failed(self, body):
        return self._bulk(body, "status = 'failed'", [])

    def retry_zero_videos(self, body):
        body = _as_dict(body)
        statuses = body.get("run_status") or ["ready"]
        if not isinstance(statuses, list):
            statuses = [statuses]
        where = (
            "status = ANY(%s) AND json_typeof(payload) = 'object' "
            "AND json_typeof(payload -> 'total_videos') = 'number' AND (payload ->> 'total_videos')::numeric = 0"
        )
        if not _bool(body, "include_admin_test", False):
            where += " AND coalesce(payload ->> 'admin_test', 'false') <> 'true'"

        def extra(run):
            payload = _as_dict(run.get("payload"))
            return {
                "total_videos": payload.get("total_videos"),
                "watch_history_progress": payload.get("_watch_history_progress"),
            }

        return self._bulk(body, where, [[str(s) for s in statuses]], extra=extra, stage_for=lambda run: "watch_history")

    def run_status(self, body, run_id):
        with self.db() as conn, self._cursor(conn) as cur:
            run = self._load_run(cur, run_id, lock=False)
            payload = _as_dict(run.get("payload"))
            job_ids = [j for j in (self._stage_job_id(run, s) for s in STAGE_ORDER) if j]
            cur.execute(
                "SELECT id, task_name, status, attempts, max_attempts, not_before, idempotency_key, updated_at "
                "FROM app_jobs WHERE id = ANY(%s) OR idempotency_key LIKE ANY(%s) ORDER BY created_at",
                [job_ids, [f"{t}:{run_id}:%" for t in STAGE_TASKS.values()]],
            )
            jobs = cur.fetchall()
        warnings = payload.get("_analysis_warnings")
        return 200, {
            "wrapped_run_id": run["id"],
            "run_status": run["status"],
            "jobs": jobs,
            "data_jobs": payload.get("data_jobs"),
            "watch_history_progress": payload.get("_watch_history_progress"),
            "analysis_warnings": warnings if isinstance(warnings, list) else [],
        }

    def metrics(self, body):
        with self.db() as conn, self._cursor(conn) as cur:
            cur.execute("SELECT status, count(*) AS n FROM app_wrapped_runs GROUP BY status")
            runs = {r["status"]: r["n"] for r in cur.fetchall()}
            cur.execute("SELECT task_name, status, count(*) AS n FROM app_jobs GROUP BY task_name, status")
            jobs: dict[str, dict[str, int]] = {}
            for r in cur.fetchall():
                jobs.setdefault(r["task_name"], {})[r["status"]] = r["n"]
        return 200, {"runs_by_status": runs, "jobs_by_task_and_status": jobs, "admin_requests": len(self.requests)}


# -- Posters ------------------------------------------------------------------------------------
class PostersFake(FakeService):
    routes = [
        ("GET", r"/api/batch/jobs/([^/]+)/posters-for-save", "posters_for_save"),
        ("POST", r"/api/save-bulk-posters", "save_bulk_posters"),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved: list[dict] = []

    def posters_for_save(self, body, job_id):
        from psycopg.rows import dict_row

        with self.db() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute("SELECT 1 FROM batch_jobs WHERE job_id = %s", [job_id])
            if cur.fetchone() is None:
                raise HttpError(404, "job not found")
            cur.execute(
                "SELECT username, poster_url, metadata ->> 'user_id' AS user_id FROM generated_posters "
                "WHERE job_id = %s AND status = 'completed' ORDER BY created_at, id",
                [job_id],
            )
            rows = cur.fetchall()
        return 200, [
            {"username": r["username"], "posterUrl": r["poster_url"], "userId": _user_id(r["user_id"])} for r in rows
        ]

    def save_bulk_posters(self, body):
        posters = _as_dict(body).get("posters")
        if not isinstance(posters, list):
            raise HttpError(422, [{"loc": ["body", "posters"], "msg": "field required"}])
        results, saved = [], 0
        for poster in posters:
            poster = _as_dict(poster)
            if poster.get("userId") in (None, "") or not poster.get("posterUrl"):
                results.append(
                    {"username": poster.get("username"), "status": "error", "error": "userId and posterUrl required"}
                )
                continue
            saved += 1
            results.append({"username": poster.get("username"), "userId": poster.get("userId"), "status": "saved"})
        with self._lock:
            self.saved.extend(p for p in posters if isinstance(p, dict))
        return 200, {"success": True, "saved": saved, "failed": len(posters) - saved, "results": results}


def _user_id(value):
    if value is None:
        return None
    return int(value) if str(value).isdigit() else value


class NullFake(FakeService):
    """Sources without a documented admin API yet: every path is 404."""

    routes = []


FAKES: dict[str, type[FakeService]] = {"wrapped": WrappedFake, "posters": PostersFake}


def make_fake(alias: str, host: str = "127.0.0.1", port: int | None = None, **kwargs) -> FakeService:
    return FAKES.get(alias, NullFake)(alias, host, port, **kwargs)


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
