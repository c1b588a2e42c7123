"""The demo generator fills the Wrapped tables with data that exercises every page and state."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from backoffice.demo import loader
from monitoring.wrapped import demo_data as wrapped
from monitoring.wrapped.models import AppJob, WrappedRun
from tests import seeding

# Seed 000's derived stage, computed from the payload (the payload is `json`, so no casts needed).
STAGE_SQL = """
    CASE WHEN status = 'ready' THEN 'ready'
         WHEN (payload -> 'data_jobs' -> 'watch_history' ->> 'status') IS DISTINCT FROM 'succeeded' THEN 'watch_history'
         WHEN (payload -> 'data_jobs' -> 'wrapped_analysis' ->> 'status') IS DISTINCT FROM 'succeeded' THEN 'analysis'
         WHEN (payload -> 'data_jobs' -> 'email_send' ->> 'status') IS DISTINCT FROM 'succeeded' THEN 'email'
         ELSE 'unknown' END
"""
TABLES = [
    "app_users",
    "app_user_emails",
    "device_emails",
    "app_sessions",
    "app_auth_jobs",
    "app_jobs",
    "app_wrapped_runs",
    "referrals",
    "referral_events",
]


@pytest.fixture
def demo():
    """Wrapped demo data at scale 0.1 (truncated again after the test)."""
    seeding.dirty_aliases.add("wrapped")
    with seeding.connect("wrapped") as conn:
        counts = wrapped.generate(conn, scale=0.1, big_payloads=1)
        yield conn, counts


def values(conn, query: str) -> set:
    return {row[0] for row in conn.execute(query)}


def test_every_table_gets_rows(demo):
    conn, counts = demo
    for table in TABLES:
        assert counts[table] > 0, table
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == counts[table]
    assert counts["app_wrapped_runs"] == 400
    assert 3 * counts["app_wrapped_runs"] > counts["app_jobs"] > 2 * counts["app_wrapped_runs"]


def test_every_derived_stage_occurs(demo):
    conn, _ = demo
    stages = values(conn, f"SELECT DISTINCT {STAGE_SQL} FROM app_wrapped_runs")
    assert stages == {"ready", "watch_history", "analysis", "email", "unknown"}


def test_every_state_machine_status_occurs(demo):
    conn, _ = demo
    assert values(conn, "SELECT DISTINCT status FROM app_wrapped_runs") == {"pending", "ready", "failed"}
    assert values(conn, "SELECT DISTINCT status FROM app_jobs") == {"pending", "running", "succeeded", "failed"}
    assert values(conn, "SELECT DISTINCT task_name FROM app_jobs") == {
        "watch_history_fetch_2025",
        "wrapped_analysis",
        "email_send",
        "xordi_finalize",
        "reauth_notify",
    }
    assert values(conn, "SELECT DISTINCT status FROM app_auth_jobs") == {
        "pending",
        "finalizing",
        "finalized",
        "failed",
        "expired",
    }
    progress = values(conn, "SELECT DISTINCT payload -> '_watch_history_progress' ->> 'status' FROM app_wrapped_runs")
    assert {"running", "scrape_done", "succeeded", "failed"} <= progress
    assert values(conn, "SELECT count(*) > 0 FROM app_auth_jobs WHERE last_error = 'token expired, needs reauth'") == {
        True
    }


def test_payload_job_ids_point_at_matching_jobs(demo):
    conn, _ = demo
    for key in ("watch_history", "wrapped_analysis", "email_send"):
        mismatched = conn.execute(
            f"""SELECT count(*) FROM app_wrapped_runs r LEFT JOIN app_jobs j
                ON j.id = r.payload -> 'data_jobs' -> '{key}' ->> 'id'
                WHERE json_typeof(r.payload -> 'data_jobs' -> '{key}') = 'object'
                  AND j.status IS DISTINCT FROM r.payload -> 'data_jobs' -> '{key}' ->> 'status'"""
        ).fetchone()[0]
        assert mismatched == 0, key
    orphans = conn.execute(
        "SELECT count(*) FROM app_wrapped_runs r LEFT JOIN app_jobs j ON j.id = r.watch_history_job_id "
        "WHERE j.id IS NULL OR j.task_name <> 'watch_history_fetch_2025'"
    ).fetchone()[0]
    assert orphans == 0


def test_odd_payloads_and_people_outside_app_users(demo):
    conn, _ = demo
    odd = conn.execute(
        """SELECT count(*) FILTER (WHERE payload -> 'data_jobs' IS NULL),
                  count(*) FILTER (WHERE json_typeof(payload -> 'data_jobs' -> 'watch_history') = 'string'),
                  count(*) FILTER (WHERE json_typeof(payload -> '_analysis_warnings') = 'string'),
                  count(*) FILTER (WHERE json_typeof(payload -> '_watch_history_progress' -> 'videos_fetched_total')
                                         = 'string'),
                  count(*) FILTER (WHERE email IS NULL),
                  count(*) FILTER (WHERE octet_length(payload::text) > 4000000)
           FROM app_wrapped_runs"""
    ).fetchone()
    assert all(odd), odd
    device_only = conn.execute(
        "SELECT count(*) FROM device_emails d WHERE NOT EXISTS "
        "(SELECT 1 FROM app_user_emails e WHERE e.email = d.email)"
    ).fetchone()[0]
    assert device_only > 0
    assert values(conn, "SELECT bool_and(email = lower(email)) FROM device_emails") == {True}


def test_secrets_are_recognisable(demo):
    conn, _ = demo
    for table, column in [
        ("app_users", "latest_anchor_token"),
        ("app_sessions", "token_hash"),
        ("app_sessions", "token_encrypted"),
        ("app_wrapped_runs", "token_hash"),
    ]:
        assert values(conn, f"SELECT bool_and({column} LIKE 'SECRET-%') FROM {table}") == {True}, column


def test_django_reads_the_generated_rows(demo):
    run = WrappedRun.objects.filter(status="ready").order_by("id").first()
    assert isinstance(run.payload, dict)
    assert AppJob.objects.filter(idempotency_key=f"wrapped_analysis:{run.id}").exists()


def test_loader_reuses_existing_data(settings):
    settings.CONFIGURED_SOURCES = ("wrapped",)
    seeding.dirty_aliases.add("wrapped")
    first = loader.load_demo_data(scale=0.1)
    assert first["wrapped"]["status"] == "loaded"
    assert first["wrapped"]["rows"]["app_wrapped_runs"] == 400
    second = loader.load_demo_data(scale=0.1)
    assert second["wrapped"]["status"] == "kept"
    assert WrappedRun.objects.count() == 400


# -- the demo never reaches a database by accident ---------------------------------------------------


@pytest.mark.parametrize(
    ("command", "args", "missing"),
    [
        ("seed_sources", [], "wrapped, posters, xtrack, publishing, fleet"),
        ("seed_sources", ["--i-mean-it=wrapped", "--i-mean-it=fleet"], "posters, xtrack, publishing"),
        ("demo", ["--no-serve", "--i-mean-it=wrapped"], "default, posters, xtrack, publishing, fleet"),
    ],
)
def test_demo_commands_refuse_databases_outside_the_embedded_server(settings, command, args, missing):
    settings.EMBEDDED = False  # as when database URLs are set
    with seeding.connect("wrapped") as conn:
        before = conn.execute("SELECT count(*) FROM app_wrapped_runs").fetchone()[0]
    with pytest.raises(CommandError, match=f"Refusing to write demo data.*{missing} would be written"):
        call_command(command, "--scale", "0.01", *args, stdout=StringIO())
    with seeding.connect("wrapped") as conn:
        assert conn.execute("SELECT count(*) FROM app_wrapped_runs").fetchone()[0] == before


def test_naming_every_target_lets_seed_sources_write(settings):
    settings.EMBEDDED = False
    seeding.dirty_aliases.update(settings.CONFIGURED_SOURCES)
    targets = [f"--i-mean-it={alias}" for alias in settings.CONFIGURED_SOURCES]
    out = StringIO()
    call_command("seed_sources", "--scale", "0.01", *targets, stdout=out)
    assert "source(s) loaded" in out.getvalue()
