"""Admin actions end to end: the real admin, the real fake services over HTTP, the real test DBs."""

from __future__ import annotations

import logging
import re

import pytest
from django.contrib import admin
from django.test import RequestFactory

from backoffice.audit.admin import actions_on_url
from backoffice.audit.models import ActionRecord, ActionSubmission
from backoffice.bulk import runner
from backoffice.bulk.models import BulkRun
from backoffice.demo.fake_server import KEY_MATCHED
from monitoring.wrapped.actions import RETRY_BODY, run_action_buttons
from monitoring.wrapped.models import AppJob, WrappedRun
from tests.factories.posters import BatchJobFactory, GeneratedPosterFactory
from tests.plugins.fake_services import make_job, make_run

pytestmark = pytest.mark.django_db(databases="__all__")

RUNS_URL = "/admin/wrapped/wrappedrun/"
RETRY_FAILED_URL = "/admin/wrapped/wrappedrun/retry-failed/"


JOBS_URL = "/admin/posters/batchjob/"


# -- helpers -----------------------------------------------------------------------------------
def plan_of(response) -> str:
    match = re.search(r'name="plan" value="([^"]+)"', response.content.decode())
    assert match, "no dry-run plan on the page"
    return match.group(1)


def token_of(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "no confirmation token on the page"
    return match.group(1)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def run_action(client, action, ids, url=RUNS_URL, **extra):
    """Select rows and pick the action (→ confirmation page)."""
    return client.post(url, {"action": action, "_selected_action": ids, **extra})


def confirm(client, action, ids, token, url=RUNS_URL, follow=True, **extra):
    data = {"action": action, "_selected_action": ids, "post": "yes", "reason": "OPS-101", "token": token, **extra}
    return client.post(url, data, follow=follow)


def run_and_confirm(client, action, ids, url=RUNS_URL):
    page = run_action(client, action, ids, url)
    assert page.status_code == 200, page.content[:500]
    return confirm(client, action, ids, token_of(page), url)


# -- the main flow -------------------------------------------------------------------------------
def test_operator_retries_two_runs(client_for, fake_wrapped_api, settings):
    make_run("run-a")
    make_run("run-b", failed_stage="watch_history")
    operator = client_for("operator")

    page = run_action(operator, "retry_run", ["run-a", "run-b"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "run-a" in html and "run-b" in html
    assert "POST /admin/wrapped/runs/run-a/retry" in html and "POST /admin/wrapped/runs/run-b/retry" in html
    assert "&quot;include_watch_history&quot;: true" in html and "&quot;reset_payload&quot;: true" in html
    assert "2 calls" in html and "at most <strong>500</strong> rows" in html
    assert fake_wrapped_api.requests == []  # nothing is called before the confirmation

    done = confirm(operator, "retry_run", ["run-a", "run-b"], token_of(page))
    assert done.status_code == 200
    assert any("2 ok, 0 failed" in m for m in messages_of(done))

    sent = fake_wrapped_api.requests
    assert sorted(r.path for r in sent) == ["/admin/wrapped/runs/run-a/retry", "/admin/wrapped/runs/run-b/retry"]
    for request in sent:
        assert request.method == "POST"
        assert request.body == RETRY_BODY
        assert request.header("X-Admin-Key") == KEY_MATCHED
        assert request.header("Idempotency-Key")
    assert len({r.header("Idempotency-Key") for r in sent}) == 2

    records = ActionRecord.objects.filter(action="retry_run").order_by("target_key")
    assert [(r.target_key, r.outcome, r.http_status) for r in records] == [("run-a", "ok", 200), ("run-b", "ok", 200)]
    first = records[0]
    assert first.username == "operator-user" and first.source == "wrapped" and first.method == "POST"
    assert first.path == "/admin/wrapped/runs/run-a/retry" and first.request_body == RETRY_BODY
    assert first.idempotency_key == sent[[r.path for r in sent].index(first.path)].header("Idempotency-Key")
    assert "watch_history_fetch_2025" in first.response_excerpt

    # The read side (the normal ORM on the read-only alias) shows the effect.
    for run_id in ("run-a", "run-b"):
        run = WrappedRun.objects.using("wrapped").get(pk=run_id)
        assert run.status == "pending"
        wh = run.payload["data_jobs"]["watch_history"]
        assert wh["status"] == "pending"
        job = AppJob.objects.using("wrapped").get(pk=wh["id"])
        assert (job.status, job.attempts, job.task_name) == ("pending", 0, "watch_history_fetch_2025")
        assert job.idempotency_key == f"watch_history_fetch_2025:{run_id}:2"
        assert run.watch_history_job_id == job.pk
        assert "wrapped_analysis" not in run.payload["data_jobs"]  # reset_payload


@pytest.mark.parametrize(
    ("action", "suffix", "stage", "task"),
    [
        ("retry_watch_history", "retry-watch-history", "watch_history", "watch_history_fetch_2025"),
        ("retry_analysis", "retry-analysis", "wrapped_analysis", "wrapped_analysis"),
        ("retry_email", "retry-email", "email_send", "email_send"),
    ],
)
def test_stage_retries(client_for, fake_wrapped_api, action, suffix, stage, task):
    make_run("run-s", failed_stage="email_send")
    done = run_and_confirm(client_for("operator"), action, ["run-s"])
    assert any("1 ok, 0 failed" in m for m in messages_of(done))
    (sent,) = fake_wrapped_api.requests
    assert (sent.method, sent.path, sent.body) == ("POST", f"/admin/test/runs/run-s/{suffix}", None)
    run = WrappedRun.objects.using("wrapped").get(pk="run-s")
    entry = run.payload["data_jobs"][stage]
    job = AppJob.objects.using("wrapped").get(pk=entry["id"])
    assert entry["status"] == "pending"
    assert (job.task_name, job.status, job.attempts) == (task, "pending", 0)
    assert job.idempotency_key == f"{task}:run-s"  # the existing job, reset
    assert ActionRecord.objects.get(action=action).outcome == "ok"


def test_retry_failed_confirmation_and_run(client_for, fake_wrapped_api, django_capture_on_commit_callbacks):
    make_run("f1")
    make_run("f2", failed_stage="watch_history")
    # A failed run whose failed stage already has a pending job: the service skips it.
    pending = make_job("wrapped_analysis", "pending")
    wh = make_job("watch_history_fetch_2025", "succeeded")
    make_run(
        "f3",
        failed_stage=None,
        payload={
            "data_jobs": {
                "watch_history": {"id": wh["id"], "status": "succeeded"},
                "wrapped_analysis": {"id": pending["id"], "status": "failed"},
            }
        },
        watch_history_job_id=wh["id"],
    )
    make_run("ok1", status="ready", failed_stage=None)
    operator = client_for("operator")

    changelist = operator.get(RUNS_URL)
    assert RETRY_FAILED_URL in changelist.content.decode()

    offer = operator.get(RETRY_FAILED_URL)
    assert offer.status_code == 200 and re.search(r'class="db-failed-count">3<', offer.content.decode())
    assert fake_wrapped_api.requests == [] and not ActionRecord.objects.exists()  # a GET calls nothing

    page = operator.post(RETRY_FAILED_URL, {"preview": "yes", "limit": "50"})
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'class="db-failed-count">3<', html)
    assert re.search(r'class="dry-matched">3<', html) and re.search(r'class="dry-enqueued">2<', html)
    assert "POST /admin/wrapped/runs/retry-failed" in html
    assert "&quot;dry_run&quot;: true" in html and "&quot;limit&quot;: 50" in html
    assert "job_already_pending" in html
    (dry,) = fake_wrapped_api.requests
    assert dry.body == {"limit": 50, "dry_run": True, "reset_payload": True}
    assert WrappedRun.objects.using("wrapped").filter(status="failed").count() == 3  # dry run changed nothing

    assert "2 runs planned by the dry run when you looked" in html and "3 failed runs in the database now" in html
    make_run("f-late")  # fails after the dry run: not in the frozen plan

    with django_capture_on_commit_callbacks(execute=True):
        done = operator.post(
            RETRY_FAILED_URL,
            {"post": "yes", "reason": "OPS-101", "token": token_of(page), "plan": plan_of(page), "limit": "50"},
        )
    run = BulkRun.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/admin/bulk/bulkrun/{run.pk}/change/")
    assert run.matched_when_looked == 2 and run.matched_at_confirm == 4
    runner.work(run.pk)
    assert sorted(r.path for r in fake_wrapped_api.requests[1:]) == [
        "/admin/test/runs/f1/retry-analysis",
        "/admin/test/runs/f2/retry-watch-history",  # each run at the stage the plan chose
    ]
    statuses = dict(WrappedRun.objects.using("wrapped").values_list("id", "status"))
    assert statuses["f3"] == "failed" and statuses["f-late"] == "failed" and statuses["ok1"] == "ready"
    assert set(ActionRecord.objects.values_list("action", "outcome", "reason")) == {
        ("retry_failed_dry_run", "ok", ""),
        ("retry_failed_runs", "ok", "OPS-101"),
    }


def test_retry_failed_needs_a_dry_run_plan(client_for, fake_wrapped_api):
    make_run("f9")
    operator = client_for("operator")
    offer = operator.get(RETRY_FAILED_URL)
    assert "Yes, retry" not in offer.content.decode()  # no plan, no confirmation
    done = operator.post(RETRY_FAILED_URL, {"post": "yes", "reason": "OPS-101", "token": "t"}, follow=True)
    assert any("Ask the service for a dry run first" in m for m in messages_of(done))
    assert fake_wrapped_api.requests == [] and not BulkRun.objects.exists()


# -- permissions -----------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["viewer", "support"])
def test_roles_without_run_actions_get_403_and_nothing_is_called(client_for, fake_wrapped_api, role):
    make_run("run-p")
    client = client_for(role)
    assert client.get(RUNS_URL).status_code == 200
    assert run_action(client, "retry_run", ["run-p"]).status_code == 403
    response = client.post(
        RUNS_URL,
        {"action": "retry_run", "_selected_action": ["run-p"], "post": "yes", "reason": "OPS-101", "token": "forged"},
    )
    assert response.status_code == 403
    assert client.get(RETRY_FAILED_URL).status_code == 403
    assert client.post(RETRY_FAILED_URL, {"post": "yes", "reason": "OPS-101", "token": "forged"}).status_code == 403
    assert fake_wrapped_api.requests == []
    assert not ActionRecord.objects.exists()
    assert RETRY_FAILED_URL not in client.get(RUNS_URL).content.decode()


def test_action_function_checks_permission_itself(fake_wrapped_api, client_for):
    """Called directly (not through the admin's action menu), the action still refuses."""
    from django.contrib.auth import get_user_model
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.exceptions import PermissionDenied

    from monitoring.wrapped.actions import retry_run

    client_for("viewer")
    request = RequestFactory().post(RUNS_URL, {"post": "yes", "reason": "OPS-101", "token": "x"})
    request.user = get_user_model().objects.get(username="viewer-user")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    with pytest.raises(PermissionDenied):
        retry_run(admin.site._registry[WrappedRun], request, WrappedRun.objects.all())
    assert fake_wrapped_api.requests == []


# -- double submit, bulk limit ---------------------------------------------------------------------
def test_double_submit_calls_once(client_for, fake_wrapped_api):
    make_run("run-d")
    operator = client_for("operator")
    token = token_of(run_action(operator, "retry_analysis", ["run-d"]))
    first = confirm(operator, "retry_analysis", ["run-d"], token)
    second = confirm(operator, "retry_analysis", ["run-d"], token)
    assert any("1 ok" in m for m in messages_of(first))
    assert any("already submitted" in m for m in messages_of(second))
    assert len(fake_wrapped_api.requests) == 1
    assert ActionRecord.objects.count() == 1
    assert ActionSubmission.objects.count() == 1


def test_forged_token_calls_nothing(client_for, fake_wrapped_api):
    make_run("run-t")
    done = confirm(client_for("operator"), "retry_email", ["run-t"], "operator:retry_email:made-up")
    assert any("not valid" in m for m in messages_of(done))
    assert fake_wrapped_api.requests == []


def test_bulk_limit_refuses_more_rows(client_for, fake_wrapped_api, settings):
    settings.BULK_ACTION_LIMIT = 2
    for run_id in ("b1", "b2", "b3"):
        make_run(run_id)
    operator = client_for("operator")
    page = run_action(operator, "retry_run", ["b1", "b2"])
    assert "at most <strong>2</strong> rows" in page.content.decode()
    refused = operator.post(RUNS_URL, {"action": "retry_run", "_selected_action": ["b1", "b2", "b3"]}, follow=True)
    assert refused.status_code == 200
    assert any("Too many rows selected" in m and "at most 2" in m for m in messages_of(refused))
    forced = confirm(operator, "retry_run", ["b1", "b2", "b3"], token_of(page))
    assert any("Too many rows selected" in m for m in messages_of(forced))
    assert fake_wrapped_api.requests == []


# -- failures --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "outcome", "shown", "recorded"),
    [
        ("401", "rejected", "invalid_admin_key", "invalid_admin_key"),
        ("500", "service_error", "service error (HTTP 500)", "Internal Server Error"),
        ("slow", "timeout", "timed out", "no answer from the wrapped service within 0.5 s"),
        ("drop", "unreachable", "closed the connection without answering", "closed the connection"),
        ("down", "unreachable", "connection refused", "connection refused"),
    ],
)
def test_failures_are_shown_and_recorded(
    client_for, fake_wrapped_api, short_timeouts, settings, caplog, mode, outcome, shown, recorded
):
    caplog.set_level(logging.DEBUG)
    key = settings.SOURCE_APIS["wrapped"]["admin_key"]
    make_run("run-f")
    operator = client_for("operator")
    page = run_action(operator, "retry_run", ["run-f"])
    if mode == "down":
        fake_wrapped_api.stop()
    else:
        fake_wrapped_api.misbehave(mode, 1.5)
    done = confirm(operator, "retry_run", ["run-f"], token_of(page))
    assert done.status_code == 200
    msgs = messages_of(done)
    assert any("0 ok, 1 failed" in m for m in msgs), msgs
    assert any(m.startswith("run-f: ") and shown in m for m in msgs), msgs
    assert shown in done.content.decode()
    record = ActionRecord.objects.get()
    assert record.outcome == outcome and record.target_key == "run-f"
    assert recorded in record.message
    assert key not in done.content.decode() and key not in caplog.text
    if mode != "down":
        assert len(fake_wrapped_api.requests) == 1  # never re-sent


def test_not_configured_is_shown(client_for, settings, fake_wrapped_api):
    make_run("run-n")
    operator = client_for("operator")
    settings.SOURCE_APIS = {**settings.SOURCE_APIS, "wrapped": {"base_url": None, "admin_key": ""}}
    page = run_action(operator, "retry_run", ["run-n"])
    assert "not configured" in page.content.decode()
    done = confirm(operator, "retry_run", ["run-n"], token_of(page))
    assert any("not configured" in m for m in messages_of(done))
    assert ActionRecord.objects.get().outcome == "not_configured"


def test_row_gone_before_confirmation_calls_nothing(client_for, fake_wrapped_api):
    make_run("run-gone")
    operator = client_for("operator")
    page = run_action(operator, "retry_email", ["run-gone"])
    from tests import seeding

    seeding.execute("wrapped", "DELETE FROM app_wrapped_runs WHERE id = 'run-gone'")
    done = confirm(operator, "retry_email", ["run-gone"], token_of(page))
    # The row is gone from the read side too, so the selection is empty: nothing to do, nothing called.
    assert fake_wrapped_api.requests == []
    assert done.status_code == 200


# -- secrets ---------------------------------------------------------------------------------------
def test_admin_key_never_rendered_stored_or_logged(
    client_for, fake_wrapped_api, settings, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    key = settings.SOURCE_APIS["wrapped"]["admin_key"]
    make_run("run-k")
    make_run("run-k2")
    operator = client_for("operator")
    pages = [run_action(operator, "retry_run", ["run-k", "run-k2"])]
    pages.append(confirm(operator, "retry_run", ["run-k", "run-k2"], token_of(pages[0])))
    make_run("run-k3")
    pages.append(operator.post(RETRY_FAILED_URL, {"preview": "yes"}))
    confirmed = {"post": "yes", "reason": "OPS-101", "token": token_of(pages[-1]), "plan": plan_of(pages[-1])}
    with django_capture_on_commit_callbacks(execute=True):
        pages.append(operator.post(RETRY_FAILED_URL, confirmed, follow=True))
    runner.work(BulkRun.objects.get().pk)
    fake_wrapped_api.misbehave("401")
    pages.append(run_and_confirm(operator, "retry_analysis", ["run-k"]))
    admin_client = client_for("admin")
    pages.append(admin_client.get("/admin/audit/actionrecord/"))
    for record in ActionRecord.objects.all():
        pages.append(admin_client.get(f"/admin/audit/actionrecord/{record.pk}/change/"))
        for field in record._meta.concrete_fields:
            assert key not in str(getattr(record, field.attname))
    for page in pages:
        assert page.status_code == 200
        assert key not in page.content.decode()
    assert ActionRecord.objects.count() >= 5
    assert key not in caplog.text


# -- detail page forms, audit admin ---------------------------------------------------------------
def test_detail_page_buttons_post_one_row_and_come_back(client_for, fake_wrapped_api):
    make_run("run-detail")
    operator = client_for("operator")
    request = RequestFactory().get(f"{RUNS_URL}run-detail/change/")
    from django.contrib.auth import get_user_model

    request.user = get_user_model().objects.get(username="operator-user")
    run = WrappedRun.objects.using("wrapped").get(pk="run-detail")
    buttons = run_action_buttons(request, run)
    assert [b["name"] for b in buttons] == ["retry_run", "retry_watch_history", "retry_analysis", "retry_email"]
    fields = dict(buttons[2]["fields"])
    assert buttons[2]["url"] == RUNS_URL and fields["_selected_action"] == "run-detail"

    detail = operator.get(f"{RUNS_URL}run-detail/change/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert 'name="action" value="retry_analysis"' in html and 'name="_selected_action" value="run-detail"' in html
    assert actions_on_url("wrapped", "run-detail").replace("&", "&amp;") not in html  # operators cannot read the audit

    page = operator.post(buttons[2]["url"], fields)
    assert page.status_code == 200 and "POST /admin/test/runs/run-detail/retry-analysis" in page.content.decode()
    done = operator.post(buttons[2]["url"], {**fields, "post": "yes", "reason": "OPS-101", "token": token_of(page)})
    assert done.status_code == 302 and done["Location"] == fields["_next"]
    assert [r.path for r in fake_wrapped_api.requests] == ["/admin/test/runs/run-detail/retry-analysis"]

    request.user = get_user_model().objects.create(username="v2", is_staff=True)
    assert run_action_buttons(request, run) == []


def test_audit_admin_is_read_only_for_the_admin_role(client_for, fake_wrapped_api):
    make_run("run-audit")
    make_run("run-other")
    run_and_confirm(client_for("operator"), "retry_email", ["run-audit", "run-other"])
    admin_client = client_for("admin")
    url = actions_on_url("wrapped", "run-audit")
    page = admin_client.get(url)
    assert page.status_code == 200
    rows = list(page.context["cl"].result_list)
    assert [r.target_key for r in rows] == ["run-audit"]
    by_user = admin_client.get("/admin/audit/actionrecord/", {"q": "operator-user"})
    assert len(by_user.context["cl"].result_list) == 2
    filtered = admin_client.get("/admin/audit/actionrecord/", {"outcome__exact": "ok", "action": "retry_email"})
    assert len(filtered.context["cl"].result_list) == 2
    detail = admin_client.get(f"{RUNS_URL}run-audit/change/")
    assert url.replace("&", "&amp;") in detail.content.decode()  # "actions on this run"
    record = ActionRecord.objects.first()
    assert admin_client.get(f"/admin/audit/actionrecord/{record.pk}/change/").status_code == 200
    assert admin_client.post(f"/admin/audit/actionrecord/{record.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/audit/actionrecord/add/").status_code == 403
    assert client_for("operator").get("/admin/audit/actionrecord/").status_code == 403


# -- posters -----------------------------------------------------------------------------------------
def test_save_posters_reports_posters_lacking_user_id(client_for, fake_posters_api):
    job = BatchJobFactory(job_id="job_a926e02f7e5a", status="completed")
    GeneratedPosterFactory(job=job, username="phase", metadata={"user_id": 1058727})
    GeneratedPosterFactory(job=job, username="johndoe", metadata={"user_id": 42, "fetched_from_api": True})
    GeneratedPosterFactory(job=job, username="nouser", metadata={"display_name": "No User"})
    GeneratedPosterFactory(job=job, username="failed-one", status="failed", metadata={"user_id": 7})
    running = BatchJobFactory(job_id="job_running", status="processing")
    operator = client_for("operator")

    ids = [str(job.pk), str(running.pk)]
    page = run_action(operator, "save_posters", ids, url=JOBS_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "GET /api/batch/jobs/job_a926e02f7e5a/posters-for-save" in html
    assert "POST /api/save-bulk-posters" in html
    assert "Skipped: the job is processing, not completed" in html

    done = confirm(operator, "save_posters", ids, token_of(page), url=JOBS_URL)
    msgs = messages_of(done)
    assert any("1 ok, 0 failed, 1 skipped" in m for m in msgs), msgs
    assert any("job_a926e02f7e5a: 1 poster(s) lack a user_id" in m and "nouser" in m for m in msgs), msgs
    assert any("job_running: skipped, the job is processing" in m for m in msgs), msgs

    read, save = fake_posters_api.requests
    assert (read.method, read.path) == ("GET", "/api/batch/jobs/job_a926e02f7e5a/posters-for-save")
    assert (save.method, save.path) == ("POST", "/api/save-bulk-posters")
    assert save.body["job_id"] == "job_a926e02f7e5a"
    assert sorted((p["username"], p["userId"]) for p in save.body["posters"]) == [("johndoe", 42), ("phase", 1058727)]
    assert all(p["posterUrl"] for p in save.body["posters"])
    assert read.header("X-Admin-Key") == KEY_MATCHED and save.header("Idempotency-Key")

    records = list(ActionRecord.objects.filter(action="save_posters").order_by("id"))
    assert [(r.method, r.outcome) for r in records] == [("GET", "ok"), ("POST", "ok")]
    assert "nouser" in records[1].message and '"saved": 2' in records[1].response_excerpt


def test_save_posters_with_no_user_ids_saves_nothing(client_for, fake_posters_api):
    job = BatchJobFactory(job_id="job_nobody", status="completed")
    GeneratedPosterFactory(job=job, username="anon", metadata={})
    done = run_and_confirm(client_for("operator"), "save_posters", [str(job.pk)], url=JOBS_URL)
    msgs = messages_of(done)
    assert any("0 ok, 1 failed" in m for m in msgs)
    assert any("none of the 1 poster(s) has a user_id" in m for m in msgs)
    assert any("anon" in m for m in msgs)
    assert [r.method for r in fake_posters_api.requests] == ["GET"]
    assert "anon" in ActionRecord.objects.get().message


def test_save_posters_forbidden_for_support(client_for, fake_posters_api):
    job = BatchJobFactory(job_id="job_x", status="completed")
    response = client_for("support").post(
        JOBS_URL,
        {"action": "save_posters", "_selected_action": [str(job.pk)], "post": "yes", "reason": "OPS-101", "token": "t"},
    )
    assert response.status_code == 403
    assert fake_posters_api.requests == []


def test_batch_job_detail_offers_save_posters_to_operators_only(client_for, fake_posters_api):
    job = BatchJobFactory(status="completed")
    url = f"{JOBS_URL}{job.pk}/change/"
    operator_page = client_for("operator").get(url).content.decode()
    assert 'value="save_posters"' in operator_page
    assert 'value="save_posters"' not in client_for("viewer").get(url).content.decode()
