"""A bulk retry in a real browser: 30 failed runs selected, a reason, the background run's progress
reaching 30, then "retry the failures only" on the 2 runs the service refused."""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import expect

from tests.factories.wrapped import WrappedRunFactory

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

RUNS = "/admin/wrapped/wrappedrun/"


@pytest.fixture
def worker():
    """The django-tasks database worker's loop, in a thread, until the test ends."""
    from django.db import connections, transaction
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    stop = threading.Event()
    loop = Worker(
        queue_names=["*"],
        interval=0.2,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-test-worker",
        excluded_queue_names=[],
    )

    def run():
        try:
            while not stop.is_set():
                with transaction.atomic():
                    task_result = DBTaskResult.objects.ready().get_locked()
                    if task_result is not None:
                        task_result.claim(loop.worker_id)
                if task_result is None:
                    stop.wait(0.2)
                    continue
                loop.run_task(task_result)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="bulk-worker", daemon=True)
    thread.start()
    yield thread
    stop.set()
    thread.join(timeout=10)


def test_operator_retries_30_failed_runs_then_the_2_failures_only(
    open_as, browsing, fake_wrapped_api, worker, settings
):
    settings.BULK_SOURCE_LIMITS = {"default": {"concurrency": 2, "per_second": 50}}
    ids = [f"run-bulk-{i:02d}" for i in range(30)]
    for run_id in ids:
        WrappedRunFactory(id=run_id, failed_stage="wrapped_analysis", email=f"{run_id}@example.com")
    refused = ["run-bulk-07", "run-bulk-21"]
    fake_wrapped_api.fail_for(refused, status=409)

    page = open_as("operator")
    page.goto(f"{RUNS}?status__exact=failed")
    expect(page.locator("#result_list tbody tr")).to_have_count(30)
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("retry_analysis")
    page.get_by_role("button", name="Go").click()

    expect(page.locator(".frozen-targets")).to_contain_text("30 rows matched when you looked")
    assert fake_wrapped_api.requests == [], "the confirmation page must not call the service"
    page.get_by_label("Reason").fill("INC-311 analysis outage")
    page.get_by_role("button", name="Yes, make 30 calls").click()

    expect(page).to_have_url(re.compile(r"/admin/bulk/bulkrun/\d+/change/$"))
    expect(page.locator(".run-reason")).to_have_text("INC-311 analysis outage")
    counts = page.locator(".bulk-counts")
    expect(counts).to_contain_text("28 done", timeout=30_000)
    expect(counts).to_contain_text("2 failed")
    expect(counts).to_contain_text("0 remaining")
    for run_id in refused:
        expect(page.locator(f'tr[data-key="{run_id}"]')).to_contain_text("HTTP 409")

    fake_wrapped_api.reset()  # the service accepts them now
    page.get_by_role("button", name="Retry the 2 failures only").click()
    expect(page.locator(".bulk-counts")).to_contain_text("2 done", timeout=30_000)
    expect(page.locator(".bulk-counts")).to_contain_text("0 failed")
    expect(page.locator("table.bulk-items tbody tr")).to_have_count(2)
    assert sorted(r.path for r in fake_wrapped_api.requests) == [
        f"/admin/test/runs/{i}/retry-analysis" for i in refused
    ]
    browsing.assert_clean()
