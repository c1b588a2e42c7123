"""Fleet pages where the source has the recommended indexes and the service's hourly aggregate
(created for this module only, dropped after it)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice.health import suggestion
from monitoring.fleet import models, queries
from monitoring.fleet.apps import RECOMMENDED_INDEXES
from tests import seeding
from tests.factories import fleet as f
from tests.pages import change, changelist, open_detail

CREATED = ["bo_events_device", "bo_events_account", "bo_accounts_by_shadowban", "bo_events_resolved_time"]
# The columns of the service's metric_snapshots_hourly continuous aggregate that the chart reads.
HOURLY = """
CREATE TABLE metric_snapshots_hourly (
    bucket timestamptz NOT NULL, distribution_id uuid NOT NULL, views bigint, likes bigint,
    comments bigint, shares bigint, saves bigint, avg_completion_rate numeric, avg_engagement_rate numeric,
    follower_count_at int, views_delta bigint, likes_delta bigint
)
"""


@pytest.fixture(scope="module", autouse=True)
def source_extras(django_db_setup, django_db_blocker):
    # Module scope: dropped after every test transaction that read these tables has ended.
    declared = {name: (table, columns) for table, columns, name, *_ in RECOMMENDED_INDEXES}
    with django_db_blocker.unblock():
        conn = seeding.connection("fleet")
        for name in CREATED:
            table, columns = declared[name]
            conn.execute(suggestion(table, columns, name).replace(" CONCURRENTLY", "", 1))
        conn.execute(HOURLY)
        queries._relations.clear()
        yield
        for name in CREATED:
            conn.execute(f"DROP INDEX {name}")
        conn.execute("DROP TABLE metric_snapshots_hourly")
        queries._relations.clear()


def test_device_and_account_pages_show_their_event_timelines(client_for):
    device = f.DeviceFactory()
    account = f.AccountFactory(device=device)
    now = timezone.now()
    for n in range(25):
        f.SystemEventFactory(
            device=device, account=account, message=f"EVENT-{n:02d}", timestamp=now - dt.timedelta(hours=n)
        )
    f.SystemEventFactory(device=None, account=None, message="SOMEONE-ELSE")
    client = client_for("viewer")
    for model, obj, column in ((models.Device, device, "device_id"), (models.Account, account, "account_id")):
        with CaptureQueriesContext(connections["fleet"]) as ctx:
            html = open_detail(client, change(model, obj.pk)).content.decode()
        section = html.split("Event timeline", 1)[1].split("</fieldset>", 1)[0]
        assert section.count("<tr>") == 1 + queries.EVENTS_LIMIT
        assert section.index("EVENT-00") < section.index("EVENT-01") < section.index("EVENT-19")
        assert "EVENT-20" not in section and "SOMEONE-ELSE" not in section
        assert "no index" not in section
        events_sql = [q["sql"] for q in ctx.captured_queries if 'FROM "system_events"' in q["sql"]]
        assert len(events_sql) == 1 and f'"{column}" =' in events_sql[0] and "LIMIT 20" in events_sql[0]
        assert '"context"' not in events_sql[0]


def _plan(sql: str, table: str) -> str:
    """EXPLAIN with statistics of the rows there, in a transaction rolled back: the statistics go
    with it, so later tests plan on their own data."""
    with seeding.connect("fleet") as conn, conn.transaction(force_rollback=True):
        conn.execute(f"ANALYZE {table}")
        conn.execute("SET LOCAL enable_seqscan = off")
        conn.execute("SET LOCAL enable_sort = off")
        return "\n".join(row[0] for row in conn.execute("EXPLAIN " + sql).fetchall())


def test_shadowbanned_list_reads_its_index_in_the_list_order(client_for):
    f.AccountFactory(username="sb.yes", is_shadowbanned=True)
    f.AccountFactory(username="sb.no")
    seeding.execute(
        "fleet",
        "INSERT INTO accounts (platform, username) SELECT 'tiktok', 'bulk.' || g FROM generate_series(1, 3000) g",
    )
    with CaptureQueriesContext(connections["fleet"]) as ctx:
        html = client_for("viewer").get(changelist(models.Account), {"shadowbanned": "yes"}).content.decode()
    assert ">sb.yes<" in html and ">sb.no<" not in html
    page_sql = next(q["sql"] for q in ctx.captured_queries if 'FROM "accounts"' in q["sql"] and "ORDER BY" in q["sql"])
    plan = _plan(page_sql, "accounts")
    assert "bo_accounts_by_shadowban" in plan and "Sort" not in plan, plan


def test_events_all_view_is_served_in_order_by_an_index(client_for):
    f.SystemEventFactory(resolved=True, message="CLOSED")
    f.SystemEventFactory(message="OPEN")
    seeding.execute(
        "fleet",
        'INSERT INTO system_events ("timestamp", category, severity, event_type, message, resolved) '
        "SELECT now() - g * interval '1 hour', 'device', 'info', 'bulk', 'bulk ' || g, true "
        "FROM generate_series(1, 3000) g",
    )
    with CaptureQueriesContext(connections["fleet"]) as ctx:
        html = client_for("viewer").get(changelist(models.SystemEvent), {"state": "all"}).content.decode()
    assert html.index("OPEN") < html.index("CLOSED")
    page_sql = next(q["sql"] for q in ctx.captured_queries if "ORDER BY" in q["sql"] and "system_events" in q["sql"])
    plan = _plan(page_sql, "system_events")
    assert "bo_events_resolved_time" in plan and "Sort" not in plan, plan


def test_distribution_chart_reads_the_hourly_aggregate_when_the_service_has_it(client_for):
    distribution = f.DistributionFactory()
    f.MetricSnapshotFactory(distribution=distribution, views=31337)  # raw: not read when the aggregate exists
    top = timezone.now().replace(minute=0, second=0, microsecond=0)
    rows = [(top - dt.timedelta(hours=h), 1000 - h, 50 - h, 0.05) for h in (0, 1, 2)]
    rows.append((top - dt.timedelta(days=8), 7, 1, 0.01))  # outside the week before the newest bucket
    for bucket, views, likes, rate in rows:
        seeding.execute(
            "fleet",
            "INSERT INTO metric_snapshots_hourly (bucket, distribution_id, views, likes, avg_engagement_rate) "
            "VALUES (%s, %s, %s, %s, %s)",
            [bucket, distribution.pk, views, likes, rate],
        )
    html = open_detail(client_for("viewer"), change(models.Distribution, distribution.pk)).content.decode()
    spec = json.loads(
        re.search(r'<script id="chart-fleet-distribution-counts" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    assert spec["series"][0]["values"] == [998, 999, 1000]
    assert spec["series"][1]["values"] == [48, 49, 50]
    assert "From metric_snapshots_hourly" in html
    assert "31337" in html  # still in the latest snapshots table, not in the chart
    assert 31337 not in spec["series"][0]["values"]
