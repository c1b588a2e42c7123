"""Source health: a drifted copy of a source DB gives the expected report, and pages survive it.

The drift is staged by tests.drift.drifted_databases from a module-scoped fixture, so every test
of this module reads the drifted wrapped and posters databases through their ordinary
SELECT-only aliases; the other three sources stay on their healthy test databases.

Run: TEST_DB_SUFFIX=_h5 .venv/bin/python -m pytest tests/test_health.py -q
"""

from __future__ import annotations

import uuid
from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from psycopg.adapt import PyFormat

from backoffice import health, health_admin, seeding
from backoffice.health import ERROR, INFO, OK, WARNING, check_source
from tests.drift import drifted_databases

DRIFTS = {
    "wrapped": [
        # a renamed column: WrappedRun.sec_user_id is gone, sec_uid is unknown to the model
        "ALTER TABLE app_wrapped_runs RENAME COLUMN sec_user_id TO sec_uid",
        # a uuid id where the model (CharField) expects text
        "ALTER TABLE app_sessions ALTER COLUMN id TYPE uuid USING id::uuid",
        # the index behind a person's runs (WrappedRun.app_user FK, reverse list "runs")
        "DROP INDEX ix_app_wrapped_runs_app_user_id",
        # a table the service dropped
        "DROP TABLE referral_events",
        # a column the service added
        "ALTER TABLE app_jobs ADD COLUMN shard_key text",
    ],
    "posters": [
        # a text id where the model (UUIDField) expects uuid
        "ALTER TABLE poster_failure_details DROP CONSTRAINT poster_failure_details_poster_id_fkey",
        "ALTER TABLE generated_posters ALTER COLUMN id DROP DEFAULT",
        "ALTER TABLE generated_posters ALTER COLUMN id TYPE text",
        # an index of service_indexes
        "DROP INDEX idx_generated_posters_job_id",
        # an enum value the model does not know
        "ALTER TYPE job_status ADD VALUE 'archived'",
    ],
}
HEALTHY = [alias for alias in settings.CONFIGURED_SOURCES if alias not in DRIFTS]


@pytest.fixture(scope="module")
def drifted(django_db_setup, django_db_blocker):
    with drifted_databases(DRIFTS, django_db_blocker) as names:
        yield names


def lines(report, severity=None, kind=None) -> list[str]:
    return [
        f.message
        for f in report.findings
        if (severity is None or f.severity == severity) and (kind is None or f.kind == kind)
    ]


def run_command(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("check_sources", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


# -- the report ----------------------------------------------------------------------------------


def test_drifted_wrapped_report(drifted):
    report = check_source("wrapped")
    assert report.reachable and report.database == drifted["wrapped"]
    errors = lines(report, ERROR)
    assert any("lacks column sec_user_id" in line and "WrappedRun.sec_user_id" in line for line in errors), errors
    assert "app_wrapped_runs.sec_uid (character varying) is new: not mapped by the models" in " ".join(
        lines(report, INFO, "extra_column")
    )
    assert any("Table referral_events is missing" in line for line in errors)
    assert "app_jobs.shard_key (text) is new: not mapped" in " ".join(lines(report, INFO))
    type_warnings = lines(report, WARNING, "type")
    assert any(
        line.startswith(
            "app_sessions.id: type changed: the model declares character varying, the table has uuid. Reads work"
        )
        and "compare as text" in line
        and "Pages: the session list and detail (/admin/wrapped/appsession/)." in line
        for line in type_warnings
    ), type_warnings
    (gone,) = lines(report, WARNING, "service_index")
    assert gone.startswith(
        "The service's index ix_app_wrapped_runs_app_user_id on app_wrapped_runs (app_user_id) is gone. "
        "Slowed: the runs search by person, the user detail (runs) and Find a person (they now scan"
    )
    assert (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_app_wrapped_runs_app_user_id ON app_wrapped_runs (app_user_id);"
        in report.index_suggestions
    )
    assert report.unusable and report.status == "unusable"


def test_secret_columns_are_not_reported_as_unknown(drifted):
    extra = " ".join(lines(check_source("wrapped"), INFO, "extra_column"))
    assert "token_hash" not in extra and "latest_anchor_token" not in extra and "token_encrypted" not in extra


def test_read_only_is_proven_on_the_drifted_db(drifted):
    report = check_source("wrapped")
    assert report.read_only
    assert report.role == "backoffice_reader"
    assert "Session is read-only (default_transaction_read_only = on)." in lines(report, OK, "read_only")
    assert "Role backoffice_reader cannot create temporary tables." in lines(report, OK, "read_only")
    assert any("cannot write any of the 8 mirrored tables" in line for line in lines(report, OK))
    assert not lines(report, ERROR, "read_only")


def test_drifted_posters_report_text_id_where_uuid_expected(drifted):
    report = check_source("posters")
    type_warnings = lines(report, WARNING, "type")
    assert any(
        line.startswith("generated_posters.id: type changed: the model declares uuid, the table has text.")
        and "compare as text" in line
        for line in type_warnings
    ), type_warnings
    assert any("job_status has values the model does not know: archived" in line for line in lines(report, WARNING))
    assert (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_generated_posters_job_id ON generated_posters (job_id);"
        in report.index_suggestions
    )
    assert any(
        "poster_failure_details.poster_id (uuid) and generated_posters.id (text) differ" in line
        for line in lines(report, WARNING, "join")
    )
    assert not report.breaking()
    assert not report.unusable  # drifted, but every table is there and the role is read-only


@pytest.mark.parametrize("alias", HEALTHY)
def test_healthy_sources_have_no_schema_errors(drifted, alias):
    report = check_source(alias)
    assert report.reachable and report.read_only and not report.unusable
    assert not report.breaking(), report.breaking()
    assert report.server_version
    # the models declare exactly what the services' tables are: no type, key or service index drift
    drift = [
        f.message
        for f in report.findings
        if f.kind in {"type", "primary_key", "service_index", "enum"} and f.severity in (WARNING, ERROR)
    ]
    assert not drift, drift


def test_unreachable_source_is_unusable_with_the_reason(drifted, monkeypatch):
    # A real refused connection: nothing listens on port 1 of loopback.
    monkeypatch.setitem(connections["publishing"].settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connections["publishing"].settings_dict, "PORT", "1")
    report = check_source("publishing")
    assert not report.reachable and report.unusable
    assert "refused" in report.error.lower() or "failed" in report.error.lower()
    assert lines(report, ERROR, "connect")


# -- the command ----------------------------------------------------------------------------------


def test_command_exits_1_for_the_drifted_source(drifted):
    status, output = run_command("--source", "wrapped")
    assert status == 1
    assert "wrapped (Wrapped (TikTok)): UNUSABLE" in output
    assert "✗ Table app_wrapped_runs lacks column sec_user_id" in output
    assert "✗ Table referral_events is missing" in output
    assert "· app_jobs.shard_key (text) is new: not mapped" in output
    assert "! app_sessions.id: type changed: the model declares character varying, the table has uuid." in output
    assert "! The service's index ix_app_wrapped_runs_app_user_id on app_wrapped_runs (app_user_id) is gone" in output
    assert "✓ Session is read-only" in output
    suggestions = output.split("Suggested indexes")[1]
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_app_wrapped_runs_app_user_id" in suggestions
    assert "Unusable source(s): wrapped" in output


def test_command_exits_0_for_the_healthy_sources(drifted):
    args = [arg for alias in HEALTHY for arg in ("--source", alias)]
    status, output = run_command(*args)
    assert status == 0, output
    assert "UNUSABLE" not in output


def test_command_json(drifted):
    import json

    status, output = run_command("--source", "posters", "--json")
    assert status == 0
    (report,) = json.loads(output)
    assert report["alias"] == "posters" and report["unusable"] is False
    assert any(f["kind"] == "type" and f["column"] == "id" for f in report["findings"])


def test_command_refuses_an_unknown_source():
    with pytest.raises(CommandError, match="Not a configured source: nope"):
        call_command("check_sources", "--source", "nope", stdout=StringIO())


# -- pages on a drifted source --------------------------------------------------------------------


def test_other_tables_of_the_drifted_source_keep_working(drifted, client_for):
    viewer = client_for("viewer")
    for url in ("/admin/wrapped/appjob/", "/admin/wrapped/appuser/", "/admin/wrapped/authjob/"):
        response = viewer.get(url)
        assert response.status_code == 200, url


def test_posters_with_text_ids_still_list(drifted, client_for):
    from tests.factories.posters import GeneratedPosterFactory

    GeneratedPosterFactory(id=str(uuid.uuid4()), username="drifted-poster")
    response = client_for("viewer").get("/admin/posters/generatedposter/")
    assert response.status_code == 200
    assert "drifted-poster" in response.content.decode()


def test_posters_detail_with_text_id_opens(drifted, client_for):
    from tests.factories.posters import GeneratedPosterFactory

    poster = GeneratedPosterFactory(id=str(uuid.uuid4()), username="drifted-detail")
    response = client_for("viewer").get(f"/admin/posters/generatedposter/{poster.id}/change/")
    assert response.status_code == 200


def test_untyped_uuid_dumper_lets_uuid_parameters_match_a_text_id(drifted, client_for):
    """backoffice.fields.UntypedUUIDDumper, as registered on every source connection: a uuid.UUID
    parameter compares with a text column (the drifted generated_posters.id), where psycopg's own
    uuid dumper sends '…'::uuid and PostgreSQL refuses text = uuid."""
    import psycopg

    from backoffice.fields import UntypedUUIDDumper
    from monitoring.posters.models import GeneratedPoster
    from tests.factories.posters import GeneratedPosterFactory

    poster = GeneratedPosterFactory(id=str(uuid.uuid4()), username="drifted-fixed")
    connection = connections["posters"]
    connection.ensure_connection()
    assert connection.connection.adapters.get_dumper(uuid.UUID, PyFormat.AUTO) is UntypedUUIDDumper
    assert GeneratedPoster.objects.filter(pk=uuid.UUID(poster.id)).values_list("username", flat=True).get() == (
        "drifted-fixed"
    )
    # psycopg's own dumpers, on a connection the back office did not set up:
    with seeding.connect("posters") as stock, pytest.raises(psycopg.errors.UndefinedFunction, match="text = uuid"):
        stock.execute("SELECT 1 FROM generated_posters WHERE id = %s", [uuid.UUID(poster.id)])
    viewer = client_for("viewer")
    assert viewer.get(f"/admin/posters/generatedposter/{poster.id}/change/").status_code == 200
    found = viewer.get("/admin/posters/generatedposter/", {"q": poster.id})
    assert found.status_code == 200 and "drifted-fixed" in found.content.decode()


def test_a_page_of_the_drifted_table_answers_a_clear_503(drifted, client_for):
    response = client_for("viewer").get("/admin/wrapped/wrappedrun/")
    assert response.status_code == 503
    page = response.content.decode()
    assert "The source schema has changed" in page
    assert "sec_user_id" in page and "check_sources" in page


def test_an_htmx_request_gets_the_error_as_a_fragment_a_detail_section_shows(drifted, client_for):
    from tests.factories.wrapped import AppUserFactory

    user = AppUserFactory()  # its page works; its runs table reads the drifted app_wrapped_runs
    response = client_for("viewer").get(
        f"/admin/wrapped/appuser/{user.app_user_id}/section/runs_table/",
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver/admin/wrapped/appuser/{user.pk}/change/"},
    )
    assert response.status_code == 503 and response["X-Backoffice-Fragment"] == "1"
    fragment = response.content.decode()
    assert "<html" not in fragment and "The source schema has changed" in fragment
    assert "sec_user_id" in fragment
    assert f'<a href="/admin/wrapped/appuser/{user.pk}/change/">Try again</a>' in fragment  # the page, not the section


def test_a_page_of_the_missing_table_answers_a_clear_503(drifted, client_for):
    response = client_for("viewer").get("/admin/wrapped/referralevent/")
    assert response.status_code == 503
    assert "The source schema has changed" in response.content.decode()


# -- admin page and banner --------------------------------------------------------------------------


def test_health_page_for_admin_only(drifted, client_for):
    url = reverse("admin:source_health")
    assert url == "/admin/health/"
    response = client_for("admin").get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Table app_wrapped_runs lacks column sec_user_id" in page
    assert "<pre" in page and "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_app_wrapped_runs_app_user_id" in page
    assert "The service&#x27;s index ix_app_wrapped_runs_app_user_id on app_wrapped_runs (app_user_id) is gone" in page
    assert "Unusable:</strong> wrapped" in page
    assert client_for("operator").get(url).status_code == 403
    assert client_for("viewer").get(url).status_code == 403


def test_health_report_is_cached_for_a_minute(drifted, django_assert_num_queries):
    cache.clear()
    first = health_admin.cached_report("xtrack")
    with django_assert_num_queries(0, connection=connections["xtrack"]):
        again = health_admin.cached_report("xtrack")
    assert again.checked_at == first.checked_at
    assert health_admin.cached_report("xtrack", refresh=True).checked_at > first.checked_at


def test_drift_banner(drifted, client_for):
    request = RequestFactory().get("/admin/wrapped/appjob/")
    banner = health_admin.drift_banner_for(request, "wrapped", table="app_wrapped_runs")
    assert banner.startswith("The wrapped source's table `app_wrapped_runs` lacks column `sec_user_id`")
    assert "Ask an admin to run check_sources." in banner
    assert "(and 1 more schema problem)" in banner
    missing_first = health_admin.drift_banner_for(request, "wrapped", table="referral_events")
    assert missing_first.startswith("The wrapped source's table `referral_events` is missing")
    # a type drift that pages tolerate, and healthy sources: no banner
    assert health_admin.drift_banner_for(request, "posters") is None
    for alias in HEALTHY:
        assert health_admin.drift_banner_for(request, alias) is None
    html = render_to_string("backoffice/drift_banner.html", {"drift_banner": banner})
    assert 'role="alert"' in html and "lacks column `sec_user_id`" in html
    assert render_to_string("backoffice/drift_banner.html", {"drift_banner": None}).strip() == ""


# -- index matching (pure functions) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("indexdef", "wanted", "covered"),
    [
        ("CREATE INDEX ix ON public.t USING btree (app_user_id)", "app_user_id", True),
        ("CREATE INDEX ix ON public.t USING btree (app_user_id, created_at)", "app_user_id", True),
        ("CREATE INDEX ix ON public.t USING btree (created_at, app_user_id)", "app_user_id", False),
        ("CREATE INDEX ix ON public.t USING btree (updated_at, id)", "updated_at DESC, id DESC", True),
        ("CREATE INDEX ix ON public.t USING btree (updated_at DESC, id)", "updated_at DESC, id DESC", False),
        ("CREATE INDEX ix ON public.t USING btree (lower((email)::text))", "lower(email)", True),
        ("CREATE INDEX ix ON public.t USING btree (email)", "lower(email)", False),
        ('CREATE INDEX ix ON public.t USING btree (severity, "timestamp" DESC)', 'severity, "timestamp" DESC', True),
        ("CREATE INDEX ix ON public.t USING gin (metadata)", "USING gin (metadata)", True),
        ("CREATE INDEX ix ON public.t USING btree (metadata)", "USING gin (metadata)", False),
        ("CREATE INDEX ix ON public.t USING btree (status) WHERE (NOT resolved)", "status", False),
        ("CREATE INDEX ix ON public.t USING btree (job_id) INCLUDE (status)", "job_id", True),
    ],
)
def test_index_coverage(indexdef, wanted, covered):
    assert health.covers(health.parse_indexdef(indexdef), health.parse_columns(wanted)) is covered


def test_suggestions_quote_and_handle_methods_and_partitions():
    assert health.suggestion("user", "email", "bo_user_email") == (
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS bo_user_email ON "user" (email);'
    )
    assert health.suggestion("generated_posters", "USING gin (metadata)", "ix_meta") == (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_meta ON generated_posters USING gin (metadata);"
    )
    partitioned = health.suggestion("activity_log", 'account_id, "timestamp" DESC', "ix_act", partitioned=True)
    assert "ON ONLY activity_log" in partitioned and "each partition" in partitioned
