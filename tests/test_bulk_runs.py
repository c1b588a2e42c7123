"""Reasons and bulk runs end to end: the real admin, a django-tasks worker run in-process, the real
fake Wrapped service over HTTP."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice.audit.models import ActionRecord, ActionSubmission
from backoffice.bulk import runner
from backoffice.bulk.models import BulkRun, BulkRunItem, ItemState, RunStatus
from tests.plugins.fake_services import make_run

pytestmark = pytest.mark.django_db(databases="__all__")

RUNS_URL = "/admin/wrapped/wrappedrun/"
FAILED_RUNS_URL = RUNS_URL + "?status__exact=failed"


@pytest.fixture(autouse=True)
def fast_limits(settings):
    settings.BULK_INLINE_MAX_ROWS = 2
    settings.BULK_SOURCE_LIMITS = {"default": {"concurrency": 2, "per_second": 1000}}


def run_worker_once() -> int:
    """The database worker's own claim-and-run loop (django_tasks_db's db_worker), in-process: the
    command itself closes the connection between tasks, which would end the test's transaction."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while (task_result := DBTaskResult.objects.ready().get_locked()) is not None:
        task_result.claim(worker.worker_id)
        worker.run_task(task_result)
        ran += 1
    return ran


def token_of(response) -> str:
    html = response if isinstance(response, str) else response.content.decode()
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "no token on the page"
    return match.group(1)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def open_confirmation(client, ids, action="retry_analysis", url=RUNS_URL):
    page = client.post(url, {"action": action, "_selected_action": ids})
    assert page.status_code == 200, page.content[:300]
    return page


def confirm(client, ids, token, reason="OPS-2041", action="retry_analysis", url=RUNS_URL, **extra):
    data = {"action": action, "_selected_action": ids, "post": "yes", "token": token, "reason": reason, **extra}
    return client.post(url, data)


def start_run(client, ids, capture, reason="OPS-2041", url=RUNS_URL) -> BulkRun:
    page = open_confirmation(client, ids, url=url)
    with capture(execute=True):
        done = confirm(client, ids, token_of(page), reason=reason, url=url, looked_count=str(len(ids)))
    assert done.status_code == 302, done.content[:300]
    run = BulkRun.objects.get()
    assert done["Location"].endswith(f"/admin/bulk/bulkrun/{run.pk}/change/")
    return run


def run_page(client, run) -> str:
    response = client.get(f"/admin/bulk/bulkrun/{run.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


# -- reasons ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("reason", ["", "   ", "fix", "ops-12"])
def test_a_reason_is_required(client_for, fake_wrapped_api, reason):
    make_run("run-r1")
    operator = client_for("operator")
    page = open_confirmation(operator, ["run-r1"])
    assert 'name="reason"' in page.content.decode()
    again = confirm(operator, ["run-r1"], token_of(page), reason=reason)
    assert again.status_code == 200
    html = again.content.decode()
    assert "errorlist" in html and ("Give a reason" in html or "too short" in html)
    assert fake_wrapped_api.requests == []
    assert not ActionRecord.objects.exists() and not ActionSubmission.objects.exists()


@pytest.mark.parametrize("reason", ["OPS-77", "Customer asked twice by mail, ticket lost"])
def test_the_reason_is_stored_on_every_audit_row_and_shown(client_for, fake_wrapped_api, reason):
    make_run("run-r2")
    make_run("run-r3")
    operator = client_for("operator")
    page = open_confirmation(operator, ["run-r2", "run-r3"])
    done = confirm(operator, ["run-r2", "run-r3"], token_of(page), reason=reason)
    assert done.status_code == 302
    rows = list(ActionRecord.objects.all())
    assert len(rows) == 2 and {r.reason for r in rows} == {reason}
    audit = client_for("admin").get("/admin/audit/actionrecord/").content.decode()
    assert reason in audit
    dashboard = operator.get("/admin/dashboard/panel/backoffice/my_actions/", headers={"HX-Request": "true"})
    assert reason in dashboard.content.decode()


def test_a_ticket_pattern_from_settings(client_for, fake_wrapped_api, settings):
    settings.ACTION_REASON_PATTERN = r"SUP#\d{4}"
    make_run("run-r4")
    operator = client_for("operator")
    page = open_confirmation(operator, ["run-r4"])
    assert confirm(operator, ["run-r4"], token_of(page), reason="OPS-1").status_code == 200  # refused
    page = open_confirmation(operator, ["run-r4"])
    assert confirm(operator, ["run-r4"], token_of(page), reason="SUP#1234").status_code == 302
    assert ActionRecord.objects.get().reason == "SUP#1234"


# -- bulk runs -------------------------------------------------------------------------------------
def test_targets_are_frozen_at_confirmation(client_for, fake_wrapped_api, django_capture_on_commit_callbacks):
    ids = [f"run-f{i}" for i in range(4)]
    for run_id in ids:
        make_run(run_id)
    operator = client_for("operator")
    page = open_confirmation(operator, ids, url=FAILED_RUNS_URL)
    html = page.content.decode()
    assert "4 rows matched when you looked" in html and "4 match now" in html
    make_run("run-late-1")  # a new failed run appears while the operator reads the page
    page = open_confirmation(operator, ids, url=FAILED_RUNS_URL)
    assert "5 match now" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = confirm(operator, ids, token_of(page), url=FAILED_RUNS_URL, looked_count="4")
    assert done.status_code == 302
    assert fake_wrapped_api.requests == []  # nothing is called in the request: the worker does it
    run = BulkRun.objects.get()
    assert run.matched_when_looked == 4 and run.matched_at_confirm == 5
    make_run("run-late-2")  # and more after the confirmation
    make_run("run-late-3")

    assert run_worker_once() == 1

    sent = sorted(r.path for r in fake_wrapped_api.requests)
    assert sent == sorted(f"/admin/test/runs/{i}/retry-analysis" for i in ids)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert list(run.items.values_list("state", flat=True)) == [ItemState.OK] * 4
    assert set(ActionRecord.objects.values_list("reason", flat=True)) == {"OPS-2041"}
    assert "4 rows matched when the operator looked; 5 matched at confirmation" in run_page(operator, run)


def test_progress_and_outcomes_are_visible(client_for, fake_wrapped_api, django_capture_on_commit_callbacks):
    ids = ["run-p1", "run-p2", "run-p3"]
    for run_id in ids:
        make_run(run_id)
    fake_wrapped_api.fail_for(["run-p2"], status=422)
    operator = client_for("operator")
    run = start_run(operator, ids, django_capture_on_commit_callbacks)
    before = operator.get(f"/admin/bulk/bulkrun/{run.pk}/progress/").content.decode()
    assert "0 done" in before and "3 remaining" in before and "hx-trigger" in before  # still polling

    runner.work(run.pk)

    after = operator.get(f"/admin/bulk/bulkrun/{run.pk}/progress/").content.decode()
    assert "2 done" in after and "1 failed" in after and "0 remaining" in after
    assert "hx-trigger" not in after  # finished: the poll stops
    assert "failure asked for by the test (HTTP 422)" in after
    assert after.count('class="item-ok"') == 2 and after.count('class="item-failed"') == 1
    assert client_for("viewer").get(f"/admin/bulk/bulkrun/{run.pk}/change/").status_code == 403


def test_cancel_stops_the_run(client_for, fake_wrapped_api, django_capture_on_commit_callbacks):
    ids = ["run-c1", "run-c2", "run-c3"]
    for run_id in ids:
        make_run(run_id)
    operator = client_for("operator")
    run = start_run(operator, ids, django_capture_on_commit_callbacks)
    assert "Cancel this run" in run_page(operator, run)
    assert operator.get(f"/admin/bulk/bulkrun/{run.pk}/cancel/").status_code == 405
    operator.post(f"/admin/bulk/bulkrun/{run.pk}/cancel/")
    runner.work(run.pk)
    assert fake_wrapped_api.requests == []
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert set(run.items.values_list("state", flat=True)) == {ItemState.CANCELLED}
    assert "Cancel this run" not in run_page(operator, run)


def test_cancel_mid_run_stops_after_the_call_in_flight(
    client_for, fake_wrapped_api, django_capture_on_commit_callbacks
):
    ids = [f"run-cm{i}" for i in range(4)]
    for run_id in ids:
        make_run(run_id)
    operator = client_for("operator")
    run = start_run(operator, ids, django_capture_on_commit_callbacks)
    original = runner.set_state

    def cancel_after_first(item, state, **values):
        original(item, state, **values)
        if state == ItemState.OK:
            BulkRun.objects.filter(pk=item.run_id).update(cancel_requested=True)

    runner.set_state = cancel_after_first
    try:
        runner.work(run.pk)
    finally:
        runner.set_state = original
    assert len(fake_wrapped_api.requests) == 1
    states = list(run.items.values_list("state", flat=True))
    assert states == [ItemState.OK, ItemState.CANCELLED, ItemState.CANCELLED, ItemState.CANCELLED]


def test_retry_the_failures_only(client_for, fake_wrapped_api, django_capture_on_commit_callbacks):
    ids = [f"run-x{i}" for i in range(6)]
    for run_id in ids:
        make_run(run_id)
    fake_wrapped_api.fail_for(["run-x1", "run-x4"])
    operator = client_for("operator")
    run = start_run(operator, ids, django_capture_on_commit_callbacks)
    runner.work(run.pk)
    html = run_page(operator, run)
    assert "Retry the 2 failures only" in html
    fake_wrapped_api.reset()
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(
            f"/admin/bulk/bulkrun/{run.pk}/retry-failures/", {"token": token_of(html), "reason": "OPS-2042"}
        )
    retry = BulkRun.objects.exclude(pk=run.pk).get()
    assert response["Location"].endswith(f"/{retry.pk}/change/")
    assert retry.retry_of == run and retry.reason == "OPS-2042"
    assert sorted(retry.items.values_list("target_key", flat=True)) == ["run-x1", "run-x4"]
    assert run_worker_once() >= 1  # the first run's own task finds nothing left to do
    assert sorted(r.path for r in fake_wrapped_api.requests) == [
        "/admin/test/runs/run-x1/retry-analysis",
        "/admin/test/runs/run-x4/retry-analysis",
    ]
    retry.refresh_from_db()
    assert retry.status == RunStatus.DONE and set(retry.items.values_list("state", flat=True)) == {ItemState.OK}


def test_a_dead_worker_loses_no_outcome_and_a_resume_reuses_the_keys(
    client_for, fake_wrapped_api, django_capture_on_commit_callbacks
):
    ids = ["run-k1", "run-k2", "run-k3"]
    for run_id in ids:
        make_run(run_id)
    operator = client_for("operator")
    run = start_run(operator, ids, django_capture_on_commit_callbacks)
    runner.work(run.pk)
    first_keys = {r.path.split("/")[4]: r.header("Idempotency-Key") for r in fake_wrapped_api.requests}
    assert len(set(first_keys.values())) == 3
    # The worker "dies": run-k2 was sent but its answer never recorded, run-k3 was never sent.
    items = {i.target_key: i for i in run.items.all()}
    BulkRunItem.objects.filter(pk=items["run-k2"].pk).update(state=ItemState.SENDING, outcome="")
    BulkRunItem.objects.filter(pk=items["run-k3"].pk).update(state=ItemState.PENDING, outcome="")
    stale = timezone.now() - timedelta(seconds=runner.patience_seconds() + 1)
    BulkRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, heartbeat_at=stale, finished_at=None)

    html = run_page(operator, run)
    assert "Stopped: the worker stopped answering" in html
    assert re.search(r'data-key="run-k2">.*?Unknown — sent, no answer', html, re.S)
    assert "1 done" in html and "1 unknown — sent, no answer" in html and "1 remaining" in html

    fake_wrapped_api.reset()
    with django_capture_on_commit_callbacks(execute=True):
        operator.post(f"/admin/bulk/bulkrun/{run.pk}/resume/")
    assert run_worker_once() >= 1  # the first run's own task finds nothing left to do
    resent = {r.path.split("/")[4]: r.header("Idempotency-Key") for r in fake_wrapped_api.requests}
    assert resent == {"run-k2": first_keys["run-k2"], "run-k3": first_keys["run-k3"]}
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert set(run.items.values_list("state", flat=True)) == {ItemState.OK}


def test_calls_are_paced_per_source(client_for, fake_wrapped_api, django_capture_on_commit_callbacks, settings):
    settings.BULK_SOURCE_LIMITS = {"default": {"concurrency": 1, "per_second": 10}}
    ids = [f"run-s{i}" for i in range(4)]
    for run_id in ids:
        make_run(run_id)
    run = start_run(client_for("operator"), ids, django_capture_on_commit_callbacks)
    runner._last_call.clear()
    started = time.monotonic()
    runner.work(run.pk)
    assert time.monotonic() - started >= 0.3  # 4 calls at most 10 a second: 3 gaps of 0.1 s
    assert len(fake_wrapped_api.requests) == 4


def test_concurrency_is_bounded_across_workers(settings):
    """A slot held by another session (another worker) makes a worker wait."""
    import threading

    from django.db import connections

    settings.BULK_SOURCE_LIMITS = {"default": {"concurrency": 1, "per_second": 1000}}
    other = connections.create_connection("default")
    try:
        with other.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s, 0)", [runner._lock_class("wrapped")])
        got = threading.Event()

        def take():
            try:
                with runner.source_slot("wrapped"):
                    got.set()
            finally:
                connections.close_all()

        thread = threading.Thread(target=take)
        thread.start()
        assert not got.wait(0.5)
        with other.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s, 0)", [runner._lock_class("wrapped")])
        assert got.wait(5)
        thread.join(5)
    finally:
        other.close()


def test_a_call_with_no_answer_is_unknown_and_resent_with_its_key(
    client_for, fake_wrapped_api, django_capture_on_commit_callbacks
):
    ids = ["run-d1", "run-d2", "run-d3"]
    for run_id in ids:
        make_run(run_id)
    operator = client_for("operator")
    run = start_run(operator, ids, django_capture_on_commit_callbacks)
    fake_wrapped_api.misbehave("drop")  # the service closes the connection without an answer
    runner.work(run.pk)
    assert set(run.items.values_list("state", flat=True)) == {ItemState.UNKNOWN}
    html = run_page(operator, run)
    assert "3 unknown — sent, no answer" in html and "Resume" in html and "Retry the" not in html
    first = {r.path.split("/")[4]: r.header("Idempotency-Key") for r in fake_wrapped_api.requests}

    fake_wrapped_api.reset()
    with django_capture_on_commit_callbacks(execute=True):
        operator.post(f"/admin/bulk/bulkrun/{run.pk}/resume/")
    assert run_worker_once() >= 1
    again = {r.path.split("/")[4]: r.header("Idempotency-Key") for r in fake_wrapped_api.requests}
    assert again == first
    assert set(run.items.values_list("state", flat=True)) == {ItemState.OK}
