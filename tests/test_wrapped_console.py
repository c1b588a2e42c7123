"""The Wrapped console as support staff see it: runs, stages, detail, queue, linking, search, live."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from monitoring.wrapped import queries
from monitoring.wrapped.models import AppJob, WrappedRun
from tests.factories.wrapped import (
    AppJobFactory,
    AppUserEmailFactory,
    AppUserFactory,
    AuthJobFactory,
    DeviceEmailFactory,
    WrappedRunFactory,
)
from tests.pages import open_detail, query_budget

RUNS_URL = "/admin/wrapped/wrappedrun/"


def naive_now(**delta):
    return (datetime.now(UTC) + timedelta(**delta)).replace(tzinfo=None)


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.mark.parametrize("stage", list(queries.STAGE_LABELS))
def test_each_stage_rule_is_derived_in_the_database(stage):
    run = WrappedRunFactory(stage=stage)
    assert queries.stage_of(queries.with_digest(WrappedRun.objects.filter(pk=run.id)).get()) == stage
    assert list(queries.filter_stage(WrappedRun.objects.all(), stage).values_list("id", flat=True)) == [run.id]


def test_runs_list_shows_stage_progress_and_warnings(client_for):
    run = WrappedRunFactory(stage="analysis", extra_payload={"_analysis_warnings": ["fallback used", "parse warning"]})
    page = client_for("viewer").get(RUNS_URL).content.decode()
    assert run.id in page
    assert "Running analysis" in page
    assert "1480" in page  # videos fetched
    assert '<span class="badge badge-warn">2</span>' in page


@pytest.mark.parametrize(
    "odd_payload",
    [
        {},
        {"data_jobs": "broken"},
        {"data_jobs": {"watch_history": "succeeded"}},
        {"_analysis_warnings": "a single string", "_watch_history_progress": {"videos_fetched_total": "12"}},
        {"_watch_history_progress": [1, 2], "_analysis_warnings": {"odd": True}},
    ],
)
def test_missing_or_wrong_typed_payload_keys_never_break_a_page(client_for, odd_payload):
    run_id = new_id()
    WrappedRunFactory(id=run_id, status="pending", payload=odd_payload, with_jobs=False)
    client = client_for("viewer")
    listing = client.get(RUNS_URL)
    assert listing.status_code == 200 and run_id in listing.content.decode()
    detail = client.get(f"{RUNS_URL}{run_id}/change/")
    assert detail.status_code == 200
    assert "Fetching watch history" in detail.content.decode()
    for stage in queries.STAGE_LABELS:
        assert client.get(RUNS_URL, {"stage": stage}).status_code == 200
    assert client.get(RUNS_URL, {"warnings": "yes"}).status_code == 200


def test_odd_payloads_are_explained_as_warnings():
    run = WrappedRunFactory(stage="analysis", extra_payload={"data_jobs": "broken", "_analysis_warnings": "fallback"})
    notes = queries.run_warnings(WrappedRun.objects.get(pk=run.id))
    assert any("data_jobs is a str" in n for n in notes)
    assert any("fallback" in n for n in notes)


@pytest.mark.parametrize("per_page", [20, 100])
def test_runs_list_query_budget_is_constant_and_never_selects_payload(client_for, per_page, settings):
    for stage in ("ready", "analysis", "email"):
        for _ in range(3):
            WrappedRunFactory(stage=stage)
    from monitoring.wrapped import expressions
    from monitoring.wrapped.admin import WrappedRunAdmin

    client = client_for("viewer")
    expressions.json_kind()  # the column's type, read once per process and database
    WrappedRunAdmin.list_per_page = per_page
    try:
        # session, user, permissions; the runs' count, their rows, their digests (first seen)
        with query_budget("wrapped", "default", at_most=6) as log:
            response = client.get(RUNS_URL)
    finally:
        WrappedRunAdmin.list_per_page = 50
    assert response.status_code == 200
    for query in log.on("wrapped"):
        select_list = query["sql"].split(" FROM ")[0]
        assert '"app_wrapped_runs"."payload",' not in select_list and not select_list.endswith('"payload"')


def test_run_detail_shows_stage_jobs_analysis_and_warnings(client_for):
    run = WrappedRunFactory(
        stage="email",
        extra_payload={
            "personality_type": "The Night Owl",
            "top_niches": ["cats", "cooking"],
            "_watch_history_progress": {"scrape_error": "rate_limited", "scrape_truncated": True},
        },
    )
    page = client_for("viewer").get(f"{RUNS_URL}{run.id}/change/").content.decode()
    assert "Email pending/failed" in page
    assert "The Night Owl" in page and "cats, cooking" in page
    assert "Scrape error: rate_limited" in page
    assert "Watch history truncated" in page
    email_job = AppJob.objects.get(task_name="email_send", idempotency_key=f"email_send:{run.id}")
    assert email_job.id in page and "SMTP 550 5.1.1 mailbox unavailable" in page
    assert 'id="run-payload"' not in page  # the viewer fetches the payload from its download
    assert f'data-json-url="{RUNS_URL}{run.id}/payload.json"' in page


def test_a_five_megabyte_payload_renders_on_the_detail_and_is_not_parsed_on_the_list(client_for):
    # Random hex does not compress: the stored payload really is megabytes, as in production.
    big = {"_analysis_debug": ["".join(uuid.uuid4().hex for _ in range(30)) for _ in range(5000)]}
    run = WrappedRunFactory(stage="ready", extra_payload=big)
    client = client_for("viewer")
    response = client.get(f"{RUNS_URL}{run.id}/change/")
    assert response.status_code == 200
    assert "download raw" in response.content.decode()
    raw = client.get(f"{RUNS_URL}{run.id}/payload.json")
    assert raw.status_code == 200 and len(raw.content) > 4_800_000
    listing = client.get(RUNS_URL).content.decode()
    assert "MB payload" in listing  # progress columns say why they are not shown
    assert "Ready" in listing


def test_ready_stage_filter_needs_no_payload(client_for):
    ready, failed = WrappedRunFactory(stage="ready"), WrappedRunFactory(stage="analysis")
    page = client_for("viewer").get(RUNS_URL, {"stage": "ready"}).content.decode()
    assert ready.id in page and failed.id not in page


def test_payload_html_is_never_executed(client_for):
    run = WrappedRunFactory(stage="ready", extra_payload={"cat_name": "<script>alert(1)</script>"})
    page = client_for("viewer").get(f"{RUNS_URL}{run.id}/change/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the analysis summary, escaped


def test_queue_view_shows_open_jobs_with_counts_and_due_state(client_for):
    run = WrappedRunFactory(stage="analysis")
    waiting = AppJobFactory(
        task_name="email_send", status="pending", not_before=naive_now(minutes=30), payload={"wrapped_run_id": run.id}
    )
    AppJobFactory(task_name="email_send", status="succeeded")
    page = client_for("viewer").get("/admin/wrapped/appjob/").content.decode()
    assert waiting.id in page
    assert "waiting 30 min" in page
    assert "Open jobs by task and status" in page
    assert "bar-part bar-pending" in page  # the stacked bar chart
    assert f"/admin/wrapped/wrappedrun/{run.id}/change/" in page
    # succeeded jobs are hidden by default and shown with state=all
    assert page.count("succeeded</span>") == 0
    assert "succeeded</span>" in client_for("viewer").get("/admin/wrapped/appjob/", {"state": "all"}).content.decode()


def test_linking_view_shows_people_who_only_exist_in_device_emails_and_auth_jobs(client_for):
    DeviceEmailFactory(device_id="dev-only-1", email="only@example.com")
    AuthJobFactory(
        archive_job_id="arch-1", device_id="dev-only-1", app_user_id=None, status="expired", last_error="needs reauth"
    )
    page = client_for("support").get("/admin/wrapped/deviceemail/").content.decode()
    assert "dev-only-1" in page and "only@example.com" in page and "arch-1" in page
    reauth = client_for("support").get("/admin/wrapped/deviceemail/", {"reauth": "yes"}).content.decode()
    assert "dev-only-1" in reauth


def test_viewer_sees_emails_masked_and_support_unmasked(client_for):
    WrappedRunFactory(stage="ready", email="person@example.com")
    assert "p***@example.com" in client_for("viewer").get(RUNS_URL).content.decode()
    assert "person@example.com" not in client_for("viewer").get(RUNS_URL).content.decode()
    assert "person@example.com" in client_for("support").get(RUNS_URL).content.decode()


@pytest.fixture
def person():
    user = AppUserFactory(latest_sec_user_id="MS4wSEC")
    AppUserEmailFactory(app_user=user, email="maria@example.com")
    DeviceEmailFactory(device_id="device-42", email="maria@example.com")
    AuthJobFactory(archive_job_id="arch-42", device_id="device-42", app_user_id=user.app_user_id)
    run = WrappedRunFactory(stage="email", app_user=user, sec_user_id="MS4wSEC")
    return {"user": user.app_user_id, "run": run.id}


@pytest.mark.parametrize("kind", ["email", "email_mixed_case", "device_id", "app_user_id", "sec_user_id", "run_id"])
def test_find_a_person_by_each_identifier(client_for, person, kind):
    term = {
        "email": "maria@example.com",
        "email_mixed_case": "Maria@Example.COM",
        "device_id": "device-42",
        "app_user_id": person["user"],
        "sec_user_id": "MS4wSEC",
        "run_id": person["run"],
    }[kind]
    page = client_for("support").get("/admin/wrapped/find-person/", {"q": term}).content.decode()
    assert person["run"] in page, kind
    assert person["user"] in page, kind
    assert "arch-42" in page, kind


@pytest.mark.parametrize("term", ["maria@example.com", "MARIA@example.com", "device-42", "MS4wSEC", "arch-42"])
def test_runs_search_box_uses_identifier_search(client_for, person, term):
    other = WrappedRunFactory(stage="ready")
    page = client_for("support").get(RUNS_URL, {"q": term}).content.decode()
    assert person["run"] in page
    assert other.id not in page


def test_search_with_text_that_is_no_identifier_shows_a_message(client_for, person):
    response = client_for("support").get(RUNS_URL, {"q": "drop table; <b>"})
    assert response.status_code == 200
    assert "is not an identifier" in response.content.decode()
    assert client_for("support").get("/admin/wrapped/find-person/", {"q": "not an id!!"}).status_code == 200


def test_viewer_may_not_use_find_a_person(client_for):
    assert client_for("viewer").get("/admin/wrapped/find-person/", {"q": "x@example.com"}).status_code == 403


def test_live_poll_returns_only_runs_changed_since_last_seen(client_for):
    old = WrappedRunFactory(stage="ready", updated_at=naive_now(hours=-2))
    fresh = WrappedRunFactory(stage="analysis", updated_at=naive_now(seconds=-5))
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    page = client_for("viewer").get(f"{RUNS_URL}live/", {"since": since, "seen": "1"}).content.decode()
    assert fresh.id in page and old.id not in page
    assert 'hx-trigger="every 5s"' in page


def test_user_detail_lists_runs_auth_jobs_and_emails(client_for, person):
    page = open_detail(client_for("support"), f"/admin/wrapped/appuser/{person['user']}/change/").content.decode()
    assert person["run"] in page and "arch-42" in page and "maria@example.com" in page


def test_queue_search_finds_a_job_in_any_state(client_for):
    done = AppJobFactory(task_name="email_send", status="succeeded")
    page = client_for("viewer").get("/admin/wrapped/appjob/", {"q": done.id}).content.decode()
    assert done.id in page
