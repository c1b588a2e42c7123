"""The Wrapped pages' rough edges: email outcome, short ids, live poll, attempts, compare, titles, dates."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from monitoring.wrapped import queries
from tests import seeding
from tests.factories.wrapped import (
    AppJobFactory,
    AppSessionFactory,
    AppUserEmailFactory,
    AppUserFactory,
    AuthJobFactory,
    DeviceEmailFactory,
    ReferralEventFactory,
    ReferralFactory,
    WrappedRunFactory,
)
from tests.pages import open_detail

RUNS_URL = "/admin/wrapped/wrappedrun/"
COMPARE_URL = f"{RUNS_URL}compare/"


def naive_now(**delta):
    return (datetime.now(UTC) + timedelta(**delta)).replace(tzinfo=None)


def ready_run(email_status: str | None, **kwargs):
    """A ready run whose data_jobs.email_send says `email_status` (None: no email entry at all)."""
    run = WrappedRunFactory(stage="ready", **kwargs)
    payload = dict(run.payload)
    data_jobs = dict(payload["data_jobs"])
    if email_status is None:
        data_jobs.pop("email_send")
    else:
        data_jobs["email_send"] = {**data_jobs["email_send"], "status": email_status}
    payload["data_jobs"] = data_jobs
    seeding.execute("wrapped", "UPDATE app_wrapped_runs SET payload = %s::json WHERE id = %s", [_json(payload), run.id])
    return run


def _json(value) -> str:
    import json

    return json.dumps(value)


def stage_cell(page: str, run_id: str) -> str:
    row = next(r for r in page.split("<tr") if f'data-copy="{run_id}"' in r)
    return unescape(re.search(r'class="field-stage_badge">(.*?)</td>', row).group(1))


# -- a ready run's email outcome ------------------------------------------------------------------
def test_ready_runs_show_whether_the_email_was_sent_on_list_detail_and_filter(client_for):
    sent, failed, unknown = ready_run("succeeded"), ready_run("failed"), ready_run(None)
    client = client_for("viewer")
    page = client.get(RUNS_URL).content.decode()
    assert "Ready · email sent" in stage_cell(page, sent.id)
    assert "Ready · email failed" in stage_cell(page, failed.id)
    assert "badge-warn" in stage_cell(page, failed.id)
    assert re.search(r">Ready</span>", stage_cell(page, unknown.id))

    detail = unescape(client.get(f"{RUNS_URL}{failed.id}/change/").content.decode())
    assert '<strong class="stage">Ready · email failed</strong>' in detail

    filtered = client.get(RUNS_URL, {"stage": queries.READY_EMAIL_FAILED}).content.decode()
    assert failed.id in filtered and sent.id not in filtered and unknown.id not in filtered
    assert "Ready · email failed" in unescape(client.get(RUNS_URL).content.decode().split('id="changelist-filter"')[1])
    only_sent = client.get(RUNS_URL, {"stage": queries.READY_EMAIL_SENT}).content.decode()
    assert sent.id in only_sent and failed.id not in only_sent
    everything_ready = client.get(RUNS_URL, {"stage": "ready"}).content.decode()
    assert all(r.id in everything_ready for r in (sent, failed, unknown))


def test_an_email_status_of_the_wrong_type_reads_as_plain_ready(client_for):
    run = WrappedRunFactory(stage="ready")
    payload = {**run.payload, "data_jobs": {**run.payload["data_jobs"], "email_send": ["not", "an", "object"]}}
    seeding.execute("wrapped", "UPDATE app_wrapped_runs SET payload = %s::json WHERE id = %s", [_json(payload), run.id])
    client = client_for("viewer")
    assert re.search(r">Ready</span>", stage_cell(client.get(RUNS_URL).content.decode(), run.id))
    assert run.id not in client.get(RUNS_URL, {"stage": queries.READY_EMAIL_FAILED}).content.decode()


# -- the runs table fits a screen -------------------------------------------------------------------
def test_long_ids_are_shortened_with_the_whole_id_on_hover_and_in_a_copy_button(client_for):
    run = WrappedRunFactory(stage="analysis", sec_user_id="MS4wLjABAAAA" + "x" * 60)
    page = client_for("viewer").get(RUNS_URL).content.decode()
    row = next(r for r in page.split("<tr") if f'data-copy="{run.id}"' in r)
    # The whole id stays in the markup (CSV export, screen readers); CSS cuts what is drawn.
    link = re.search(
        r'<td class="field-run_id"><span class="short-id"><span class="short-id-text" title="([^"]+)">'
        r'<a href="([^"]+)">([^<]+)</a>',
        row,
    )
    assert link.groups() == (run.id, f"{RUNS_URL}{run.id}/change/", run.id)
    assert (
        f'<span class="short-id-text" title="{run.sec_user_id}">{run.sec_user_id}</span>' in row
        and f'data-copy="{run.sec_user_id}"' in row
    )
    assert "1480 videos" in row and "@example.com" in row  # progress and email stay in the table
    # Strict CSP: no inline script or style anywhere on the page; the copy button is wired by a static file.
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", page)
    assert " style=" not in page and " onclick=" not in page
    assert "backoffice/copy.js" in page and "wrapped/wrapped.css" in page


# -- the live poll ---------------------------------------------------------------------------------------
def poll(client, **params):
    page = client.get(f"{RUNS_URL}live/", params).content.decode()
    since = unescape(re.search(r"since=([^&\"]+)", page).group(1))
    seen = unescape(re.search(r"seen=([^\"]*)\"", page).group(1))
    from urllib.parse import unquote

    return page, unquote(since), unquote(seen)


def test_live_poll_catches_a_change_committed_during_the_previous_poll_and_reports_it_once(client_for):
    client = client_for("viewer")
    first, since, seen = poll(client)
    assert "live-row" not in first  # the first poll only starts the clock
    # A writer whose transaction began before the last poll's clock and committed after it.
    late = WrappedRunFactory(stage="analysis", updated_at=naive_now(seconds=-3))
    second, since, seen = poll(client, since=since, seen=seen)
    assert f'data-run-id="{late.id}"' in second
    assert 'hx-swap-oob="afterbegin:#live-changes"' in second
    third, since, seen = poll(client, since=since, seen=seen)
    assert f'data-run-id="{late.id}"' not in third  # same (id, updated_at): not reported again
    # The same run changing again is a new change.
    seeding.execute("wrapped", "UPDATE app_wrapped_runs SET updated_at = %s WHERE id = %s", [naive_now(), late.id])
    fourth, _, _ = poll(client, since=since, seen=seen)
    assert f'data-run-id="{late.id}"' in fourth


def test_live_poll_refuses_a_bad_since(client_for):
    response = client_for("viewer").get(f"{RUNS_URL}live/", {"since": "2024-99-99T00:00:00"})
    assert response.status_code == 400


# -- run detail: attempts and other runs -----------------------------------------------------------
def retried(run, task="wrapped_analysis", n=2, status="failed"):
    return AppJobFactory(
        task_name=task,
        status=status,
        attempts=5,
        idempotency_key=f"{task}:{run.id}:{n}",
        created_at=naive_now(minutes=n),
    )


def test_run_detail_lists_every_attempt_of_its_stage_jobs_through_exact_keys(client_for):
    run = WrappedRunFactory(failed_stage="wrapped_analysis")
    second, third = retried(run, n=2), retried(run, n=3, status="pending")
    # A LIKE 'key%' lookup would take these: a run whose id starts with this one's, and a foreign key shape.
    lookalike = AppJobFactory(task_name="wrapped_analysis", idempotency_key=f"wrapped_analysis:{run.id}0:2")
    stray = AppJobFactory(task_name="wrapped_analysis", idempotency_key=f"wrapped_analysis:{run.id}:x")
    client = client_for("viewer")
    with CaptureQueriesContext(connections["wrapped"]) as captured:
        page = open_detail(client, f"{RUNS_URL}{run.id}/change/").content.decode()
    section = page.split("every attempt")[1].split("</fieldset>")[0]
    for job in (run.jobs["watch_history"], run.jobs["wrapped_analysis"], second, third):
        assert f'data-copy="{job.id}"' in section
    assert f"wrapped_analysis:{run.id}:3" in section and "5/5" in section
    assert lookalike.id not in section and stray.id not in section
    attempt_sql = [q["sql"] for q in captured if "idempotency_key" in q["sql"] and "IN (" in q["sql"]]
    assert attempt_sql and not any(" LIKE " in q["sql"] for q in captured)


def test_run_detail_shows_the_persons_other_runs_with_a_compare_link(client_for):
    user = AppUserFactory()
    this = WrappedRunFactory(app_user=user, failed_stage="wrapped_analysis")
    earlier = WrappedRunFactory(app_user=user, stage="ready", updated_at=naive_now(days=-30))
    stranger = WrappedRunFactory(stage="ready")
    page = open_detail(client_for("viewer"), f"{RUNS_URL}{this.id}/change/").content.decode()
    section = page.split("Other runs of this person")[1].split("</fieldset>")[0]
    assert f'data-copy="{earlier.id}"' in section and stranger.id not in section
    assert f'data-copy="{this.id}"' not in section
    assert f'href="{COMPARE_URL}?a={earlier.id}&amp;b={this.id}"' in section


def test_run_detail_query_count_does_not_grow_with_attempts_or_other_runs(client_for):
    def count(n):
        user = AppUserFactory()
        run = WrappedRunFactory(app_user=user, failed_stage="wrapped_analysis")
        for i in range(n):
            retried(run, n=i + 2)
            WrappedRunFactory(app_user=user, stage="ready")
        client = client_for("viewer")
        with CaptureQueriesContext(connections["wrapped"]) as source:
            assert client.get(f"{RUNS_URL}{run.id}/change/").status_code == 200
        return len(source)

    assert count(1) == count(6)


# -- compare two payloads ----------------------------------------------------------------------------
def test_compare_shows_added_removed_and_changed_paths_escaped(client_for):
    user = AppUserFactory()
    worked = WrappedRunFactory(app_user=user, stage="ready", email="cmp@example.com")
    broken = WrappedRunFactory(
        app_user=user,
        failed_stage="wrapped_analysis",
        email="cmp@example.com",
        extra_payload={"_analysis_warnings": ["<script>alert(1)</script>"], "contact": "cmp@example.com"},
    )
    page = client_for("support").get(COMPARE_URL, {"a": worked.id, "b": broken.id}).content.decode()
    rows = dict(
        (unescape(path), kind) for path, kind in re.findall(r'<td class="diff-path">([^<]*)</td><td>([^<]*)</td>', page)
    )
    assert rows["data_jobs.wrapped_analysis.status"] == "changed"
    assert rows["data_jobs.email_send"] == "removed"
    assert rows["personality_type"] == "removed"
    assert rows["contact"] == "added"
    assert rows["_analysis_warnings[0]"] == "added"
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "cmp@example.com" in page  # support sees personal data
    viewer = client_for("viewer").get(COMPARE_URL, {"a": worked.id, "b": broken.id}).content.decode()
    assert "cmp@example.com" not in viewer and "c***@example.com" in viewer


def test_compare_of_odd_payloads_and_missing_runs(client_for):
    as_list = WrappedRunFactory(status="pending", payload=[1, 2], with_jobs=False)
    as_object = WrappedRunFactory(status="pending", payload={"data_jobs": "broken"}, with_jobs=False)
    client = client_for("viewer")
    page = client.get(COMPARE_URL, {"a": as_list.id, "b": as_object.id})
    assert page.status_code == 200 and "type changed" in page.content.decode()
    same = client.get(COMPARE_URL, {"a": as_object.id, "b": as_object.id}).content.decode()
    assert "The two payloads are identical." in same
    assert client.get(COMPARE_URL, {"a": as_list.id, "b": "no-such-run"}).status_code == 404
    assert client.get(COMPARE_URL, {"a": as_list.id}).status_code == 400


def test_compare_of_multi_megabyte_payloads_stays_bounded(client_for):
    debug = ["".join(uuid.uuid4().hex for _ in range(30)) for _ in range(3000)]  # ~3 MB
    small = WrappedRunFactory(stage="ready")
    huge = WrappedRunFactory(stage="ready", extra_payload={"_analysis_debug": debug})
    response = client_for("viewer").get(COMPARE_URL, {"a": small.id, "b": huge.id})
    page = response.content.decode()
    assert response.status_code == 200 and len(page) < 200_000
    assert "[array, 3000 items]" in page and debug[0] not in page


# -- titles, badges, find-a-person, queue links, dates -------------------------------------------------
def test_linking_detail_titles_and_reauth_badge(client_for):
    DeviceEmailFactory(device_id="dev-reauth", email="re@example.com")
    AuthJobFactory(archive_job_id="arch-re", device_id="dev-reauth", status="expired", last_error="token expired")
    DeviceEmailFactory(device_id="dev-fine", email="fine@example.com")
    AuthJobFactory(archive_job_id="arch-fine", device_id="dev-fine", status="succeeded", last_error=None)
    client = client_for("support")
    page = client.get("/admin/wrapped/deviceemail/").content.decode()
    reauth_row = next(r for r in page.split("<tr") if 'data-copy="dev-reauth"' in r)
    fine_row = next(r for r in page.split("<tr") if 'data-copy="dev-fine"' in r)

    def reauth_cell(row):
        return re.search(r'<td class="field-reauth">(.*?)</td>', row).group(1)

    assert reauth_cell(reauth_row) == '<span class="badge badge-bad">needs reauth</span>'
    assert reauth_cell(fine_row) == "no"
    detail = open_detail(client, "/admin/wrapped/deviceemail/dev-reauth/change/").content.decode()
    assert "DeviceEmail object" not in detail and "Device dev-reauth" in detail
    assert 'data-copy="arch-re"' in detail  # its auth jobs, through the shared related table
    assert "AuthJob object" not in open_detail(client, "/admin/wrapped/authjob/arch-re/change/").content.decode()


def test_the_needs_reauth_filter_answers_on_an_admin_without_our_annotation(client_for, settings):
    """The bench's tuned admin lists device emails over the plain model: the filter still works."""
    from django.urls import clear_url_caches

    DeviceEmailFactory(device_id="dev-reauth", email="re@example.com")
    AuthJobFactory(archive_job_id="arch-re", device_id="dev-reauth", status="failed")
    DeviceEmailFactory(device_id="dev-fine", email="fine@example.com")
    AuthJobFactory(archive_job_id="arch-fine", device_id="dev-fine", status="succeeded")
    settings.ROOT_URLCONF = "benchmarks.urls"
    clear_url_caches()
    try:
        for url in ("/admin/wrapped/deviceemail/", "/tuned-admin/wrapped/deviceemail/"):
            response = client_for("admin").get(url, {"reauth": "yes"})
            assert response.status_code == 200, url
            page = response.content.decode()
            assert "dev-reauth" in page and "dev-fine" not in page, url
    finally:
        clear_url_caches()


def test_find_a_person_tables_have_headers_and_jobs_have_dates(client_for):
    user = AppUserFactory()
    AppUserEmailFactory(app_user=user, email="headers@example.com")
    WrappedRunFactory(app_user=user, failed_stage="wrapped_analysis")
    page = client_for("support").get("/admin/wrapped/find-person/", {"q": "headers@example.com"}).content.decode()
    jobs = page.split("Queue jobs (")[1].split("</div>")[0]
    assert "<th>task</th>" in jobs and "<th>created</th>" in jobs and "<th>updated</th>" in jobs
    assert "<time datetime=" in jobs and "UTC" in jobs
    assert "<th>run</th>" in page.split("Wrapped runs (")[1]


def test_queue_counts_link_to_the_filtered_list(client_for):
    AppJobFactory(task_name="email_send", status="failed")
    AppJobFactory(task_name="email_send", status="failed")
    other = AppJobFactory(task_name="wrapped_analysis", status="failed")
    client = client_for("viewer")
    page = unescape(client.get("/admin/wrapped/appjob/").content.decode())
    link = re.search(r'<a href="([^"]+)" title="email_send jobs failed">2</a>', page)
    assert link, "the failed email_send count is a link"
    filtered = client.get(link.group(1))
    assert filtered.status_code == 200
    assert other.id not in filtered.content.decode()


def test_wrapped_pages_show_dates_humanised_with_exact_utc_on_hover(client_for):
    user = AppUserFactory()
    run = WrappedRunFactory(app_user=user, stage="analysis")
    device = DeviceEmailFactory()
    auth = AuthJobFactory(device_id=device.device_id, app_user_id=user.pk)
    session = AppSessionFactory(app_user=user, device_id=device.device_id)
    referral = ReferralFactory(referrer_app_user_id=user.pk)
    event = ReferralEventFactory(referrer_app_user_id=user.pk, wrapped_run_id=run.id)
    email = AppUserEmailFactory(app_user=user)
    job = run.jobs["wrapped_analysis"]
    base = "/admin/wrapped/"
    pages = [RUNS_URL, f"{RUNS_URL}{run.id}/change/", f"{base}appuser/{user.pk}/change/", f"{base}appjob/"]
    pages += [f"{base}appjob/{job.id}/change/", f"{base}deviceemail/{device.pk}/change/"]
    pages += [f"{base}authjob/{auth.pk}/change/", f"{base}appsession/{session.pk}/change/"]
    pages += [f"{base}referral/{referral.pk}/change/", f"{base}referralevent/{event.pk}/change/"]
    pages += [f"{base}appuseremail/{email.pk}/change/", f"{base}referral/", f"{base}appsession/"]
    client = client_for("support")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        text = re.sub(r'="[^"]*"', '=""', page)  # what is read, not the machine-readable attributes
        assert re.search(r'<time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC">', page), url
        assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", text), url  # no raw datetimes
        assert not re.search(r"\b(a\.m\.|p\.m\.)", text), url
        assert " object (" not in text, url


@pytest.mark.parametrize("per_page", [10, 40])
def test_wrapped_lists_query_counts_do_not_grow_with_the_page(client_for, per_page):
    for _ in range(per_page):
        run = WrappedRunFactory(stage="analysis")
        DeviceEmailFactory()
        AuthJobFactory(app_user_id=run.app_user.pk)
    from monitoring.wrapped.admin import AppJobAdmin, LinkingAdmin, WrappedRunAdmin

    client = client_for("support")
    counts = {}
    for admin_class, url in (
        (WrappedRunAdmin, RUNS_URL),
        (AppJobAdmin, "/admin/wrapped/appjob/?state=all"),
        (LinkingAdmin, "/admin/wrapped/deviceemail/"),
    ):
        admin_class.list_per_page = per_page
        try:
            with CaptureQueriesContext(connections["wrapped"]) as source:
                assert client.get(url).status_code == 200
        finally:
            admin_class.list_per_page = 50
        counts[url] = len(source)
    assert counts == BUDGETS, counts


# The runs: their count, their rows, and the digests of rows this process has not seen yet (a
# page seen before needs two). The queue: its count, its rows, and its capped counts by task × status.
BUDGETS = {RUNS_URL: 3, "/admin/wrapped/appjob/?state=all": 3, "/admin/wrapped/deviceemail/": 2}


PAYLOAD_READ = '"app_wrapped_runs".payload'  # a query that reads the runs' payloads


def test_the_runs_list_reads_a_runs_payload_once_per_version_of_the_row(client_for):
    """Each run's digest is remembered under its row version: a second look reads no payload, and
    a run whose payload the service rewrites shows its new stage on the next look."""
    run = WrappedRunFactory(stage="analysis")
    client = client_for("viewer")

    def look():
        with CaptureQueriesContext(connections["wrapped"]) as source:
            page = client.get(RUNS_URL).content.decode()
        return re.sub("<[^>]+>", "", stage_cell(page, run.id)), sum(PAYLOAD_READ in q["sql"] for q in source)

    assert look() == ("Running analysis", 1)
    assert look() == ("Running analysis", 0)

    payload = dict(run.payload)
    payload["data_jobs"] = {**payload["data_jobs"], "wrapped_analysis": {"status": "succeeded"}}
    seeding.execute("wrapped", "UPDATE app_wrapped_runs SET payload = %s::json WHERE id = %s", [_json(payload), run.id])
    assert look() == ("Email pending/failed", 1)
    assert look() == ("Email pending/failed", 0)


def test_a_run_detail_reads_its_payload_once_per_version_of_the_row(client_for):
    run = WrappedRunFactory(stage="analysis", extra_payload={"personality_type": "The Night Owl"})
    client = client_for("viewer")

    def look():
        with CaptureQueriesContext(connections["wrapped"]) as source:
            page = client.get(f"{RUNS_URL}{run.id}/change/").content.decode()
        stage = re.search(r'<strong class="stage">(.*?)</strong>', page).group(1)
        personality = [text for text in ("Night Owl", "Early Bird") if text in page]
        return stage, personality, sum(PAYLOAD_READ in q["sql"] for q in source)

    assert look() == ("Running analysis", ["Night Owl"], 1)
    assert look() == ("Running analysis", ["Night Owl"], 0)

    payload = dict(run.payload)
    payload["data_jobs"] = {**payload["data_jobs"], "wrapped_analysis": {"status": "succeeded"}}
    payload["personality_type"] = "The Early Bird"
    seeding.execute("wrapped", "UPDATE app_wrapped_runs SET payload = %s::json WHERE id = %s", [_json(payload), run.id])
    assert look() == ("Email pending/failed", ["Early Bird"], 1)
    assert look() == ("Email pending/failed", ["Early Bird"], 0)


def test_compare_sends_only_what_differs_and_summarises_a_big_changed_value(client_for):
    """Two multi-megabyte payloads that differ in one item of a big list and one small key: the
    database compares the big values by their text and sends a summary; equal values are not sent."""
    from monitoring.wrapped import queries

    debug = ["".join(uuid.uuid4().hex for _ in range(30)) for _ in range(1500)]  # ~1.4 MB
    a = WrappedRunFactory(stage="ready", extra_payload={"_analysis_debug": debug, "note": "before"})
    b = WrappedRunFactory(stage="ready", extra_payload={"_analysis_debug": [*debug[:-1], "x"], "note": "after"})

    entries = {e.key: e for e in queries.compare_payloads(a.id, b.id)}
    assert entries["_analysis_debug"].a == queries.Summary("array", 1500, entries["_analysis_debug"].a.size)
    assert entries["note"].a == "before" and entries["note"].b == "after"
    assert entries["personality_type"].same and entries["personality_type"].a is None

    page = client_for("viewer").get(COMPARE_URL, {"a": a.id, "b": b.id}).content.decode()
    rows = re.findall(r'<td class="diff-path">([^<]*)</td><td>([^<]*)</td><td class="diff-value">([^<]*)</td>', page)
    assert ("_analysis_debug", "changed", "[array, 1500 items]") in rows
    assert ("note", "changed", "&quot;before&quot;") in rows
    assert debug[0] not in page


def test_compare_reads_a_repeated_key_as_its_last_value_like_a_decoder():
    from monitoring.wrapped import queries

    a = WrappedRunFactory(status="pending", payload={"note": "same"}, with_jobs=False)
    b = WrappedRunFactory(status="pending", payload={"note": "same"}, with_jobs=False)
    text = '{"note": "first", "extra": 1, "note": "same"}'  # json keeps both; a decoder the last
    seeding.execute("wrapped", "UPDATE app_wrapped_runs SET payload = %s::json WHERE id = %s", [text, b.id])
    rows = queries.compare_payloads(a.id, b.id)
    assert [e.key for e in rows] == ["note", "extra"]  # one row per key, in A's order then B's
    entries = {e.key: e for e in rows}
    assert entries["note"].same and entries["note"].a is None
    assert entries["extra"].in_b and not entries["extra"].in_a and entries["extra"].b == 1
