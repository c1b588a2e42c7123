"""Fleet pages: lists, details, identifier search, secrets, query budgets, bounded related rows."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib import admin
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice import seeding
from backoffice.demo.data import fleet as fleet_data
from monitoring.fleet import models
from monitoring.fleet.models import HOT_INDEXES, SECRET_COLUMNS
from tests.factories import fleet as f
from tests.pages import change, changelist, result_rows

REGISTERED = [
    models.Niche,
    models.Proxy,
    models.Device,
    models.Account,
    models.SystemEvent,
    models.Hook,
    models.Content,
    models.ContentAsset,
    models.ContentFlag,
    models.Distribution,
    models.TrendingTopic,
    models.WarmingProgress,
    models.NicheSubredditMap,
]
NOT_REGISTERED = [models.ActivityLog, models.MetricSnapshot, models.AccountHealthSnapshot]
MAIN_LISTS = [
    models.Account,
    models.Distribution,
    models.SystemEvent,
    models.Content,
    models.WarmingProgress,
    models.Device,
    models.ContentAsset,
]


@pytest.fixture
def world():
    device = f.DeviceFactory()
    account = f.AccountFactory(device=device)
    content = f.ContentFactory(niche=account.niche)
    distribution = f.DistributionFactory(account=account, content=content)
    return {
        "device": device,
        "account": account,
        "content": content,
        "distribution": distribution,
        "event": f.SystemEventFactory(device=device, account=account),
        "asset": f.ContentAssetFactory(content=content),
        "flag": f.ContentFlagFactory(content=content),
        "topic": f.TrendingTopicFactory(niche=account.niche),
        "warming": f.WarmingProgressFactory(account=account),
        "subreddit": f.NicheSubredditMapFactory(niche=account.niche),
        "activity": f.ActivityLogFactory(account=account, device=device, error_message="RECENT-ACTIVITY-ROW"),
        "snapshot": f.MetricSnapshotFactory(distribution=distribution, views=987654),
        "health": f.AccountHealthSnapshotFactory(account=account),
    }


def test_every_list_and_detail_opens_for_viewer(client_for, world):
    client = client_for("viewer")
    objects = {
        models.Niche: world["account"].niche,
        models.Proxy: world["account"].proxy,
        models.Device: world["device"],
        models.Account: world["account"],
        models.SystemEvent: world["event"],
        models.Hook: world["content"].hook,
        models.Content: world["content"],
        models.ContentAsset: world["asset"],
        models.ContentFlag: world["flag"],
        models.Distribution: world["distribution"],
        models.TrendingTopic: world["topic"],
        models.WarmingProgress: world["warming"],
        models.NicheSubredditMap: world["subreddit"],
    }
    for model in REGISTERED:
        response = client.get(changelist(model))
        assert response.status_code == 200, model
        assert result_rows(response.content.decode()) >= 1, model
        response = client.get(change(model, objects[model].pk))
        assert response.status_code == 200, model


def test_keyless_tables_have_no_pages_of_their_own():
    for model in NOT_REGISTERED:
        assert model not in admin.site._registry


def test_account_detail_shows_bounded_related_rows(client_for, world):
    account = world["account"]
    # 60 recent rows (only 50 may show) and one older than the 7-day window
    seeding.execute(
        "fleet",
        'INSERT INTO activity_log (account_id, device_id, activity_type, success, "timestamp") '
        "SELECT %s, %s, 'like', true, now() - g * interval '1 hour' FROM generate_series(2, 61) g",
        [account.pk, world["device"].pk],
    )
    f.ActivityLogFactory(
        account=account, timestamp=timezone.now() - dt.timedelta(days=10), error_message="OLD-ACTIVITY-ROW"
    )
    client = client_for("viewer")
    with CaptureQueriesContext(connections["fleet"]) as ctx:
        response = client.get(change(models.Account, account.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "RECENT-ACTIVITY-ROW" in html
    assert "OLD-ACTIVITY-ROW" not in html
    activity_sql = [q["sql"] for q in ctx.captured_queries if 'FROM "activity_log"' in q["sql"]]
    assert len(activity_sql) == 1
    assert "LIMIT 50" in activity_sql[0] and '"timestamp" >=' in activity_sql[0]
    section = html.split("Activity (last 7 days)", 1)[1].split("</fieldset>", 1)[0]
    assert section.count("<tr>") == 1 + 50  # header + 50 rows
    # distributions, warming, health, events are there and every related query is bounded
    assert world["distribution"].post_id_on_platform in html
    assert world["event"].message in html
    for query in ctx.captured_queries:
        if any(
            t in query["sql"]
            for t in (
                'FROM "distributions"',
                'FROM "system_events"',
                'FROM "account_health_snapshots"',
                'FROM "warming_progress"',
            )
        ):
            assert "LIMIT" in query["sql"], query["sql"]


def test_distribution_detail_shows_latest_snapshots(client_for, world):
    client = client_for("viewer")
    with CaptureQueriesContext(connections["fleet"]) as ctx:
        response = client.get(change(models.Distribution, world["distribution"].pk))
    assert response.status_code == 200
    assert "987654" in response.content.decode()
    snap_sql = [q["sql"] for q in ctx.captured_queries if 'FROM "metric_snapshots"' in q["sql"]]
    assert len(snap_sql) == 1 and "LIMIT 50" in snap_sql[0]
    assert "#fyp" in response.content.decode()


def test_device_detail_shows_accounts_and_events(client_for, world):
    response = client_for("viewer").get(change(models.Device, world["device"].pk))
    html = response.content.decode()
    assert world["account"].username in html
    assert world["event"].message in html


@pytest.mark.parametrize(
    ("model", "term", "key"),
    [
        (models.Account, "account_id", "account"),
        (models.Account, "username", "account"),
        (models.Device, "udid", "device"),
        (models.SystemEvent, "id", "event"),
        (models.Distribution, "post_id_on_platform", "distribution"),
        (models.Distribution, "id", "distribution"),
        (models.Content, "temporal_workflow_id", "content"),
    ],
)
def test_search_finds_by_identifier(client_for, world, model, term, key):
    obj = world[key]
    value = str(obj.pk) if term in ("id", "account_id") else str(getattr(obj, term))
    other = f.AccountFactory() if model is models.Account else None
    response = client_for("viewer").get(changelist(model), {"q": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert result_rows(html) == 1
    if other is not None:
        assert other.username not in html


def test_search_nonmatching_and_non_uuid_text(client_for, world):
    client = client_for("viewer")
    response = client.get(changelist(models.Account), {"q": "nobody-has-this-name"})
    assert response.status_code == 200 and result_rows(response.content.decode()) == 0
    # lists searchable by UUID only: free text must not reach a uuid comparison
    for model in (models.TrendingTopic, models.Hook, models.Account):
        response = client.get(changelist(model), {"q": "not-a-uuid'; DROP"})
        assert response.status_code == 200
        assert result_rows(response.content.decode()) == 0
    response = client.get(changelist(models.SystemEvent), {"q": "12345678901234567890123"})
    assert response.status_code == 200


def test_search_finds_soft_deleted_account_but_list_hides_it(client_for):
    gone = f.AccountFactory(deleted_at=timezone.now())
    client = client_for("viewer")
    assert gone.username not in client.get(changelist(models.Account)).content.decode()
    assert result_rows(client.get(changelist(models.Account), {"q": str(gone.pk)}).content.decode()) == 1
    assert gone.username in client.get(changelist(models.Account), {"deleted": "yes"}).content.decode()


def test_system_events_default_to_unresolved(client_for):
    open_event = f.SystemEventFactory(message="OPEN-EVENT")
    f.SystemEventFactory(message="CLOSED-EVENT", resolved=True, resolved_by="human")
    client = client_for("viewer")
    html = client.get(changelist(models.SystemEvent)).content.decode()
    assert "OPEN-EVENT" in html and "CLOSED-EVENT" not in html
    html = client.get(changelist(models.SystemEvent), {"state": "all"}).content.decode()
    assert "CLOSED-EVENT" in html
    html = client.get(changelist(models.SystemEvent), {"severity": "critical"}).content.decode()
    assert "OPEN-EVENT" not in html
    assert open_event.pk


SECRET_MARKERS = [b"EMAIL-ENC-SECRET-MARKER", b"PROXY-CRED-SECRET-MARKER"]


def test_secrets_are_not_mapped_and_never_rendered(client_for, world):
    proxy = f.ProxyFactory(secrets={"credentials_enc": SECRET_MARKERS[1]})
    account = f.AccountFactory(
        proxy=proxy,
        device=world["device"],
        secrets={
            "email_enc": SECRET_MARKERS[0],
            "password_enc": SECRET_MARKERS[0],
            "totp_secret_enc": SECRET_MARKERS[0],
            "proxy_credentials": "LEGACY-PROXYCRED-MARKER",
        },
    )
    with seeding.connect("fleet") as conn:  # the markers really are in the source
        assert (
            conn.execute("SELECT email_enc FROM accounts WHERE id = %s", [account.pk]).fetchone()[0]
            == (SECRET_MARKERS[0])
        )
    for table, columns in SECRET_COLUMNS.items():
        model = next(m for m in [*REGISTERED, *NOT_REGISTERED] if m._meta.db_table == table)
        mapped = {field.column for field in model._meta.concrete_fields}
        assert not mapped & set(columns), table
    client = client_for("admin")
    pages = [
        changelist(models.Account),
        change(models.Account, account.pk),
        changelist(models.Proxy),
        change(models.Proxy, proxy.pk),
        change(models.Device, world["device"].pk),
        changelist(models.SystemEvent),
        change(models.SystemEvent, world["event"].pk),
    ]
    with CaptureQueriesContext(connections["fleet"]) as ctx:
        for url in pages:
            body = client.get(url).content
            for marker in SECRET_MARKERS:
                assert marker not in body
                assert marker.hex().encode() not in body
            assert b"LEGACY-PROXYCRED-MARKER" not in body
    selected = " ".join(q["sql"] for q in ctx.captured_queries)
    for columns in SECRET_COLUMNS.values():
        for column in columns:
            assert column not in selected


@pytest.fixture
def generated():
    seeding.dirty_aliases.add("fleet")
    with seeding.connect("fleet") as conn:
        return fleet_data.generate(conn, scale=0.2)


@pytest.mark.parametrize("model", MAIN_LISTS)
def test_changelist_query_count_does_not_grow_with_page_size(client_for, generated, monkeypatch, model):
    client = client_for("viewer")
    model_admin = admin.site._registry[model]
    client.get(changelist(model))  # warm-up: once-per-process checks (schema drift) are not per page
    counts, rows = [], []
    for per_page in (20, 100):
        monkeypatch.setattr(model_admin, "list_per_page", per_page)
        with CaptureQueriesContext(connections["fleet"]) as ctx:
            response = client.get(changelist(model), {"state": "all"} if model is models.SystemEvent else {})
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
        data_queries = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
        assert len(data_queries) <= 2, [q["sql"][:120] for q in data_queries]  # count (or estimate) + page
        rows.append(result_rows(response.content.decode()))
        # JSON payloads and wide text never load on a list
        listing = " ".join(q["sql"] for q in ctx.captured_queries)
        for column in (
            "script_json",
            "file_paths",
            "script_text",
            '"context"',
            "detail_json",
            "metrics_json",
            '"metadata"',
        ):
            assert column not in listing, (model, column)
    assert counts[0] == counts[1], counts
    total = generated[model._meta.db_table]
    assert rows[0] == min(20, total) and rows[1] >= min(90, total), rows


def test_generate_fills_every_table_and_pages_render(client_for, generated):
    assert set(generated) == set(fleet_data.TABLES)
    assert all(n > 0 for n in generated.values()), generated
    with seeding.connect("fleet") as conn:
        # every enum value of the main statuses is present
        for table, column, enum in [
            ("accounts", "current_state", "account_state"),
            ("accounts", "platform", "platform_type"),
            ("devices", "status", "device_status"),
            ("distributions", "status", "distribution_status"),
            ("content", "production_status", "production_status"),
            ("activity_log", "activity_type", "activity_type"),
        ]:
            present = conn.execute(f"SELECT count(DISTINCT {column}) FROM {table}").fetchone()[0]
            total = conn.execute(f"SELECT cardinality(enum_range(NULL::{enum}))").fetchone()[0]
            assert present == total, (table, column)
        # activity rows landed in monthly partitions, not the default one
        assert conn.execute("SELECT count(*) FROM activity_log_default").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM accounts WHERE email_enc IS NULL").fetchone()[0] == 0
    client = client_for("viewer")
    for model in REGISTERED:
        response = client.get(changelist(model))
        assert response.status_code == 200, model
        assert result_rows(response.content.decode()) > 0, model
    account_id = models.Account.objects.values_list("pk", flat=True).first()
    assert client.get(change(models.Account, account_id)).status_code == 200


def test_hot_indexes_exist_in_schema():
    with seeding.connect("fleet") as conn:
        names = {row[0] for row in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    missing = [name for _table, _cols, name in HOT_INDEXES if name not in names]
    assert not missing


def test_uuid_search_on_unknown_id_is_empty(client_for, world):
    response = client_for("viewer").get(changelist(models.Distribution), {"q": str(uuid.uuid4())})
    assert response.status_code == 200 and result_rows(response.content.decode()) == 0
