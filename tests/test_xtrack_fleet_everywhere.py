"""XTrack and Fleet on the dashboard, in Find anything and in a person's timeline."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from tests import seeding
from tests.factories import fleet as fl
from tests.factories import wrapped as w
from tests.factories import xtrack as x
from tests.test_dashboard import dashboard_html, panel_html, text_of
from tests.test_find import FIND, groups


@pytest.fixture(scope="module", autouse=True)
def jobs_by_user_index(django_db_setup, django_db_blocker):
    # The timeline reaches a person's XTrack jobs through their user only with this recommended
    # index; module scope drops it after every test transaction has ended.
    with django_db_blocker.unblock():
        seeding.connection("xtrack").execute("CREATE INDEX IF NOT EXISTS bo_jobs_user_id ON jobs (user_id)")
        yield
        seeding.connection("xtrack").execute("DROP INDEX bo_jobs_user_id")


def test_xtrack_panel_counts_executions_and_jobs_whose_last_run_failed(client_for):
    now = datetime.now(UTC)
    failing = x.JobFactory()
    x.JobExecutionFactory(job=failing, status="COMPLETED", started_at=now - timedelta(hours=5))
    x.JobExecutionFactory(job=failing, status="FAILED", started_at=now - timedelta(hours=1), error_message="rate limit")
    recovered = x.JobFactory()
    x.JobExecutionFactory(job=recovered, status="FAILED", started_at=now - timedelta(hours=3))
    x.JobExecutionFactory(job=recovered, status="COMPLETED", started_at=now - timedelta(hours=2))
    x.JobExecutionFactory(status="FAILED", started_at=now - timedelta(days=2))  # outside the window
    html = panel_html(dashboard_html(client_for("viewer")), "xtrack", "executions")
    assert "2 completed 0 running 2 failed 1 jobs whose last run failed" in text_of(html)
    assert reverse("admin:xtrack_job_change", args=[failing.pk]) in html
    assert reverse("admin:xtrack_job_change", args=[recovered.pk]) not in html


def test_fleet_panel_calls_out_devices_accounts_events_and_failed_posts(client_for):
    fl.DeviceFactory(status="disconnected", battery_level=12)
    fl.DeviceFactory(storage_free_gb=Decimal("2.00"))
    fl.AccountFactory(current_state="banned")
    fl.AccountFactory(current_state="warming_p1")
    fl.AccountFactory(current_state="banned", deleted_at=datetime.now(UTC))  # soft-deleted: not counted
    fl.SystemEventFactory(severity="critical")
    fl.SystemEventFactory(severity="critical", resolved=True)
    fl.DistributionFactory(status="failed")
    text = text_of(panel_html(dashboard_html(client_for("viewer")), "fleet", "fleet"))
    assert "1 devices disconnected" in text
    assert "1 battery under 20 % 1 storage under 5 GB" in text
    assert "accounts warming" in text and "1 accounts problem" in text
    assert "1 posts failed today" in text
    assert "critical: 1" in text


def test_find_xtrack_user_and_jobs_and_fleet_account_and_device(client_for):
    support = client_for("support")
    user = x.UserFactory(email="reader@example.com")
    job = x.JobFactory(user=user, x_username="Aria_Tweets")
    found = groups(support.get(FIND, {"q": "Reader@Example.com"}).content.decode())
    assert "user " + str(user.pk) in found["XTrack · Users"]
    found = groups(support.get(FIND, {"q": "aria_tweets"}).content.decode())
    assert "Aria_Tweets" not in found.get("XTrack · Jobs by X username", "")  # stored in another case: exact only
    found = groups(support.get(FIND, {"q": "@Aria_Tweets"}).content.decode())
    assert f"job {job.pk}" in found["XTrack · Jobs by X username"]
    account = fl.AccountFactory(username="aria.money", platform="instagram")
    found = groups(support.get(FIND, {"q": "@Aria.Money"}).content.decode())
    assert "instagram @aria.money" in found["Fleet · Accounts by username"]
    device = fl.DeviceFactory(udid="00008110-000A1B2C3D4E5F60")
    html = support.get(FIND, {"q": "00008110-000a1b2c3d4e5f60"}).content.decode()
    assert reverse("admin:fleet_device_change", args=[device.pk]) in html
    html = support.get(FIND, {"q": str(account.pk)}).content.decode()
    assert f"account {account.pk}" in groups(html)["Fleet · Rows by id"]


@pytest.fixture
def person_in_three_sources():
    now = datetime.now(UTC)
    user = w.AppUserFactory(platform_username="aria.money")
    w.AppUserEmailFactory(app_user=user, email="aria@example.com")
    w.WrappedRunFactory(app_user=user, updated_at=(now - timedelta(hours=1)).replace(tzinfo=None))
    reader = x.UserFactory(email="aria@example.com")
    job = x.JobFactory(user=reader, x_username="aria_x")
    x.JobExecutionFactory(job=job, status="FAILED", error_message="rate limited", started_at=now - timedelta(hours=4))
    account = fl.AccountFactory(username="aria.money", created_at=now - timedelta(days=5))
    fl.DistributionFactory(account=account, status="failed", error_message="upload rejected", posted_at=None)
    return {"job": job, "account": account}


def test_timeline_of_a_person_in_three_sources(client_for, person_in_three_sources):
    html = client_for("support").get(reverse("admin:timeline"), {"q": "aria@example.com"}).content.decode()
    body = html.split('class="dash-table timeline"')[1]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))
    assert "wrapped Run ready" in text
    assert f"xtrack Job {person_in_three_sources['job'].pk} run failed FAILED rate limited" in text
    assert "xtrack XTrack account created" in text
    assert "fleet Fleet account tiktok @aria.money created" in text
