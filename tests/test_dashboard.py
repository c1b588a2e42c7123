"""The landing dashboard: what each panel shows, one query per panel, cached, a source down."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connections
from django.urls import reverse

from backoffice.dashboard import all_panels, panel_state
from tests.factories import posters as p
from tests.factories import publishing as pub
from tests.factories import wrapped as w
from tests.pages import query_budget


def text_of(html: str) -> str:
    html = re.sub(r"<script[^>]*>.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def dashboard_html(client) -> str:
    """The dashboard as a browser shows it a moment later: the page, each panel's first poll in place."""
    page = client.get(reverse("admin:index")).content.decode()

    def polled(match):
        url = re.search(r'hx-get="([^"]+)"', match.group(0)).group(1)
        return client.get(url, headers={"HX-Request": "true"}).content.decode()

    return re.sub(r'<section class="dash-panel[^"]*".*?</section>', polled, page, flags=re.S)


def panel_html(html: str, source: str, name: str) -> str:
    match = re.search(rf'<section class="dash-panel[^"]*" id="panel-{source}-{name}".*?</section>', html, re.S)
    assert match, f"panel {source}.{name} missing"
    return match.group(0)


@pytest.fixture
def naive_now():
    return datetime.now(UTC).replace(tzinfo=None)


def test_wrapped_panel_counts_stages_failures_and_stuck_runs_with_links(client_for, naive_now):
    w.WrappedRunFactory(failed_stage="wrapped_analysis", updated_at=naive_now - timedelta(minutes=10))
    w.WrappedRunFactory(failed_stage="email_send", updated_at=naive_now - timedelta(hours=5))
    w.WrappedRunFactory(stage="watch_history", blocking_status="running", updated_at=naive_now - timedelta(hours=2))
    w.WrappedRunFactory(updated_at=naive_now - timedelta(minutes=1))  # ready
    w.WrappedRunFactory(failed_stage="email_send", updated_at=naive_now - timedelta(days=3))  # outside 24 h
    html = panel_html(dashboard_html(client_for("viewer")), "wrapped", "runs")
    text = text_of(html)
    assert "1 Ready 1 Fetching watch history 1 Running analysis 1 Email pending/failed 0 Pending (unknown)" in text
    assert "1 failed, last hour 2 failed, last 24 h 1 pending with no update for 30 min" in text
    runs = reverse("admin:wrapped_wrappedrun_changelist")
    assert f'href="{runs}?stage=analysis&amp;updated=day"' in html
    assert f'href="{runs}?status__exact=failed&amp;updated=hour"' in html


def test_queue_panel_shows_task_by_status_with_oldest_pending_age(client_for, naive_now):
    w.AppJobFactory(task_name="email_send", status="pending", created_at=naive_now - timedelta(minutes=42))
    w.AppJobFactory(task_name="email_send", status="failed")
    w.AppJobFactory(task_name="watch_history", status="succeeded")  # not open: not shown
    text = text_of(panel_html(dashboard_html(client_for("viewer")), "wrapped", "queue"))
    assert "email_send 1 0 1 42 min" in text
    assert "watch_history" not in text


def test_posters_panel_shows_batches_in_progress_and_todays_failures(client_for):
    now = datetime.now(UTC)
    batch = p.BatchJobFactory(status="processing", total_items=40, processed_items=10, failure_count=3, created_at=now)
    p.BatchJobFactory(status="completed")
    for failure_type in ["timeout", "timeout", "render_error"]:
        poster = p.GeneratedPosterFactory(job=batch, status="failed", created_at=now)
        p.PosterFailureDetailFactory(job=batch, poster=poster, failure_type=failure_type, created_at=now)
    p.GeneratedPosterFactory(job=batch, status="completed", created_at=now)
    html = panel_html(dashboard_html(client_for("viewer")), "posters", "batches")
    text = text_of(html)
    assert "4 posters today 75.0 % failed today (3)" in text
    assert f"{batch.job_id} processing 10 / 40 3" in text
    assert '<progress class="dash-progress" max="40" value="10">' in html
    assert "timeout 2 render_error 1" in text


def test_publishing_panels_show_the_stats_api_figures(client_for):
    pub.PublishLogFactory(status="failed")
    pub.PublishLogFactory(status="pending")
    html = dashboard_html(client_for("viewer"))
    assert "0 processing 0 published 1 failed" in text_of(panel_html(html, "publishing", "queue"))
    assert "50 % queue saturation" in text_of(panel_html(html, "publishing", "orchestrator"))


def test_every_panel_is_one_query_and_then_served_from_cache(client_for, django_user_model):
    from monitoring.wrapped import expressions

    user = client_for("admin") and django_user_model.objects.get(username="admin-user")
    expressions.json_kind()  # the payload's type, read once per process (not per refresh)
    for panel in all_panels():
        cache.clear()
        alias = "default" if panel.source == "backoffice" else panel.source
        with query_budget(alias, at_most=1, exactly=True):
            state = panel_state(panel, user)
        assert state["down"] is None, panel.key
        with query_budget(alias, at_most=0):
            panel_state(panel, user)


def test_a_source_that_is_down_leaves_the_other_panels_working(client_for):
    w.WrappedRunFactory(failed_stage="email_send")
    connection = connections["posters"]
    real_name = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = "no_such_database_here"
    try:
        html = dashboard_html(client_for("viewer"))
    finally:
        connection.close()
        connection.settings_dict["NAME"] = real_name
    assert "Posters is down." in text_of(panel_html(html, "posters", "batches"))
    assert "Posters is down." not in text_of(panel_html(html, "wrapped", "runs"))
    assert "1 Email pending/failed" in text_of(panel_html(html, "wrapped", "runs"))


def test_a_panel_refreshes_alone_and_stops_polling_for_who_may_not_see_it(client, client_for, django_user_model):
    viewer = client_for("viewer")
    url = reverse("admin:dashboard_panel", args=["wrapped", "queue"])
    response = viewer.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="panel-wrapped-queue"' in response.content.decode()
    bare = viewer.get(url)  # not htmx: the fragment alone is no page, the dashboard is
    assert bare.status_code == 302 and bare["Location"] == reverse("admin:index")
    assert viewer.get(reverse("admin:dashboard_panel", args=["wrapped", "nope"])).status_code == 404
    roleless = django_user_model.objects.create_user("nobody", password="x-Long-Passphrase-1", is_staff=True)
    client.force_login(roleless)
    assert client.get(url).status_code == 286


def test_my_actions_panel_lists_my_own_recent_actions(client_for, django_user_model):
    from backoffice.audit.models import ActionRecord

    operator = client_for("operator")
    me = django_user_model.objects.get(username="operator-user")
    ActionRecord.objects.create(
        user=me,
        username=me.username,
        source="wrapped",
        action="retry_run",
        target_key="run-42",
        method="POST",
        path="/admin/wrapped/runs/run-42/retry",
        outcome="ok",
    )
    ActionRecord.objects.create(
        username="someone-else",
        source="wrapped",
        action="retry_run",
        target_key="run-43",
        method="POST",
        path="/admin/wrapped/runs/run-43/retry",
        outcome="timeout",
    )
    text = text_of(panel_html(dashboard_html(operator), "backoffice", "my_actions"))
    assert "wrapped retry_run run-42 OK" in text
    assert "run-43" not in text


def _age_snapshot(key: str, seconds: int) -> None:
    state = cache.get(key)
    cache.set(key, {**state, "computed_at": state["computed_at"] - timedelta(seconds=seconds)})


def test_a_first_visit_renders_at_once_with_computing_panels_that_fill_in_by_their_polls(client_for):
    w.AppJobFactory(task_name="email_send", status="failed")
    viewer = client_for("viewer")
    cache.clear()
    sources = [alias for alias in connections if alias != "default"]
    with query_budget(*sources, at_most=0):
        page = viewer.get(reverse("admin:index")).content.decode()
    queue = panel_html(page, "wrapped", "queue")
    assert "computing…" in text_of(queue) and 'hx-trigger="load, every 5s, refresh"' in queue
    assert "email_send" not in text_of(queue)
    polled = viewer.get(reverse("admin:dashboard_panel", args=["wrapped", "queue"]), headers={"HX-Request": "true"})
    assert "email_send 0 0 1" in text_of(polled.content.decode())
    assert "computing…" not in text_of(polled.content.decode())
    # the next visit shows the snapshot straight away
    assert "email_send 0 0 1" in text_of(
        panel_html(viewer.get(reverse("admin:index")).content.decode(), "wrapped", "queue")
    )


def test_a_stale_panel_is_recomputed_once_however_many_staff_poll_it(client_for):
    w.AppJobFactory(task_name="email_send", status="failed")
    viewer = client_for("viewer")
    url = reverse("admin:dashboard_panel", args=["wrapped", "queue"])
    cache.clear()
    viewer.get(url, headers={"HX-Request": "true"})
    w.AppJobFactory(task_name="email_send", status="failed")
    _age_snapshot("dashboard:wrapped.queue", 90)
    # someone else holds the recomputation: every poll answers the stale snapshot, with its age
    cache.add("dashboard:wrapped.queue:lock", True)
    with query_budget("wrapped", at_most=0):
        stale = [viewer.get(url, headers={"HX-Request": "true"}).content.decode() for _ in range(20)]
    assert all("email_send 0 0 1" in text_of(html) for html in stale)
    assert "90 s ago, refreshing…" in text_of(stale[0])
    assert 'hx-trigger="load delay:1s, every 5s, refresh"' in stale[0]
    cache.delete("dashboard:wrapped.queue:lock")
    # the lock free again: the first poll still answers at once and recomputes once it has answered
    with query_budget("wrapped", at_most=1, exactly=True):
        polls = [viewer.get(url, headers={"HX-Request": "true"}).content.decode() for _ in range(20)]
    assert "email_send 0 0 1" in text_of(polls[0]) and "refreshing…" in text_of(polls[0])
    assert all("email_send 0 0 2" in text_of(html) and "refreshing" not in text_of(html) for html in polls[1:])


def test_queue_depth_replays_the_last_hour_from_jobs_that_moved_in_it(client_for, naive_now):
    ago = lambda minutes: naive_now - timedelta(minutes=minutes)  # noqa: E731
    w.AppJobFactory(status="pending", created_at=ago(180), updated_at=ago(120))  # open all hour, never moved
    w.AppJobFactory(status="succeeded", created_at=ago(120), updated_at=ago(32))  # open until 32 min ago
    w.AppJobFactory(status="running", created_at=ago(12), updated_at=ago(12))  # open for the last 12 min
    w.AppJobFactory(status="failed", created_at=ago(180), updated_at=ago(170))  # never open in the hour
    html = panel_html(dashboard_html(client_for("viewer")), "wrapped", "queue_depth")
    depth = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', html)]
    assert depth == [2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2]


def test_panels_cap_big_counts_and_say_so(client_for, naive_now, monkeypatch):
    from monitoring.wrapped import dashboard, queries

    monkeypatch.setattr(queries, "QUEUE_COUNT_CAP", 2)
    monkeypatch.setattr(dashboard, "STAGE_CAP", 2)
    for _ in range(3):
        w.AppJobFactory(task_name="email_send", status="failed")
        w.WrappedRunFactory(failed_stage="email_send", updated_at=naive_now - timedelta(minutes=5))
    w.AppJobFactory(task_name="email_send", status="pending")
    html = dashboard_html(client_for("viewer"))
    assert "email_send 1 0 2+" in text_of(panel_html(html, "wrapped", "queue"))
    assert "2+ Email pending/failed" in text_of(panel_html(html, "wrapped", "runs"))
    assert "3 failed, last 24 h" in text_of(panel_html(html, "wrapped", "runs"))  # status counts stay exact


def test_a_polled_chart_carries_its_numbers_outside_a_script_tag(client_for):
    # htmx drops the <script> tags of what it swaps in (allowScriptTags is off under the CSP)
    url = reverse("admin:dashboard_panel", args=["wrapped", "queue_depth"])
    html = client_for("viewer").get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<script" not in html
    spec = re.search(r'<div hidden id="chart-wrapped-queue_depth"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "&quot;label&quot;: &quot;open jobs&quot;" in spec


def test_queue_depth_past_the_cap_is_the_planners_estimate_and_says_so(client_for, naive_now, monkeypatch):
    from backoffice import estimates
    from tests import seeding

    for _ in range(3):
        w.AppJobFactory(
            status="pending", created_at=naive_now - timedelta(hours=3), updated_at=naive_now - timedelta(hours=2)
        )
    seeding.execute("wrapped", "ANALYZE app_jobs")
    monkeypatch.setattr(estimates, "EXACT_UP_TO", 1)
    html = panel_html(dashboard_html(client_for("viewer")), "wrapped", "queue_depth")
    assert "open jobs (≈ estimated)" in html
    depth = {int(n) for n in re.findall(r'<td class="num">(\d+)</td>', html)}
    assert depth == {3}  # the planner's statistics, exact after ANALYZE on a table this small
