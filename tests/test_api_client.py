"""backoffice.api over real HTTP against the fake services (requests is never mocked)."""

from __future__ import annotations

import logging
import socket

import pytest

from backoffice import api
from backoffice.demo.fake_server import KEY_MATCHED, KEY_WRONG
from monitoring.wrapped.models import WrappedRun
from tests.plugins.fake_services import make_run

pytestmark = pytest.mark.django_db(databases="__all__")


def admin_key(settings, alias="wrapped"):
    return settings.SOURCE_APIS[alias]["admin_key"]


def test_ok_sends_key_idempotency_and_json(fake_wrapped_api, settings):
    make_run("run-ok")
    result = api.client_for_source("wrapped").post(
        "/admin/test/runs/run-ok/retry-analysis", idempotency_key="bo:test:run-ok:1"
    )
    assert result.outcome == api.OK and result.ok
    assert result.http_status == 200
    assert result.data["wrapped_run_id"] == "run-ok"
    assert result.data["task_name"] == "wrapped_analysis"
    assert result.method == "POST" and result.path == "/admin/test/runs/run-ok/retry-analysis"
    assert result.duration_ms >= 0 and "run-ok" in result.response_excerpt
    (sent,) = fake_wrapped_api.requests
    assert sent.method == "POST"
    assert sent.header("X-Admin-Key") == KEY_MATCHED
    assert sent.header("Idempotency-Key") == "bo:test:run-ok:1"
    assert sent.header("Accept") == "application/json"


def test_every_call_gets_a_fresh_idempotency_key(fake_wrapped_api):
    client = api.client_for_source("wrapped")
    first = client.get("/admin/metrics")
    second = client.get("/admin/metrics")
    assert first.ok and second.ok
    keys = [r.header("Idempotency-Key") for r in fake_wrapped_api.requests]
    assert len(set(keys)) == 2 and all(keys)
    assert first.idempotency_key == keys[0]


def test_json_body_is_sent(fake_wrapped_api):
    result = api.client_for_source("wrapped").post(
        "/admin/wrapped/runs/retry-failed", {"limit": 5, "dry_run": True, "reset_payload": True}
    )
    assert result.ok, result.message
    assert result.data == {"matched": 0, "processed": 0, "enqueued": 0, "dry_run": True, "results": []}
    assert fake_wrapped_api.requests[0].body == {"limit": 5, "dry_run": True, "reset_payload": True}
    assert fake_wrapped_api.requests[0].header("Content-Type") == "application/json"


def test_rejected_404_carries_the_service_message(fake_wrapped_api):
    result = api.client_for_source("wrapped").post("/admin/test/runs/nope/retry-email")
    assert result.outcome == api.REJECTED
    assert result.http_status == 404
    assert result.message == "run not found"
    assert "run not found" in result.describe()


def test_rejected_wrong_key_is_401_invalid_admin_key(fake_wrapped_api, settings):
    apis = {**settings.SOURCE_APIS, "wrapped": {**settings.SOURCE_APIS["wrapped"], "admin_key": "not-the-key"}}
    settings.SOURCE_APIS = apis
    result = api.client_for_source("wrapped").get("/admin/metrics")
    assert result.outcome == api.REJECTED and result.http_status == 401
    assert "invalid_admin_key" in result.message
    assert fake_wrapped_api.requests[0].header("X-Admin-Key") == KEY_WRONG
    assert "not-the-key" not in repr(result)


def test_service_answers_404_when_it_has_no_key(settings, db):
    from backoffice.demo.fake_server import make_fake

    fake = make_fake("wrapped", port=0, admin_key="").start()
    try:
        apis = {**settings.SOURCE_APIS, "wrapped": {"base_url": fake.base_url, "admin_key": "some-key-value"}}
        settings.SOURCE_APIS = apis
        result = api.client_for_source("wrapped").get("/admin/metrics")
    finally:
        fake.stop()
    assert result.outcome == api.REJECTED and result.http_status == 404
    assert "no admin key" in result.message


def test_validation_error_list_is_readable(fake_wrapped_api):
    result = api.client_for_source("wrapped").post("/admin/wrapped/runs/retry-failed", {"limit": "lots"})
    assert result.outcome == api.REJECTED and result.http_status == 422
    assert "limit" in result.message and "integer" in result.message


def test_500_is_service_error(fake_wrapped_api):
    fake_wrapped_api.misbehave("500")
    result = api.client_for_source("wrapped").get("/admin/metrics")
    assert result.outcome == api.SERVICE_ERROR and result.http_status == 500
    assert result.message == "Internal Server Error"


def test_timeout_does_not_re_post(fake_wrapped_api, short_timeouts):
    make_run("run-slow")
    fake_wrapped_api.misbehave("slow", 2.0)
    result = api.client_for_source("wrapped").post("/admin/wrapped/runs/run-slow/retry", {"reset_payload": True})
    assert result.outcome == api.TIMEOUT
    assert result.http_status is None
    assert "may still be processed" in result.message
    assert 400 <= result.duration_ms < 1900
    assert len(fake_wrapped_api.requests) == 1  # sent once, never re-sent


def test_dropped_connection_is_not_re_posted(fake_wrapped_api):
    fake_wrapped_api.misbehave("drop")
    result = api.client_for_source("wrapped").post("/admin/test/runs/r/retry-email")
    assert result.outcome == api.UNREACHABLE
    assert "closed the connection" in result.message
    assert len(fake_wrapped_api.requests) == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_closed_port(settings):
    port = _closed_port()
    settings.SOURCE_APIS = {
        **settings.SOURCE_APIS,
        "wrapped": {"base_url": f"http://127.0.0.1:{port}", "admin_key": "k-unreachable-1"},
    }
    result = api.client_for_source("wrapped").post("/admin/test/runs/r/retry-email")
    assert result.outcome == api.UNREACHABLE
    assert "connection refused" in result.message
    assert result.http_status is None


@pytest.mark.parametrize("missing", ["base_url", "admin_key"])
def test_not_configured(settings, missing):
    settings.SOURCE_APIS = {
        **settings.SOURCE_APIS,
        "wrapped": {**{"base_url": "http://127.0.0.1:9", "admin_key": "k"}, missing: None},
    }
    result = api.client_for_source("wrapped").post("/admin/test/runs/r/retry-email")
    assert result.outcome == api.NOT_CONFIGURED
    assert "WRAPPED_API_URL" in result.message


def test_key_never_in_results_or_logs(fake_wrapped_api, settings, caplog, short_timeouts):
    caplog.set_level(logging.DEBUG)
    key = admin_key(settings)
    client = api.client_for_source("wrapped")
    results = [client.post("/admin/wrapped/runs/retry-failed", {"limit": 1, "admin_key": key, "dry_run": True})]
    for mode in ("500", "401", "drop", "slow"):
        fake_wrapped_api.misbehave(mode, 1.0)
        results.append(client.post("/admin/test/runs/x/retry-email", {"x_admin_key": key}))
    for result in results:
        assert key not in repr(result)
        assert key not in result.response_excerpt and key not in result.message
    assert results[0].request_body["admin_key"] == api.REDACTED
    assert key not in caplog.text


def test_scrub_removes_secret_looking_keys_but_keeps_idempotency_key():
    scrubbed = api.scrub({"token_hash": "x", "nested": [{"password": "p"}], "idempotency_key": "k1", "a": "b"})
    assert scrubbed == {
        "token_hash": api.REDACTED,
        "nested": [{"password": api.REDACTED}],
        "idempotency_key": "k1",
        "a": "b",
    }


def test_read_side_sees_the_fake_service_write(fake_wrapped_api):
    make_run("run-read", status="failed")
    result = api.client_for_source("wrapped").post("/admin/test/runs/run-read/retry-watch-history")
    assert result.ok
    run = WrappedRun.objects.using("wrapped").get(pk="run-read")
    assert run.status == "pending"
    assert run.payload["data_jobs"]["watch_history"] == {"id": result.data["job_id"], "status": "pending"}
