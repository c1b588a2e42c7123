"""Drift and hostile data on the Wrapped source: pages degrade, never break.

1. A run whose `json` payload holds the escape \\u0000 (PostgreSQL's `json` accepts it; every
   operator that reads a key out of it fails): every page that shows the run still answers 200.
2. A drifted copy of the Wrapped schema (the service's own migrations went further than the
   models): check_sources names every change with the page it breaks or slows, and every page
   that can still work answers 200 with rows; the one that cannot says what changed.
3. A changed primary key, on a separate copy.

The drifted copies are built as tests/test_health.py builds its own (tests.drift), one per class.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from monitoring.wrapped import expressions
from tests.drift import drifted_databases
from tests.factories.wrapped import AppJobFactory, AppUserEmailFactory, DeviceEmailFactory, WrappedRunFactory
from tests.pages import open_detail, query_log, result_rows

RUNS = "/admin/wrapped/wrappedrun/"
NUL = {"note": "before\x00after", "_analysis_warnings": ["bad\x00byte"]}


def nul_run(**kwargs):
    return WrappedRunFactory(stage="analysis", email="nul@example.com", extra_payload=NUL, **kwargs)


# -- 1. NUL escapes in a json payload ----------------------------------------------------------------


def test_a_nul_escape_is_stored_as_json_text():
    from tests import seeding

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
    assert raw.status_code == 200 and raw.streaming and b"before\\u0000after" in raw.getvalue()


def test_compare_with_a_run_holding_a_nul_escape(client_for):
    run = nul_run()
    other = WrappedRunFactory(stage="analysis", extra_payload={"_analysis_warnings": ["fine"]})
    response = client_for("support").get(f"{RUNS}compare/", {"a": run.id, "b": other.id})
    assert response.status_code == 200
    assert re.search(r'diff-path">_analysis_warnings\[0\]</td><td>changed', response.content.decode())


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


def test_the_healthy_wrapped_schema_has_no_drift():
    from backoffice.health import OK, check_source

    report = check_source("wrapped")
    drift = [f.message for f in report.findings if f.severity != OK and f.kind not in {"index"}]
    assert not drift, drift
    assert "11 of 11 service indexes the pages rely on are present." in [f.message for f in report.findings]
    assert "9 tables and their columns match the models." in [f.message for f in report.findings]


# -- the recommended expression indexes, in the payload's flavour -------------------------------------

EXPRESSION_INDEXES = ("bo_runs_stage", "bo_runs_warnings")


def assert_suggested_expression_indexes_take(kind: str) -> None:
    """The suggested statements run on the table as it is, and the check then finds them present."""
    from backoffice.health import check_source
    from tests import seeding

    before = check_source("wrapped")
    statements = [s for s in before.index_suggestions if any(f" {name} " in s for name in EXPRESSION_INDEXES)]
    stage, warnings = statements
    assert " bo_runs_stage " in stage and f" {kind}_typeof(" in warnings, statements
    # the json form reads past \u0000 escapes (a row holding one must not fail the CREATE INDEX)
    assert ("strpos(payload::text" in stage) is (kind == "json")
    try:
        for statement in statements:  # CONCURRENTLY would wait for the test's own open transaction
            seeding.execute("wrapped", statement.replace(" CONCURRENTLY", ""))
        after = check_source("wrapped")
        assert not [s for s in after.index_suggestions if any(f" {n} " in s for n in EXPRESSION_INDEXES)]
        assert len(after.index_suggestions) == len(before.index_suggestions) - 2
    finally:
        for name in EXPRESSION_INDEXES:
            seeding.execute("wrapped", f"DROP INDEX IF EXISTS {name}")


def test_suggested_expression_indexes_take_on_json_payloads():
    nul_run()  # building the index evaluates it on every row, this one too
    assert_suggested_expression_indexes_take("json")


# -- 2. a drifted copy of the Wrapped schema -------------------------------------------------------

WRAPPED_DRIFT = [
    # a dropped column: the referrals pages cannot survive it, nothing else reads the table
    "ALTER TABLE referrals DROP COLUMN completions",
    # payloads as jsonb (json_typeof(jsonb) does not exist)
    "ALTER TABLE app_wrapped_runs ALTER COLUMN payload TYPE jsonb USING payload::jsonb",
    "ALTER TABLE app_jobs ALTER COLUMN payload TYPE jsonb USING payload::jsonb",
    # a wider integer
    "ALTER TABLE app_jobs ALTER COLUMN attempts TYPE bigint",
    # a native enum with one value the model does not know
    "CREATE TYPE run_status AS ENUM ('pending', 'ready', 'failed', 'archived')",
    "ALTER TABLE app_wrapped_runs ALTER COLUMN status DROP DEFAULT",
    "ALTER TABLE app_wrapped_runs ALTER COLUMN status TYPE run_status USING status::run_status",
    "ALTER TABLE app_wrapped_runs ALTER COLUMN status SET DEFAULT 'pending'",
    # a new column
    "ALTER TABLE app_wrapped_runs ADD COLUMN region text",
    # one of the service's indexes the runs search relies on
    "DROP INDEX ix_app_wrapped_runs_sec_user_id",
]


@pytest.fixture(scope="class")
def drifted_wrapped(django_db_setup, django_db_blocker):
    with drifted_databases({"wrapped": WRAPPED_DRIFT}, django_db_blocker, tag="wdrift") as names:
        yield names


def run_check(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("check_sources", "--source", "wrapped", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


@pytest.fixture
def people(drifted_wrapped):
    """A ready run, a run stuck in analysis with warnings, and a run in the enum's new value."""
    ready = WrappedRunFactory(email="ready@example.com")
    stuck = WrappedRunFactory(stage="analysis", extra_payload={"_analysis_warnings": ["short history"]})
    archived = WrappedRunFactory(status="archived")
    DeviceEmailFactory(email="ready@example.com")
    AppUserEmailFactory(app_user=ready.app_user_id, email="ready@example.com")
    return {"ready": ready, "stuck": stuck, "archived": archived}


@pytest.mark.usefixtures("drifted_wrapped")
class TestDriftedWrapped:
    def test_check_sources_names_every_change_with_its_pages(self):
        status, output = run_check()
        assert status == 0, output  # drifted, not unusable: every table is there
        assert "wrapped (Wrapped (TikTok)): ERRORS" in output
        expected = [
            "✗ Table referrals lacks column completions (Referral.completions): "
            "the referral list and detail (/admin/wrapped/referral/) will fail.",
            "! app_wrapped_runs.payload: type changed: the model declares json, the table has jsonb. Pages read both",
            "! app_jobs.payload: type changed: the model declares json, the table has jsonb.",
            "! app_jobs.attempts: type changed: the model declares integer, the table has bigint. Pages still work",
            "! app_wrapped_runs.status: type changed: the model declares character varying, the table has "
            "run_status. Lists and details read it as text; a filter or search with a value outside the enum "
            "answers an error",
            "! app_wrapped_runs.status: enum run_status has values the model does not know: archived",
            "· app_wrapped_runs.region (text) is new: not mapped by the models (ignored by every page).",
            "! The service's index ix_app_wrapped_runs_sec_user_id on app_wrapped_runs (sec_user_id) is gone. "
            "Slowed: the runs search by sec_user_id",
        ]
        for line in expected:
            assert line in output, line
        assert "Pages: the wrapped run list and detail (/admin/wrapped/wrappedrun/)." in output
        assert "Pages: the queue job list and detail (/admin/wrapped/appjob/)." in output
        assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_app_wrapped_runs_sec_user_id ON app_wrapped_runs " in output
        assert "Primary key" not in output

    def test_health_page_shows_the_same_changes(self, client_for):
        page = client_for("admin").get("/admin/health/", {"refresh": "1"}).content.decode()
        assert "app_jobs.attempts: type changed: the model declares integer, the table has bigint." in page
        assert "ix_app_wrapped_runs_sec_user_id on app_wrapped_runs (sec_user_id) is gone" in page

    def test_runs_list_and_filters_work_on_jsonb_payloads(self, client_for, people):
        viewer = client_for("viewer")
        page = viewer.get(RUNS).content.decode()
        assert result_rows(page) == 3
        assert "Running analysis" in page and "Ready" in page and "archived" in page
        for params, run in (
            ({"stage": "analysis"}, "stuck"),
            ({"warnings": "yes"}, "stuck"),
            ({"status__exact": "ready"}, "ready"),
            ({"stage": "ready"}, "ready"),
        ):
            response = viewer.get(RUNS, params)
            assert response.status_code == 200, params
            filtered = response.content.decode()
            assert result_rows(filtered) == 1 and people[run].id in filtered, params

    def test_run_detail_payload_and_search_work(self, client_for, people):
        support = client_for("support")
        stuck = people["stuck"]
        page = support.get(f"{RUNS}{stuck.id}/change/").content.decode()
        assert "Running analysis" in page and "Analysis warning: short history" in page
        raw = support.get(f"{RUNS}{stuck.id}/payload.json").getvalue()
        assert json.loads(raw)["_analysis_warnings"] == ["short history"]
        for term in (stuck.sec_user_id, stuck.id, "ready@example.com"):
            response = support.get(RUNS, {"q": term})
            assert response.status_code == 200 and result_rows(response.content.decode()) == 1, term
        compared = support.get(f"{RUNS}compare/", {"a": people["ready"].id, "b": stuck.id}).content.decode()
        assert re.search(r'diff-path">_analysis_warnings\[0\]</td><td>added', compared)

    def test_every_other_wrapped_page_answers_with_rows(self, client_for, people):
        support = client_for("support")
        stuck = people["stuck"]
        job = stuck.jobs["wrapped_analysis"]
        since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
        pages = {
            f"{RUNS}export.csv": [stuck.id, "Running analysis"],
            f"{RUNS}live/?{urlencode({'since': since, 'seen': 1})}": [stuck.id],
            f"/admin/wrapped/find-person/?q={stuck.id}": [stuck.id, "Running analysis"],
            "/admin/wrapped/appjob/?state=all": [job.id, "5/5", "LLM JSON parse error"],
            f"/admin/wrapped/appjob/{job.id}/change/": ["LLM JSON parse error"],
            "/admin/wrapped/deviceemail/": ["ready@example.com"],
            "/admin/wrapped/appuser/": [stuck.app_user_id],
            f"/admin/wrapped/appuser/{stuck.app_user_id}/change/": [stuck.id],
            "/admin/wrapped/appsession/": [],
            "/admin/wrapped/authjob/": [],
            "/admin/wrapped/referralevent/": [],
        }
        for url, texts in pages.items():
            response = open_detail(support, url)  # a detail page with the sections it loads
            assert response.status_code == 200, url
            body = response.content.decode()
            for text in texts:
                assert text in body, (url, text)

    def test_the_page_that_cannot_survive_says_what_changed(self, client_for):
        response = client_for("viewer").get("/admin/wrapped/referral/")
        assert response.status_code == 503
        page = response.content.decode()
        assert "The source schema has changed" in page
        assert "column referrals.completions does not exist" in page and "manage.py check_sources" in page
        assert "Table referrals lacks column completions (Referral.completions)" in page

    def test_suggested_expression_indexes_take_on_jsonb_payloads(self):
        assert_suggested_expression_indexes_take("jsonb")

    def test_the_payload_type_is_read_once_per_process(self, client_for, people):
        expressions.forget_json_kinds()
        viewer = client_for("viewer")
        with query_log("wrapped") as first:
            assert viewer.get(RUNS).status_code == 200
        with query_log("wrapped") as second:
            assert viewer.get(RUNS, {"stage": "analysis"}).status_code == 200
            assert viewer.get(f"{RUNS}{people['stuck'].id}/change/").status_code == 200
        catalog = [q["sql"] for q in first.captured_queries if "pg_attribute" in q["sql"]]
        assert len(catalog) == 1  # app_wrapped_runs.payload (the list reads no job payload)
        # The detail reads its stage jobs' errors in SQL: app_jobs.payload's type, once.
        catalog = [q["sql"] for q in second.captured_queries if "pg_attribute" in q["sql"]]
        assert len(catalog) <= 1 and all("'app_jobs'" in sql for sql in catalog)
        with query_log("wrapped") as third:
            assert viewer.get(f"{RUNS}{people['stuck'].id}/change/").status_code == 200
        assert not [q for q in third.captured_queries if "pg_attribute" in q["sql"]]
        assert expressions.json_kind() == "jsonb"
        assert any("jsonb_to_record" in q["sql"] for q in second.captured_queries)


# -- 3. a changed primary key ------------------------------------------------------------------------


@pytest.fixture(scope="class")
def changed_key(django_db_setup, django_db_blocker):
    drift = [
        "ALTER TABLE app_wrapped_runs DROP CONSTRAINT app_wrapped_runs_pkey",
        "ALTER TABLE app_wrapped_runs ADD PRIMARY KEY (app_user_id, id)",
    ]
    with drifted_databases({"wrapped": drift}, django_db_blocker, tag="wkey") as names:
        yield names


@pytest.mark.usefixtures("changed_key")
class TestChangedPrimaryKey:
    def test_check_sources_names_the_key(self):
        status, output = run_check()
        assert status == 0, output
        assert (
            "! Primary key of app_wrapped_runs changed: the model's is (id), the table has (app_user_id, id). "
            "(id) is no longer guaranteed unique" in output
        )
        assert "Pages: the wrapped run list and detail (/admin/wrapped/wrappedrun/)." in output

    def test_runs_list_and_detail_still_work(self, client_for):
        run = WrappedRunFactory(stage="analysis")
        viewer = client_for("viewer")
        page = viewer.get(RUNS).content.decode()
        assert result_rows(page) == 1 and run.id in page
        detail = viewer.get(f"{RUNS}{run.id}/change/")
        assert detail.status_code == 200 and "Running analysis" in detail.content.decode()

    def test_a_duplicated_key_is_explained_not_a_500(self, client_for):
        first = WrappedRunFactory()
        WrappedRunFactory(id=first.id)  # another user's run with the same id: the new key allows it
        response = client_for("viewer").get(f"{RUNS}{first.id}/change/")
        assert response.status_code == 503
        page = response.content.decode()
        assert "Several rows of app_wrapped_runs share this id" in page and "manage.py check_sources" in page
        assert "Primary key of app_wrapped_runs changed" in page


# -- the payload's type changing under a running process ---------------------------------------------


@pytest.fixture(scope="class")
def plain_copy(django_db_setup, django_db_blocker):
    with drifted_databases({"wrapped": []}, django_db_blocker, tag="winplace") as names:
        yield names


@pytest.mark.usefixtures("plain_copy")
class TestPayloadTypeChangesWhileRunning:
    def test_the_page_that_meets_it_explains_and_the_next_one_works(self, client_for):
        from tests import seeding

        run = WrappedRunFactory(stage="analysis")
        assert expressions.json_kind() == "json"  # learned before the service's migration
        seeding.execute("wrapped", "ALTER TABLE app_wrapped_runs ALTER COLUMN payload TYPE jsonb USING payload::jsonb")
        viewer = client_for("viewer")
        savepoint = transaction.savepoint(using="wrapped")
        response = viewer.get(RUNS)
        transaction.savepoint_rollback(savepoint, using="wrapped")  # the test's transaction, not the page's
        assert response.status_code == 503
        page = response.content.decode()
        assert "The source schema has changed" in page and "function json_typeof(jsonb) does not exist" in page
        assert "app_wrapped_runs.payload: type changed: the model declares json, the table has jsonb." in page
        again = viewer.get(RUNS)
        assert again.status_code == 200 and run.id in again.content.decode()
