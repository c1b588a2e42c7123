"""Drift and hostile data on the Wrapped source: pages degrade, never break.

1. A run whose `json` payload holds the escape \\u0000 (PostgreSQL's `json` accepts it; every
   operator that reads a key out of it fails): every page that shows the run still answers 200.
2. A drifted copy of the Wrapped schema (the service's own migrations went further than the
   models): check_sources names every change with the page it breaks or slows, and every page
   that can still work answers 200 with rows; the one that cannot says what changed.
3. A changed primary key, on a separate copy.

The drifted copies are built like tests/test_health.py builds its own (tests.drift helpers).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories.wrapped import AppJobFactory, DeviceEmailFactory, WrappedRunFactory
from tests.pages import result_rows

RUNS = "/admin/wrapped/wrappedrun/"
NUL = {"note": "before\x00after", "_analysis_warnings": ["bad\x00byte"]}


def nul_run(**kwargs):
    return WrappedRunFactory(stage="analysis", email="nul@example.com", extra_payload=NUL, **kwargs)


# -- 1. NUL escapes in a json payload ----------------------------------------------------------------


def test_a_nul_escape_is_stored_as_json_text():
    from backoffice import seeding

    run = nul_run()
    stored = (
        seeding.connection("wrapped")
        .execute("SELECT payload::text FROM app_wrapped_runs WHERE id = %s", [run.id])
        .fetchone()[0]
    )
    assert "\\u0000" in stored  # the factory really wrote what the service writes


def test_runs_list_shows_a_run_with_a_nul_escape(client_for):
    run = nul_run()
    WrappedRunFactory()
    response = client_for("viewer").get(RUNS)
    assert response.status_code == 200
    page = response.content.decode()
    assert result_rows(page) == 2 and run.id in page
    assert "Running analysis" in page  # its stage is still derived


@pytest.mark.parametrize(("params", "shown"), [({"stage": "analysis"}, 1), ({"warnings": "yes"}, 1)])
def test_stage_and_warnings_filters_read_past_a_nul_escape(client_for, params, shown):
    nul_run()
    WrappedRunFactory()
    response = client_for("viewer").get(RUNS, params)
    assert response.status_code == 200
    assert result_rows(response.content.decode()) == shown


def test_run_detail_and_raw_payload_of_a_run_with_a_nul_escape(client_for):
    run = nul_run()
    client = client_for("support")
    response = client.get(f"{RUNS}{run.id}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Running analysis" in page and "Analysis warning: bad" in page
    raw = client.get(f"{RUNS}{run.id}/payload.json")
    assert raw.status_code == 200 and b"before\\u0000after" in raw.content


def test_csv_export_with_a_nul_escape(client_for):
    run = nul_run()
    response = client_for("support").get(f"{RUNS}export.csv")
    assert response.status_code == 200
    body = response.content.decode()
    assert run.id in body and "Running analysis" in body


def test_find_a_person_with_a_nul_escape(client_for):
    run = nul_run()
    response = client_for("support").get("/admin/wrapped/find-person/", {"q": run.id})
    assert response.status_code == 200
    page = response.content.decode()
    assert run.id in page and "Running analysis" in page


def test_live_panel_with_a_nul_escape(client_for):
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    run = nul_run()
    response = client_for("viewer").get(f"{RUNS}live/", {"since": since, "seen": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert run.id in page and "Running analysis" in page


def test_queue_reads_job_payloads_with_a_nul_escape(client_for):
    job = AppJobFactory(status="failed", payload={"wrapped_run_id": "run-1", "last_error": "boom\x00crash"})
    DeviceEmailFactory()
    response = client_for("viewer").get("/admin/wrapped/appjob/")
    assert response.status_code == 200
    page = response.content.decode()
    assert job.id in page and "boom\ufffdcrash" in page
