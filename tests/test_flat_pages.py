"""Pages whose work does not grow with the table, where the source has the indexes check_sources
recommends (created for this module only, dropped after it).

Each test seeds a few thousand rows arranged so that a page without its index would walk and throw
away most of them, captures the exact SQL the page runs, and EXPLAIN ANALYZEs it with statistics of
those rows (in a rolled-back transaction): no Seq Scan on the table, no Sort of the table, the
named index, and a handful of rows removed by a filter. Each page also makes the same number of
queries at 20 and 100 rows per page.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from html import unescape

import pytest
from django.core.cache import cache
from django.utils import timezone

from backoffice.health import suggestion
from monitoring.fleet import models as fleet_models
from monitoring.fleet.apps import RECOMMENDED_INDEXES as FLEET_INDEXES
from monitoring.posters import models as posters_models
from monitoring.posters.apps import RECOMMENDED_INDEXES as POSTERS_INDEXES
from monitoring.publishing.apps import RECOMMENDED_INDEXES as PUBLISHING_INDEXES
from monitoring.wrapped import models as wrapped_models
from monitoring.wrapped import queries as wrapped_queries
from monitoring.wrapped.apps import RECOMMENDED_INDEXES as WRAPPED_INDEXES
from monitoring.xtrack import models as xtrack_models
from monitoring.xtrack.apps import RECOMMENDED_INDEXES as XTRACK_INDEXES
from tests import seeding
from tests.factories import fleet as f
from tests.factories import posters as p
from tests.factories import publishing as publishing_factories
from tests.factories import xtrack as x
from tests.pages import list_page_queries, query_log, result_rows

CREATED = {
    "wrapped": (
        WRAPPED_INDEXES,
        [
            "bo_jobs_status_task_created",
            "bo_jobs_status_updated_at",
            "bo_jobs_task_updated_at",
            "bo_users_waitlist_created",
            "bo_users_unsubscribed_created",
            "bo_auth_status_updated_at",
            "bo_referrals_updated_at",
            "bo_runs_email_status",
            "bo_user_emails_created_at_id",
            "bo_sessions_issued_at_id",
            "bo_referral_events_created_at_id",
            "bo_referral_events_referrer",
            "bo_referral_events_referred",
        ],
    ),
    "posters": (POSTERS_INDEXES, ["bo_poster_failure_details_poster_id", "bo_poster_failure_details_username"]),
    "fleet": (
        FLEET_INDEXES,
        [
            "bo_accounts_deleted",
            "bo_accounts_by_shadowban",
            "bo_accounts_by_state",
            "bo_events_category",
            "bo_events_type",
            "bo_content_status_format",
            "bo_proxies_provider_host",
        ],
    ),
    "xtrack": (
        XTRACK_INDEXES,
        [
            "bo_job_executions_status_id",
            "bo_job_executions_job_id_id",
            "bo_bind_tokens_channel_id",
            "bo_bind_tokens_used_id",
        ],
    ),
    "publishing": (PUBLISHING_INDEXES, ["bo_publish_logs_requested_at"]),
}
BULK = 3000
MOST_REMOVED = 25  # rows a page may read and throw away (a few, whatever the table's size)


@pytest.fixture(scope="module", autouse=True)
def recommended_indexes(django_db_setup, django_db_blocker):
    # Module scope: dropped after every test transaction that read these tables has ended.
    with django_db_blocker.unblock():
        for alias, (declared, names) in CREATED.items():
            columns = {name: (table, str(cols)) for table, cols, name, *_ in declared}
            for name in names:
                table, cols = columns[name]
                seeding.connection(alias).execute(suggestion(table, cols, name).replace(" CONCURRENTLY", "", 1))
        yield
        for alias, (_declared, names) in CREATED.items():
            for name in names:
                seeding.connection(alias).execute(f"DROP INDEX IF EXISTS {name}")


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def explain(alias: str, sql: str, table: str) -> list[dict]:
    """The plan's nodes, EXPLAIN (ANALYZE, FORMAT JSON) with statistics of the rows there, in a
    transaction rolled back: the statistics go with it, so later tests plan on their own data."""
    with seeding.connect(alias) as conn, conn.transaction(force_rollback=True):
        conn.execute(f"ANALYZE {table}")
        (doc,) = conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql).fetchone()
    doc = json.loads(doc) if isinstance(doc, str) else doc
    return list(_nodes(doc[0]["Plan"]))


def assert_flat(alias: str, sql: str, table: str, index: str | None = None) -> list[dict]:
    nodes = explain(alias, sql, table)
    shown = json.dumps(nodes, default=str)[:4000]
    assert not [n for n in nodes if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == table], shown
    removed = sum(n.get("Rows Removed by Filter", 0) + n.get("Rows Removed by Index Recheck", 0) for n in nodes)
    assert removed <= MOST_REMOVED, (removed, shown)
    if index:
        assert index in {n.get("Index Name") for n in nodes}, shown
        # Read in the list's order: nothing sorts the rows of the table.
        assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")], shown
    return nodes


def page(client, model, params: dict, table: str):
    """GET the list at 20 and at 100 rows a page: the same number of queries; the 20-row page's
    HTML and the SQL that read the page's rows. (A first visit of the larger page fills the caches
    the pages share, the queue's counts, the list's count and the runs' digests, so the two compared
    visits see the same cache.)"""
    list_page_queries(client, model, 100, params)
    response, log = list_page_queries(client, model, 20, params)
    big_response, big_log = list_page_queries(client, model, 100, params)
    assert response.status_code == big_response.status_code == 200
    assert len(log) == len(big_log), (log.listing(), big_log.listing())
    rows_sql = [s for s in log.sql(f'FROM "{table}"') if "ORDER BY" in s and "LIMIT" in s]
    assert len(rows_sql) == 1, log.listing()
    return response.content.decode(), rows_sql[0]


def results(html: str) -> str:
    """The list's table body (not the queue's counts table nor the filters)."""
    match = re.search(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', html, re.S)
    return match.group(1) if match else ""


def selected(html: str, title: str) -> str:
    """The query string of the chosen entry of a sidebar filter."""
    block = html.split(f'data-filter-title="{title}"', 1)[1].split("</details>", 1)[0]
    return re.search(r'<li class="selected">\s*<a href="([^"]*)"', block).group(1)


# -- Wrapped queue ------------------------------------------------------------------------------


def _seed_jobs():
    """The newest jobs are open email jobs; the older ones succeeded, one in ten a reauth_notify."""
    seeding.execute(
        "wrapped",
        "INSERT INTO app_jobs (id, task_name, payload, status, updated_at) "
        "SELECT 'open-' || g, 'email_send', '{}', 'pending', now() - g * interval '1 second' "
        "FROM generate_series(1, %s) g",
        [BULK],
    )
    seeding.execute(
        "wrapped",
        "INSERT INTO app_jobs (id, task_name, payload, status, updated_at) "
        "SELECT 'done-' || g, CASE WHEN g %% 10 = 0 THEN 'reauth_notify' ELSE 'wrapped_analysis' END, '{}', "
        "'succeeded', now() - interval '1 day' - g * interval '1 second' FROM generate_series(1, %s) g",
        [BULK],
    )


def test_queue_filtered_to_succeeded_shows_succeeded_jobs_through_its_index(client_for):
    _seed_jobs()
    html, sql = page(client_for("viewer"), wrapped_models.AppJob, {"status__exact": "succeeded"}, "app_jobs")
    rows = results(html)
    assert result_rows(html) == 20 and rows.count(">succeeded</span>") == 20
    assert ">done-1<" in rows and "open-" not in rows
    # The state filter gave way: it reads "All", and the query has no open-state condition.
    assert selected(html, "queue state").startswith("?state=all")
    assert "'pending'" not in sql and "IN (" not in sql, sql
    assert_flat("wrapped", sql, "app_jobs", "bo_jobs_status_updated_at")


def test_queue_filtered_by_task_reads_that_task_in_the_list_order(client_for):
    _seed_jobs()
    html, sql = page(client_for("viewer"), wrapped_models.AppJob, {"task_name__exact": "reauth_notify"}, "app_jobs")
    rows = results(html)
    assert result_rows(html) == 20 and rows.count(">Reauth Notify<") == 20
    assert ">done-10<" in rows and ">done-1<" not in rows and "open-" not in rows
    assert selected(html, "queue state").startswith("?state=all")
    assert_flat("wrapped", sql, "app_jobs", "bo_jobs_task_updated_at")


def test_queue_still_opens_on_open_work_and_keeps_an_explicit_state(client_for):
    _seed_jobs()
    client = client_for("viewer")
    html = client.get("/admin/wrapped/appjob/").content.decode()
    assert "succeeded</span>" not in results(html) and ">open-1<" in results(html)
    assert selected(html, "queue state").startswith("?state=open")
    # Open asked for explicitly, with a task: the task's open jobs (none here).
    html = client.get("/admin/wrapped/appjob/", {"state": "open", "task_name__exact": "reauth_notify"}).content.decode()
    assert result_rows(html) == 0


def test_queue_counts_stop_at_the_cap_and_keep_their_links(client_for):
    cap = wrapped_queries.QUEUE_COUNT_CAP
    seeding.execute(
        "wrapped",
        "INSERT INTO app_jobs (id, task_name, payload, status) "
        "SELECT 'p-' || g, 'email_send', '{}', 'pending' FROM generate_series(1, %s) g",
        [cap + 5],
    )
    seeding.execute(
        "wrapped",
        "INSERT INTO app_jobs (id, task_name, payload, status) "
        "SELECT 'f-' || g, 'reauth_notify', '{}', CASE WHEN g <= 3 THEN 'failed' ELSE 'succeeded' END "
        "FROM generate_series(1, %s) g",
        [BULK],
    )
    client = client_for("viewer")
    with query_log("wrapped") as log:
        html = unescape(client.get("/admin/wrapped/appjob/").content.decode())
    (queue,) = log.sql("WITH RECURSIVE pairs")  # the pairs and their capped counts, one query
    assert "SELECT count(*) FROM (SELECT 1 FROM app_jobs" in queue
    assert re.search(r'<a href="[^"]+" title="email_send jobs pending">1,000\+</a>', html)
    link = re.search(r'<a href="([^"]+)" title="reauth_notify jobs failed">3</a>', html)
    assert link and result_rows(client.get(link.group(1)).content.decode()) == 3
    assert "reauth_notify jobs succeeded" not in html  # open work only
    seeding.connection("wrapped").execute("VACUUM app_jobs")  # as autovacuum keeps a live table
    # One index descent per pair; each cell reads at most the cap (plus one) index entries.
    nodes = assert_flat("wrapped", queue, "app_jobs")
    assert {n.get("Index Name") for n in nodes if "Index" in n["Node Type"]} == {"bo_jobs_status_task_created"}
    scanned = [n for n in nodes if n["Node Type"] == "Index Only Scan"]
    assert max(n["Actual Rows"] for n in scanned) <= cap + 1, scanned
    # A step of the skip scan starts at the previous pair and reads one entry: a few pages, not
    # the rest of its status.
    steps = [n for n in scanned if "ROW(" in n.get("Index Cond", "")]
    pages = [(n["Shared Hit Blocks"] + n["Shared Read Blocks"], n["Actual Loops"]) for n in steps]
    assert pages and all(read <= 4 * loops for read, loops in pages), steps


def test_dashboard_queue_panel_reads_the_queue_index_only(db):
    from monitoring.wrapped import dashboard

    _seed_jobs()
    seeding.connection("wrapped").execute("VACUUM app_jobs")  # as autovacuum keeps a live table
    with query_log("wrapped") as log:
        panel = dashboard.queue_now()
    assert dict((task, dict(cells)) for task, cells, _age in panel["rows"]) == {
        "email_send": {"pending": dashboard.capped(BULK, wrapped_queries.QUEUE_COUNT_CAP), "running": 0, "failed": 0}
    }
    assert panel["rows"][0][2] is not None  # the oldest pending job's age
    (sql,) = log.sql("FROM app_jobs")  # the queue page's own query (queries.queue_cells)
    nodes = assert_flat("wrapped", sql, "app_jobs")  # pairs, counts and min(created_at), no heap read
    reads = [n for n in nodes if n.get("Relation Name") == "app_jobs"]
    assert reads and {(n["Node Type"], n.get("Index Name")) for n in reads} == {
        ("Index Only Scan", "bo_jobs_status_task_created")
    }, reads


# -- Wrapped user emails, sessions, referral events ---------------------------------------------


def test_user_emails_list_reads_newest_first_from_its_index(client_for):
    seeding.execute(
        "wrapped",
        "INSERT INTO app_user_emails (id, app_user_id, email, created_at) "
        "SELECT 'e-' || g, 'u-' || g, 'p' || g || '@example.com', now() - g * interval '1 minute' "
        "FROM generate_series(1, %s) g",
        [BULK],
    )
    html, sql = page(client_for("support"), wrapped_models.AppUserEmail, {}, "app_user_emails")
    assert html.index("p1@example.com") < html.index("p2@example.com") < html.index("p20@example.com")
    assert 'ORDER BY "app_user_emails"."created_at" DESC, "app_user_emails"."id" DESC' in sql
    assert_flat("wrapped", sql, "app_user_emails", "bo_user_emails_created_at_id")


def test_sessions_list_reads_newest_first_from_its_index(client_for):
    seeding.execute(
        "wrapped",
        "INSERT INTO app_sessions (id, app_user_id, device_id, token_hash, token_encrypted, issued_at, expires_at) "
        "SELECT 's-' || g, 'u-' || g, 'd-' || g, 'h', 'e', now() - g * interval '1 minute', now() "
        "FROM generate_series(1, %s) g",
        [BULK],
    )
    html, sql = page(client_for("viewer"), wrapped_models.AppSession, {}, "app_sessions")
    assert result_rows(html) == 20 and results(html).index(">s-1<") < results(html).index(">s-2<")
    assert 'ORDER BY "app_sessions"."issued_at" DESC, "app_sessions"."id" DESC' in sql
    assert '"token_hash"' not in sql and '"token_encrypted"' not in sql
    assert_flat("wrapped", sql, "app_sessions", "bo_sessions_issued_at_id")


def _seed_referral_events():
    seeding.execute(
        "wrapped",
        "INSERT INTO referral_events (id, referrer_app_user_id, referred_app_user_id, event_type, wrapped_run_id, "
        "created_at) SELECT 'ev-' || g, 'ref-' || (g %% 100), 'new-' || g, 'impression', 'run-' || g, "
        "now() - g * interval '1 minute' FROM generate_series(1, %s) g",
        [BULK],
    )


def test_referral_events_list_reads_newest_first_from_its_index(client_for):
    _seed_referral_events()
    html, sql = page(client_for("viewer"), wrapped_models.ReferralEvent, {}, "referral_events")
    assert html.index(">ev-1<") < html.index(">ev-2<")
    assert_flat("wrapped", sql, "referral_events", "bo_referral_events_created_at_id")


def test_referral_events_search_is_exact_and_indexed(client_for):
    _seed_referral_events()
    client = client_for("viewer")
    html, sql = page(client, wrapped_models.ReferralEvent, {"q": "ref-7"}, "referral_events")
    assert result_rows(html) == 20 and ">ev-7<" in html and ">ev-8<" not in html
    assert '"wrapped_run_id" =' not in sql and '"archive_job_id" =' not in sql
    assert_flat("wrapped", sql, "referral_events")
    html, sql = page(client, wrapped_models.ReferralEvent, {"q": "new-42"}, "referral_events")
    assert result_rows(html) == 1 and ">ev-42<" in html
    assert_flat("wrapped", sql, "referral_events")
    # A run id is not searched here (its column has no index): nothing, not a full read.
    assert result_rows(client.get("/admin/wrapped/referralevent/", {"q": "run-42"}).content.decode()) == 0


def counted(log, table: str) -> str:
    """The SQL of the list's bounded count ("more than 10000")."""
    (sql,) = [q for q in log.sql(f'FROM "{table}"') if q.startswith("SELECT COUNT(*) FROM (")]
    return sql


@pytest.mark.parametrize(
    ("params", "index", "first"),
    [
        ({"waitlist_opt_in__exact": "1"}, "bo_users_waitlist_created", "u-10"),
        ({"weekly_report_unsubscribed__exact": "1"}, "bo_users_unsubscribed_created", "u-30"),
    ],
)
def test_users_filtered_read_their_index_and_count_index_only(client_for, params, index, first):
    seeding.execute(
        "wrapped",
        "INSERT INTO app_users (app_user_id, waitlist_opt_in, weekly_report_unsubscribed, created_at) "
        "SELECT 'u-' || g, g %% 10 = 0, g %% 30 = 0, now() - g * interval '1 minute' FROM generate_series(1, %s) g",
        [BULK],
    )
    client = client_for("viewer")
    html, sql = page(client, wrapped_models.AppUser, params, "app_users")
    assert result_rows(html) == 20 and f">{first}<" in results(html) and ">u-1<" not in results(html)
    assert_flat("wrapped", sql, "app_users", index)
    cache.clear()  # the page above counted: count again
    with query_log("wrapped") as log:
        client.get("/admin/wrapped/appuser/", params)
    seeding.connection("wrapped").execute("VACUUM app_users")  # as autovacuum keeps a live table
    nodes = assert_flat("wrapped", counted(log, "app_users"), "app_users", index)
    assert "Index Only Scan" in {n["Node Type"] for n in nodes}


def test_auth_jobs_filtered_by_status_read_their_index(client_for):
    seeding.execute(
        "wrapped",
        "INSERT INTO app_auth_jobs (archive_job_id, provider, status, updated_at) "
        "SELECT 'a-' || g, 'tiktok', CASE WHEN g %% 25 = 0 THEN 'expired' ELSE 'finalized' END, "
        "now() - g * interval '1 minute' FROM generate_series(1, %s) g",
        [BULK],
    )
    html, sql = page(client_for("viewer"), wrapped_models.AuthJob, {"status__exact": "expired"}, "app_auth_jobs")
    assert result_rows(html) == 20 and ">a-25<" in results(html) and ">a-1<" not in results(html)
    assert_flat("wrapped", sql, "app_auth_jobs", "bo_auth_status_updated_at")


def test_referrals_list_reads_newest_first_from_its_index(client_for):
    seeding.execute(
        "wrapped",
        "INSERT INTO referrals (code, referrer_app_user_id, created_at, updated_at) "
        "SELECT 'code-' || g, 'u-' || g, now(), now() - g * interval '1 minute' FROM generate_series(1, %s) g",
        [BULK],
    )
    html, sql = page(client_for("viewer"), wrapped_models.Referral, {}, "referrals")
    assert results(html).index(">code-1<") < results(html).index(">code-2<")
    assert 'ORDER BY "referrals"."updated_at" DESC, "referrals"."code" DESC' in sql
    assert_flat("wrapped", sql, "referrals", "bo_referrals_updated_at")


@pytest.mark.parametrize(("stage", "label", "first"), [("ready_email_failed", "Ready · email failed", "run-40")])
def test_runs_filtered_by_email_outcome_read_their_index_and_are_not_counted(client_for, stage, label, first):
    seeding.execute(
        "wrapped",
        "INSERT INTO app_wrapped_runs (id, app_user_id, sec_user_id, status, payload, updated_at) "
        "SELECT 'run-' || g, 'u-' || g, 's-' || g, 'ready', json_build_object('data_jobs', json_build_object("
        "'email_send', json_build_object('status', CASE WHEN g %% 40 = 0 THEN 'failed' ELSE 'succeeded' END))), "
        "now() - g * interval '1 minute' FROM generate_series(1, %s) g",
        [BULK],
    )
    client = client_for("viewer")
    html, sql = page(client, wrapped_models.WrappedRun, {"stage": stage}, "app_wrapped_runs")
    assert result_rows(html) == 20 and f">{first}<" in results(html) and ">run-1<" not in results(html)
    assert results(html).count(label) == 20
    # Not counted (an expression over each payload): the page says what exists from its rows.
    assert "more than 20 wrapped runs" in html or "more than 20 runs" in html, re.findall(r"more than \d+ \w+", html)
    with query_log("wrapped") as log:
        client.get("/admin/wrapped/wrappedrun/", {"stage": stage})
    assert not log.sql("SELECT COUNT(*)"), log.listing()
    assert_flat("wrapped", sql, "app_wrapped_runs", "bo_runs_email_status")


# -- Posters failures search --------------------------------------------------------------------


def _seed_failures() -> tuple[uuid.UUID, uuid.UUID]:
    seeding.execute(
        "posters",
        "INSERT INTO poster_failure_details (job_id, username, failure_type, error_message, created_at) "
        "SELECT 'job_' || (g %% 50), 'creator' || g, 'timeout', 'boom', now() - g * interval '1 minute' "
        "FROM generate_series(1, %s) g",
        [BULK],
    )
    poster = p.GeneratedPosterFactory().pk
    seeding.execute(
        "posters",
        "UPDATE poster_failure_details SET poster_id = %s, username = 'target' WHERE username = 'creator1500'",
        [poster],
    )
    with seeding.connect("posters") as conn:
        (failure,) = conn.execute("SELECT id FROM poster_failure_details WHERE username = 'target'").fetchone()
    return failure, poster


def test_failures_search_by_uuid_is_an_exact_indexed_lookup(client_for):
    failure, poster = _seed_failures()
    client = client_for("viewer")
    for term in (str(failure), str(poster).upper()):
        html, sql = page(client, posters_models.PosterFailureDetail, {"q": term}, "poster_failure_details")
        assert result_rows(html) == 1 and str(failure)[:8] in html, term
        assert '"username" =' not in sql, sql
        assert_flat("posters", sql, "poster_failure_details")
    html, sql = page(client, posters_models.PosterFailureDetail, {"q": "target"}, "poster_failure_details")
    assert result_rows(html) == 1
    assert "::uuid" not in sql and '"id" =' not in sql.split("WHERE", 1)[1]
    assert_flat("posters", sql, "poster_failure_details")


def test_failures_search_for_a_malformed_uuid_says_so(client_for):
    _seed_failures()
    term = "123e4567-e89b-12d3-a456-42661417zzzz"
    response, log = list_page_queries(client_for("viewer"), posters_models.PosterFailureDetail, 20, {"q": term})
    html = response.content.decode()
    assert response.status_code == 200 and result_rows(html) == 0
    assert "looks like a UUID but is not one" in html
    assert not [s for s in log.sql() if term in s and ('"id" =' in s or '"poster_id" =' in s)], log.listing()


# -- Fleet accounts, events and content; XTrack executions ---------------------------------------


def _seed_accounts():
    """3,000 TikTok accounts: one in thirty created, the others active; one in forty shadowbanned,
    one in fifty deleted."""
    seeding.execute(
        "fleet",
        "INSERT INTO accounts (platform, username, current_state, is_shadowbanned, deleted_at) "
        "SELECT 'tiktok', 'bulk.' || lpad(g::text, 5, '0'), "
        "CASE WHEN g %% 30 = 0 THEN 'created' ELSE 'active' END::account_state, g %% 40 = 0, "
        "CASE WHEN g %% 50 = 0 THEN now() END FROM generate_series(1, %s) g",
        [BULK],
    )


def count_sql(client, model, params: dict, table: str) -> str:
    """The list's capped "more than N" count, as the page ran it (not from the count cache)."""
    cache.clear()
    _response, log = list_page_queries(client, model, 20, params)
    return counted(log, table)


@pytest.mark.parametrize(
    ("params", "index", "first"),
    [
        ({"shadowbanned": "yes"}, "bo_accounts_by_shadowban", "bulk.00040"),
        ({"state": "created"}, "bo_accounts_by_state", "bulk.00030"),
        # A state group reads in state order: in (platform, username) order it would walk the others.
        ({"state": "warming"}, "bo_accounts_by_state", "bulk.00030"),
        ({"deleted": "yes"}, "bo_accounts_deleted", "bulk.00050"),
    ],
)
def test_fleet_accounts_filters_read_their_index_in_the_list_order(client_for, params, index, first):
    _seed_accounts()
    client = client_for("viewer")
    html, sql = page(client, fleet_models.Account, params, "accounts")
    assert result_rows(html) == 20 and first in html and "bulk.00001" not in html
    assert_flat("fleet", sql, "accounts", index)
    assert_flat("fleet", count_sql(client, fleet_models.Account, params, "accounts"), "accounts", index)


def test_fleet_account_state_group_lists_each_state_in_turn(client_for):
    f.AccountFactory(username="a.resting", current_state="resting")
    f.AccountFactory(username="b.active", current_state="active")
    f.AccountFactory(username="c.cooldown", current_state="cooldown")
    f.AccountFactory(username="d.banned", current_state="banned")
    html = results(client_for("viewer").get("/admin/fleet/account/", {"state": "active"}).content.decode())
    assert html.index("b.active") < html.index("a.resting") < html.index("c.cooldown")
    assert "d.banned" not in html


def _seed_events() -> int:
    """3,000 open scheduler events, newest first; one in thirty a device event of type login_failed."""
    seeding.execute(
        "fleet",
        'INSERT INTO system_events ("timestamp", category, severity, event_type, message) '
        "SELECT now() - g * interval '1 minute', CASE WHEN g %% 30 = 0 THEN 'device' ELSE 'scheduler' END, 'info', "
        "CASE WHEN g %% 30 = 0 THEN 'login_failed' ELSE 'post_failed' END, 'm' || g FROM generate_series(1, %s) g",
        [BULK],
    )
    with seeding.connect("fleet") as conn:
        (first,) = conn.execute("SELECT min(id) FROM system_events").fetchone()
    return first


def test_fleet_events_category_filter_reads_its_index_in_the_list_order(client_for):
    _seed_events()
    client = client_for("viewer")
    params = {"category__exact": "device"}
    html, sql = page(client, fleet_models.SystemEvent, params, "system_events")
    assert result_rows(html) == 20 and ">m30<" in results(html) and ">m1<" not in results(html)
    assert_flat("fleet", sql, "system_events", "bo_events_category")
    assert_flat("fleet", count_sql(client, fleet_models.SystemEvent, params, "system_events"), "system_events")


def test_fleet_events_search_matches_only_what_the_term_can_be(client_for):
    first = _seed_events()
    device = f.DeviceFactory()
    f.SystemEventFactory(device=device, message="on-the-device")
    client = client_for("viewer")
    html, sql = page(client, fleet_models.SystemEvent, {"q": str(first)}, "system_events")
    assert result_rows(html) == 1 and ">m1<" in html
    where = sql.split(" WHERE ", 1)[1]
    assert '"event_type" =' not in where and '"device_id" =' not in where, sql
    assert_flat("fleet", sql, "system_events")
    html, sql = page(client, fleet_models.SystemEvent, {"q": str(device.pk)}, "system_events")
    assert result_rows(html) == 1 and "on-the-device" in html
    assert '"event_type" =' not in sql.split(" WHERE ", 1)[1], sql
    html, sql = page(client, fleet_models.SystemEvent, {"q": "login_failed"}, "system_events")
    assert result_rows(html) == 20 and ">m30<" in results(html)
    assert_flat("fleet", sql, "system_events", "bo_events_type")


def test_fleet_content_status_count_reads_its_index(client_for):
    niche = f.NicheFactory()
    seeding.execute(
        "fleet",
        "INSERT INTO content (niche_id, topic, content_format, production_status, created_at) "
        "SELECT %s, 'topic ' || g, 'meme', CASE WHEN g %% 30 = 0 THEN 'failed' ELSE 'complete' END::production_status, "
        "now() - g * interval '1 minute' FROM generate_series(1, %s) g",
        [niche.pk, BULK],
    )
    client = client_for("viewer")
    params = {"production_status__exact": "failed"}
    html, _sql = page(client, fleet_models.Content, params, "content")
    assert result_rows(html) == 20 and ">topic 30<" in results(html)
    sql = count_sql(client, fleet_models.Content, params, "content")
    assert_flat("fleet", sql, "content", "bo_content_status_format")


def test_fleet_proxies_list_reads_its_order_from_its_index(client_for):
    seeding.execute(
        "fleet",
        "INSERT INTO proxies (provider, type, host, port) "
        "SELECT 'provider-' || (g %% 3), 'mobile', 'h' || lpad(g::text, 5, '0') || '.example', 8000 "
        "FROM generate_series(1, %s) g",
        [BULK],
    )
    html, sql = page(client_for("viewer"), fleet_models.Proxy, {}, "proxies")
    rows = results(html)
    assert result_rows(html) == 20 and rows.index("h00003.example") < rows.index("h00006.example")
    assert "h00001.example" not in rows  # provider-1 comes after provider-0
    assert_flat("fleet", sql, "proxies", "bo_proxies_provider_host")


def test_xtrack_executions_running_reads_its_index_in_the_list_order(client_for):
    job = x.JobFactory()
    seeding.execute(
        "xtrack",
        "INSERT INTO job_executions (job_id, status) "
        "SELECT %s, CASE WHEN g %% 50 = 0 THEN 'RUNNING' ELSE 'COMPLETED' END::executionstatus "
        "FROM generate_series(1, %s) g",
        [job.pk, BULK],
    )
    html, sql = page(client_for("viewer"), xtrack_models.JobExecution, {"status__exact": "RUNNING"}, "job_executions")
    assert result_rows(html) == 20 and results(html).count(">RUNNING<") == 20, results(html)[:600]
    assert_flat("xtrack", sql, "job_executions", "bo_job_executions_status_id")


def test_xtrack_jobs_whose_last_run_failed_probe_each_job_in_the_list_order(client_for):
    jobs = x.JobFactory.create_batch(3)
    seeding.execute(
        "xtrack",
        "INSERT INTO job_executions (job_id, status, created_at) "
        "SELECT j, CASE WHEN j = %s THEN 'COMPLETED' ELSE 'FAILED' END::executionstatus, now() - interval '2 hours' "
        "FROM unnest(%s::int[]) j",
        [jobs[1].pk, [job.pk for job in jobs]],
    )
    seeding.execute(
        "xtrack",
        "INSERT INTO job_executions (job_id, status, created_at) "
        "SELECT %s, 'FAILED', now() - interval '30 days' FROM generate_series(1, %s) g",
        [jobs[1].pk, BULK],
    )
    client = client_for("viewer")
    with query_log("xtrack") as log:
        html = client.get("/admin/xtrack/job/", {"failing": "24h"}).content.decode()
    assert result_rows(html) == 2 and f">{jobs[1].pk}<" not in results(html)
    assert not log.sql("SELECT COUNT(*)"), log.listing()  # a count would probe every job
    (sql,) = [q for q in log.sql('FROM "jobs"') if "LIMIT" in q]
    nodes = assert_flat("xtrack", sql, "job_executions")
    assert "bo_job_executions_job_id_id" in {n.get("Index Name") for n in nodes}
    assert max(n["Actual Rows"] for n in nodes if n.get("Relation Name") == "job_executions") <= 1


def test_publish_logs_requested_in_a_range_are_counted_index_only(client_for):
    log_row = publishing_factories.PublishLogFactory()
    seeding.execute(
        "publishing",
        "INSERT INTO publish_logs (clip_id, platform, status, requested_at) "
        "SELECT %s, 'tiktok', 'success', now() - g * interval '1 hour' FROM generate_series(1, %s) g",
        [log_row.clip_id, BULK],
    )
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    client = client_for("viewer")
    with query_log("publishing") as log:
        html = client.get("/admin/publishing/publishlog/", {"requested_at_from": since}).content.decode()
    assert result_rows(html) > 0
    seeding.connection("publishing").execute("VACUUM publish_logs")
    nodes = assert_flat("publishing", counted(log, "publish_logs"), "publish_logs", "bo_publish_logs_requested_at")
    assert "Index Only Scan" in {n["Node Type"] for n in nodes}


@pytest.mark.parametrize(
    ("params", "index"),
    [({"channel__exact": "EMAIL"}, "bo_bind_tokens_channel_id"), ({"used__exact": "1"}, "bo_bind_tokens_used_id")],
)
def test_xtrack_bind_tokens_filtered_read_their_index_and_count_index_only(client_for, params, index):
    user = x.UserFactory()
    seeding.execute(
        "xtrack",
        "INSERT INTO notification_bind_tokens (user_id, channel, token, expires_at, used) "
        "SELECT %s, CASE WHEN g %% 20 = 0 THEN 'EMAIL' ELSE 'TELEGRAM' END::notificationchannel, 't-' || g, "
        "now(), g %% 20 = 0 FROM generate_series(1, %s) g",
        [user.pk, BULK],
    )
    with seeding.connect("xtrack") as conn:
        (top,) = conn.execute("SELECT max(id) FROM notification_bind_tokens").fetchone()
    client = client_for("viewer")
    html, sql = page(client, xtrack_models.NotificationBindToken, params, "notification_bind_tokens")
    # Every 20th token is an email one, and used: the newest of them first, no other.
    rows = results(html)
    assert result_rows(html) == 20 and f"/notificationbindtoken/{top - 20}/change/" in rows
    assert f"/notificationbindtoken/{top - 1}/change/" not in rows
    assert_flat("xtrack", sql, "notification_bind_tokens", index)
    cache.clear()  # the page above counted: count again
    with query_log("xtrack") as log:
        client.get("/admin/xtrack/notificationbindtoken/", params)
    seeding.connection("xtrack").execute("VACUUM notification_bind_tokens")
    nodes = assert_flat("xtrack", counted(log, "notification_bind_tokens"), "notification_bind_tokens", index)
    assert "Index Only Scan" in {n["Node Type"] for n in nodes}
