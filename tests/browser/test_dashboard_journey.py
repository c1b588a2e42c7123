"""Browser journey: the landing dashboard follows a change the service makes, without a reload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests
from playwright.sync_api import expect

from tests.factories.wrapped import WrappedRunFactory


def test_dashboard_updates_after_the_service_retries_a_run(open_as, browsing, fake_wrapped_api):
    recent = (datetime.now(UTC) - timedelta(minutes=5)).replace(tzinfo=None)
    run = WrappedRunFactory(id="run-dash-0001", failed_stage="wrapped_analysis", updated_at=recent)

    page = open_as("operator")
    page.goto("/admin/")
    runs = page.locator("#panel-wrapped-runs")
    failed_hour = runs.locator(".dash-figure", has_text="failed, last hour")
    expect(failed_hour.locator(".n")).to_have_text("1")
    expect(runs.locator(".dash-figure", has_text="Running analysis").locator(".n")).to_have_text("1")
    # The charts are drawn from their JSON data blocks by the static script (no inline script).
    expect(page.locator("#panel-wrapped-runs_per_hour canvas")).to_have_count(1)
    assert page.evaluate("() => Boolean(window.Chart && Chart.getChart(document.querySelector('[data-chart]')))")

    # The Wrapped service retries the run's analysis over its own HTTP API: the run is pending again.
    answer = requests.post(
        f"{fake_wrapped_api.base_url}/admin/test/runs/{run.id}/retry-analysis",
        headers={"X-Admin-Key": fake_wrapped_api.admin_key},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text

    # The panel refreshes itself (5 s poll, 4 s cache): no failure left in the last hour.
    expect(failed_hour.locator(".n")).to_have_text("0", timeout=15_000)
    expect(runs.locator(".dash-updated")).to_contain_text("updated")
    browsing.assert_clean()
