"""Fleet pages: lists, details, identifier search, secrets, query budgets, bounded related rows."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring.fleet import demo_data as fleet_data
from monitoring.fleet import models
from monitoring.fleet.apps import RECOMMENDED_INDEXES, SECRET_COLUMNS, SERVICE_INDEXES
from tests import seeding
from tests.factories import fleet as f
from tests.pages import change, changelist, list_page_queries, open_detail, query_log, result_rows

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
]
NOT_REGISTERED = [models.ActivityLog, models.MetricSnapshot, models.AccountHealthSnapshot, models.NicheSubredditMap]
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
    with query_log("fleet") as ctx:
        response = open_detail(client, change(models.Account, account.pk))
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
    # the source lacks (account_id, "timestamp" DESC): the page says so and reads no event
    assert world["event"].message not in html
    assert "no index bo_events_account" in html
    assert not [q for q in ctx.captured_queries if 'FROM "system_events"' in q["sql"]]
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
    with query_log("fleet") as ctx:
        response = open_detail(client, change(models.Distribution, world["distribution"].pk))
    assert response.status_code == 200
    assert "987654" in response.content.decode()
    snap_sql = [q["sql"] for q in ctx.captured_queries if 'FROM "metric_snapshots"' in q["sql"]]
    assert len(snap_sql) == 1 and "LIMIT 50" in snap_sql[0]
    assert "#fyp" in response.content.decode()


def test_device_detail_shows_its_accounts_and_says_why_no_events(client_for, world):
    gone = f.AccountFactory(device=world["device"], deleted_at=timezone.now() - dt.timedelta(days=3))
    other = f.AccountFactory()
    response = open_detail(client_for("viewer"), change(models.Device, world["device"].pk))
    html = response.content.decode()
    section = html.split("Accounts on this device", 1)[1].split("</fieldset>", 1)[0]
    assert section.count("<tr>") == 1 + 2
    assert world["account"].username in section and gone.username in section
    assert other.username not in section
    assert change(models.Account, world["account"].pk) in section
    assert "3 d ago" in section  # deleted, humanised
    assert world["event"].message not in html
    assert "no index bo_events_device" in html


def test_device_detail_reads_its_accounts_in_one_query_whatever_their_number(client_for):
    device = f.DeviceFactory()
    f.AccountFactory(device=device, username="first.one", last_activity_at=timezone.now() - dt.timedelta(hours=2))
    client = client_for("viewer")

    def detail():
        with query_log("fleet") as log:
            html = open_detail(client, change(models.Device, device.pk)).content.decode()
        return html, len(log.selects())

    detail()  # fills the per-process cache of the source's indexes
    html, one = detail()
    assert "2 h ago" in html.split("Accounts on this device", 1)[1].split("</fieldset>", 1)[0]
    for n in range(10):
        f.AccountFactory(device=device, username=f"more.{n}", last_activity_at=timezone.now())
    html, eleven = detail()
    assert "more.9" in html and one == eleven  # no query per account (the last activity is loaded with the row)


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
            "phone_number_enc": SECRET_MARKERS[0],
            "totp_secret_enc": SECRET_MARKERS[0],
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
    with query_log("fleet") as ctx:
        for url in pages:
            body = client.get(url).content
            for marker in SECRET_MARKERS:
                assert marker not in body
                assert marker.hex().encode() not in body
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
    client.get(changelist(model))  # warm-up: once-per-process checks (schema drift) are not per page
    counts, rows = [], []
    for per_page in (20, 100):
        response, ctx = list_page_queries(
            client, model, per_page, {"state": "all"} if model is models.SystemEvent else {}
        )
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
        data_queries = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
        assert len(data_queries) <= 2, [q["sql"][:120] for q in data_queries]  # count (or estimate) + page
        rows.append(result_rows(response.content.decode()))
        # JSON payloads and wide text never load on a list
        listing = " ".join(q["sql"] for q in ctx.captured_queries)
        for column in (
            "file_paths",
            "script_text",
            '"context"',
            "detail_json",
            "metrics_json",
            "metadata_json",
            "automod_rules_json",
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
        # activity rows landed in the monthly partitions
        assert (
            conn.execute(
                "SELECT count(*) FROM activity_log WHERE tableoid::regclass::text !~ '^activity_log_[0-9]{4}_[0-9]{2}$'"
            ).fetchone()[0]
            == 0
        )
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
    missing = [name for _table, _cols, name in SERVICE_INDEXES if name not in names]
    assert not missing
    # the back office's own suggestions are reported by check_sources, never built into the source
    assert [name for _table, _cols, name, *_pages in RECOMMENDED_INDEXES if name in names] == []


def test_uuid_search_on_unknown_id_is_empty(client_for, world):
    response = client_for("viewer").get(changelist(models.Distribution), {"q": str(uuid.uuid4())})
    assert response.status_code == 200 and result_rows(response.content.decode()) == 0


def test_niche_detail_shows_its_subreddits_bounded(client_for, world):
    niche = world["account"].niche
    for n in range(55):
        f.NicheSubredditMapFactory(niche=niche, subreddit_name=f"zz_extra_{n:02d}", automod_rules_json=None)
    client = client_for("viewer")
    with query_log("fleet") as ctx:
        response = open_detail(client, change(models.Niche, niche.pk))
    html = response.content.decode()
    assert response.status_code == 200
    sub_sql = [q["sql"] for q in ctx.captured_queries if 'FROM "niche_subreddit_map"' in q["sql"]]
    assert len(sub_sql) == 1 and "LIMIT 50" in sub_sql[0]
    subreddit = world["subreddit"]
    assert f"r/{subreddit.subreddit_name}" in html  # sorts before the zz_ rows
    assert "min_title_length" in html and "6:00:00" in html
    section = html.split("Subreddits", 1)[1].split("</fieldset>", 1)[0]
    assert section.count("<tr>") == 1 + 50


def test_account_detail_shows_health_snapshots_newest_first(client_for, world):
    account = world["account"]
    older = f.AccountHealthSnapshotFactory(
        account=account, time=timezone.now() - dt.timedelta(days=2), action_blocks_24h=7, reach_rate=None
    )
    html = open_detail(client_for("viewer"), change(models.Account, account.pk)).content.decode()
    section = html.split("Health snapshots", 1)[1].split("</fieldset>", 1)[0]
    assert "0.4120" in section and "blocks 24h" in section
    newest, oldest = (
        section.index(world["health"].time.strftime("%Y-%m-%d %H:%M")),
        section.index(older.time.strftime("%Y-%m-%d %H:%M")),
    )
    assert newest < oldest


def test_distribution_detail_shows_its_flags(client_for, world):
    flag = f.ContentFlagFactory(
        content=None, distribution=world["distribution"], detail_text="SHADOWBAN-SUSPECTED", flag_type="shadowban"
    )
    html = open_detail(client_for("viewer"), change(models.Distribution, world["distribution"].pk)).content.decode()
    assert "SHADOWBAN-SUSPECTED" in html and change(models.ContentFlag, flag.pk) in html


@pytest.fixture
def null_world():
    """Rows with every nullable column NULL, as the service leaves them."""
    niche = f.NicheFactory(config_yaml=None)
    proxy = f.ProxyFactory(
        geo_country=None,
        geo_region=None,
        geo_city=None,
        ip_reputation_score=None,
        last_health_check=None,
        secrets={"credentials_enc": None},
    )
    device = f.DeviceFactory(
        name=None, wda_port=None, current_proxy=None, connected_since=None, battery_level=None, storage_free_gb=None
    )
    account = f.AccountFactory(
        display_name=None,
        niche=None,
        device=None,
        proxy=None,
        bio_text=None,
        last_activity_at=None,
        secrets={},
        username="null.account",
    )
    hook = f.HookFactory(
        template_text=None,
        emotional_tone=None,
        platform=None,
        niche=None,
        avg_3s_retention=None,
        avg_engagement_rate=None,
        performance_score=None,
    )
    content = f.ContentFactory(
        niche=niche,
        script_text=None,
        hook=None,
        quality_score=None,
        duration_seconds=None,
        temporal_workflow_id=None,
        file_paths={},
    )
    distribution = f.DistributionFactory(
        content=content,
        account=account,
        status="queued",
        posted_at=None,
        post_url=None,
        post_id_on_platform=None,
        caption_text=None,
        hashtags=None,
        posted_via=None,
    )
    return {
        models.Niche: niche,
        models.Proxy: proxy,
        models.Device: device,
        models.Account: account,
        models.SystemEvent: f.SystemEventFactory(device=None, account=None, context=None, resolved=None),
        models.Hook: hook,
        models.Content: content,
        models.ContentAsset: f.ContentAssetFactory(content=content, duration_seconds=None, metadata_json=None),
        models.ContentFlag: f.ContentFlagFactory(
            content=None, distribution=distribution, platform=None, detail_text=None
        ),
        models.Distribution: distribution,
        models.TrendingTopic: f.TrendingTopicFactory(topic_text=None, hashtag=None, niche=None, trend_score=None),
        models.WarmingProgress: f.WarmingProgressFactory(account=account, metrics_json=None),
    }


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_every_page_opens_for_admin_with_null_rows(client_for, world, null_world, model):
    f.ActivityLogFactory(account=null_world[models.Account], device=None, detail_json=None)
    f.MetricSnapshotFactory(
        distribution=null_world[models.Distribution], completion_rate=None, engagement_rate=None, source_breakdown=None
    )
    f.AccountHealthSnapshotFactory(account=null_world[models.Account], reach_rate=None, growth_rate_7d=None)
    client = client_for("admin")
    obj = null_world[model]
    listing = client.get(changelist(model), {"state": "all"} if model is models.SystemEvent else {})
    assert listing.status_code == 200
    assert change(model, obj.pk) in listing.content.decode()
    response = client.get(change(model, obj.pk))
    assert response.status_code == 200
    assert str(obj.pk) in response.content.decode()


def test_null_rows_show_what_the_table_holds(client_for, null_world):
    client = client_for("admin")
    html = client.get(changelist(models.Device)).content.decode()
    assert null_world[models.Device].udid in html  # a device without a name shows its UDID
    html = client.get(changelist(models.TrendingTopic)).content.decode()
    assert str(null_world[models.TrendingTopic].pk)[:8] in html  # no topic text, no hashtag
    html = client.get(change(models.Account, null_world[models.Account].pk)).content.decode()
    assert "null.account" in html


def test_fleet_numbers_are_numeric_as_in_the_service(client_for, world):
    hook = world["content"].hook
    html = client_for("viewer").get(change(models.Hook, hook.pk)).content.decode()
    assert "61.250" in html and "8.0000" in html
    html = client_for("viewer").get(change(models.Proxy, world["account"].proxy.pk)).content.decode()
    assert "87.50" in html


# -- devices -----------------------------------------------------------------------------------------


def _row_of(html: str, text: str) -> str:
    """The list row (<tr>…</tr>) that contains `text`."""
    body = html.split('<table id="result_list">', 1)[1]
    return next(row for row in body.split("<tr") if text in row)


def test_device_list_counts_live_accounts_of_the_page_and_calls_out_low_levels(client_for):
    busy = f.DeviceFactory(name="iPhone-busy", battery_level=12, storage_free_gb=Decimal("3.20"))
    f.DeviceFactory(name="iPhone-idle", status="disconnected", battery_level=None, storage_free_gb=None)
    f.AccountFactory(device=busy)
    f.AccountFactory(device=busy)
    f.AccountFactory(device=busy, deleted_at=timezone.now())  # deleted: not counted
    with CaptureQueriesContext(connections["fleet"]) as ctx:
        html = client_for("viewer").get(changelist(models.Device)).content.decode()
    busy_row, idle_row = _row_of(html, "iPhone-busy"), _row_of(html, "iPhone-idle")
    assert '<td class="field-account_count">2</td>' in busy_row
    assert '<td class="field-account_count">0</td>' in idle_row
    assert "12 % · low" in busy_row and "badge-bad" in busy_row
    assert "3.20 GB · low" in busy_row
    assert 'badge badge-bad">disconnected' in idle_row
    assert "· low" not in idle_row  # unknown levels are a dash, not low
    counts = [q["sql"] for q in ctx.captured_queries if 'FROM "accounts"' in q["sql"]]
    assert len(counts) == 1 and "GROUP BY" in counts[0] and '"device_id" IN' in counts[0]
    # the attention filter narrows to the called-out devices
    for value, shown, hidden in [
        ("low_battery", "iPhone-busy", "iPhone-idle"),
        ("low_storage", "iPhone-busy", "iPhone-idle"),
        ("disconnected", "iPhone-idle", "iPhone-busy"),
    ]:
        html = client_for("viewer").get(changelist(models.Device), {"attention": value}).content.decode()
        assert shown in html and hidden not in html, value


# -- accounts ----------------------------------------------------------------------------------------


def test_account_state_groups_are_one_filter(client_for):
    warming = f.AccountFactory(username="acc.warming", current_state="warming_p1")
    resting = f.AccountFactory(username="acc.resting", current_state="resting")
    banned = f.AccountFactory(username="acc.banned", current_state="banned")
    flagged = f.AccountFactory(username="acc.flagged", current_state="flagged")
    client = client_for("viewer")

    def shown(params):
        html = client.get(changelist(models.Account), params).content.decode()
        return {a.username for a in (warming, resting, banned, flagged) if f">{a.username}<" in html}

    assert shown({"state": "warming"}) == {"acc.warming"}
    assert shown({"state": "active"}) == {"acc.resting"}
    assert shown({"state": "problem"}) == {"acc.banned", "acc.flagged"}
    assert shown({"state": "flagged"}) == {"acc.flagged"}
    assert shown({}) == {"acc.warming", "acc.resting", "acc.banned", "acc.flagged"}
    assert client.get(changelist(models.Account), {"state": "sleeping"}).status_code == 400


def test_account_list_humanises_activity_warming_and_post(client_for):
    account = f.AccountFactory(
        username="acc.dates",
        last_activity_at=timezone.now() - dt.timedelta(minutes=30),
        last_warmed_at=timezone.now() - dt.timedelta(hours=5),
        last_post_at=None,
    )
    html = client_for("viewer").get(changelist(models.Account)).content.decode()
    row = _row_of(html, "acc.dates")
    # "30 min ago", or "30 min 1 s ago" when the request comes a second after the row was written
    assert re.search(r">30 min( \d+ s)? ago<", row) and re.search(r">5 h( \d+ min)? ago<", row), row
    assert '<td class="field-last_post">—</td>' in row
    assert change(models.Device, account.device_id) in row  # the device is a link


def test_needs_warming_is_the_scheduler_queue_in_the_index_order(client_for):
    now = timezone.now()
    never = f.AccountFactory(username="w.never", current_state="created", last_warmed_at=None)
    old = f.AccountFactory(username="w.old", current_state="active", last_warmed_at=now - dt.timedelta(days=2))
    recent = f.AccountFactory(username="w.recent", current_state="warming_p3", last_warmed_at=now)
    f.AccountFactory(username="w.banned", current_state="banned", last_warmed_at=None)
    f.AccountFactory(username="w.youtube", platform="youtube_shorts", current_state="created", last_warmed_at=None)
    f.AccountFactory(username="w.deleted", current_state="created", last_warmed_at=None, deleted_at=now)
    insta = f.AccountFactory(
        username="w.insta", platform="instagram", current_state="warming_p1", last_warmed_at=now - dt.timedelta(hours=3)
    )
    with CaptureQueriesContext(connections["fleet"]) as ctx:
        html = client_for("viewer").get(changelist(models.Account), {"view": "needs_warming"}).content.decode()
    order = [a.username for a in (never, old, insta, recent)]
    positions = [html.index(f">{name}<") for name in order]
    assert positions == sorted(positions), order
    for hidden in ("w.banned", "w.youtube", "w.deleted"):
        assert f">{hidden}<" not in html
    account_sql = [q["sql"] for q in ctx.captured_queries if 'FROM "accounts"' in q["sql"]]
    page_sql = next(sql for sql in account_sql if "ORDER BY" in sql)
    count_sql = next(sql for sql in account_sql if "COUNT(*)" in sql)
    order_by = page_sql.split(" ORDER BY ", 1)[1].split(" LIMIT ")[0]
    assert order_by == '"accounts"."last_warmed_at" ASC NULLS FIRST', order_by
    # the planner can serve both from idx_accounts_needs_warming alone: no sort, no other index
    with seeding.connect("fleet") as conn:
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_sort = off")
        conn.execute("SET enable_bitmapscan = off")
        for sql in (page_sql, count_sql):
            plan = "\n".join(row[0] for row in conn.execute("EXPLAIN " + sql).fetchall())
            assert "idx_accounts_needs_warming" in plan and "Sort" not in plan, plan


def test_shadowbanned_filter(client_for):
    banned = f.AccountFactory(username="sb.yes", is_shadowbanned=True)
    fine = f.AccountFactory(username="sb.no", is_shadowbanned=False)
    client = client_for("viewer")
    html = client.get(changelist(models.Account), {"shadowbanned": "yes"}).content.decode()
    assert f">{banned.username}<" in html and f">{fine.username}<" not in html
    html = client.get(changelist(models.Account), {"shadowbanned": "no"}).content.decode()
    assert f">{fine.username}<" in html and f">{banned.username}<" not in html
    assert client.get(changelist(models.Account), {"is_shadowbanned__exact": "1"}).status_code == 400


# -- system events ---------------------------------------------------------------------------------


def test_system_events_unresolved_first_then_newest_with_links(client_for):
    now = timezone.now()
    device = f.DeviceFactory(name="iPhone-events")
    account = f.AccountFactory(username="acc.events", device=device)
    f.SystemEventFactory(message="OPEN-OLD", timestamp=now - dt.timedelta(days=3), device=device, account=account)
    f.SystemEventFactory(message="OPEN-NEW", timestamp=now - dt.timedelta(minutes=5), device=device, account=None)
    f.SystemEventFactory(message="CLOSED-NEWEST", timestamp=now, resolved=True, device=None, account=None)
    f.SystemEventFactory(message="CLOSED-OLD", timestamp=now - dt.timedelta(days=9), resolved=True)
    client = client_for("viewer")
    html = client.get(changelist(models.SystemEvent), {"state": "all"}).content.decode()
    order = ["OPEN-NEW", "OPEN-OLD", "CLOSED-NEWEST", "CLOSED-OLD"]
    positions = [html.index(m) for m in order]
    assert positions == sorted(positions)
    old_row = _row_of(html, "OPEN-OLD")
    assert change(models.Device, device.pk) in old_row and ">iPhone-events<" in old_row
    assert change(models.Account, account.pk) in old_row and ">acc.events<" in old_row
    assert "3 d ago" in old_row
    assert '<td class="field-account_link">—</td>' in _row_of(html, "OPEN-NEW")
    # the default view: unresolved only, newest first
    html = client.get(changelist(models.SystemEvent)).content.decode()
    assert html.index("OPEN-NEW") < html.index("OPEN-OLD") and "CLOSED-NEWEST" not in html


# -- distributions -----------------------------------------------------------------------------------


def _chart(html: str, chart_id: str) -> dict:
    import json

    match = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html, re.S)
    assert match, chart_id
    return json.loads(match.group(1))


def test_distribution_chart_reads_a_bounded_window_of_snapshots(client_for, world):
    distribution = world["distribution"]  # one snapshot now (views 987654)
    newest = timezone.now().replace(minute=30, second=0, microsecond=0)
    f.MetricSnapshotFactory(distribution=distribution, time=newest - dt.timedelta(hours=2), views=100, likes=7)
    f.MetricSnapshotFactory(distribution=distribution, time=newest - dt.timedelta(hours=2, minutes=10), views=90)
    f.MetricSnapshotFactory(distribution=distribution, time=newest - dt.timedelta(days=8), views=55555, likes=1)
    f.MetricSnapshotFactory(distribution=f.DistributionFactory(), time=newest, views=424242)
    client = client_for("viewer")
    with CaptureQueriesContext(connections["fleet"]) as ctx:
        html = client.get(change(models.Distribution, distribution.pk)).content.decode()
    counts = _chart(html, "chart-fleet-distribution-counts")
    views = dict(zip(counts["labels"], counts["series"][0]["values"], strict=True))
    assert 100 in views.values()  # the last value of its hour
    assert 90 not in views.values() and 55555 not in views.values() and 424242 not in views.values()
    assert 987654 in views.values()
    rate = _chart(html, "chart-fleet-distribution-engagement")
    assert rate["series"][0]["values"][-1] == 9.66  # engagement_rate 0.0966 as a percentage
    assert 'data-chart="chart-fleet-distribution-counts"' in html and "chart.umd.min.js" in html
    assert "From metric_snapshots" in html
    chart_sql = [q["sql"] for q in ctx.captured_queries if "date_trunc" in q["sql"]]
    assert len(chart_sql) == 1 and "LIMIT 2000" in chart_sql[0]


def test_distribution_without_snapshots_says_so(client_for, null_world):
    html = open_detail(
        client_for("viewer"), change(models.Distribution, null_world[models.Distribution].pk)
    ).content.decode()
    assert "No metrics yet." in html and "No snapshots yet." in html
    assert "data-chart=" not in html


def test_dashboard_numbers_link_to_the_lists_behind_them(client_for):
    from tests.test_dashboard import dashboard_html, panel_html

    f.AccountFactory(username="dash.banned", current_state="banned")
    f.AccountFactory(username="dash.warming", current_state="warming_p1")
    f.DeviceFactory(name="iPhone-flat", battery_level=5)
    client = client_for("viewer")
    panel = panel_html(dashboard_html(client), "fleet", "fleet")
    links = [href.replace("&amp;", "&") for href in re.findall(r'<a href="([^"]+)">', panel)]
    problem = next(href for href in links if href.endswith("?state=problem"))
    html = client.get(problem).content.decode()
    assert ">dash.banned<" in html and ">dash.warming<" not in html
    low = next(href for href in links if href.endswith("?attention=low_battery"))
    html = client.get(low).content.decode()
    assert "iPhone-flat" in html and "5 % · low" in html


def test_dashboard_counts_accounts_and_events_up_to_a_cap(client_for, monkeypatch):
    from monitoring.fleet import dashboard
    from tests.test_dashboard import dashboard_html, panel_html

    monkeypatch.setattr(dashboard, "COUNT_CAP", 2)
    for n in range(3):
        f.AccountFactory(username=f"cap.{n}", current_state="active")
    f.AccountFactory(username="cap.banned", current_state="banned")
    for _ in range(3):
        f.SystemEventFactory(severity="error", resolved=False)
    for _ in range(3):
        f.DistributionFactory(status="failed", created_at=timezone.now())
    panel = panel_html(dashboard_html(client_for("viewer")), "fleet", "fleet")
    assert '>2+</a></span><span class="label">accounts active' in panel
    assert '>1</a></span><span class="label">accounts problem' in panel
    assert "error: 2+" in panel
    assert '>2+</a></span><span class="label">posts failed today' in panel


def test_wrong_typed_json_and_odd_values_render_as_text(client_for):
    event = f.SystemEventFactory(context=["not", "an", "object"], message="x" * 500, severity="unheard-of")
    warming = f.WarmingProgressFactory(metrics_json="just a string")
    asset = f.ContentAssetFactory(metadata_json=12)
    f.DeviceFactory(battery_level=0, storage_free_gb=Decimal("0.00"), name="<b>iPhone</b>")
    client = client_for("admin")
    html = client.get(change(models.SystemEvent, event.pk)).content.decode()
    assert "&quot;not&quot;" in html or '"not"' in html
    assert "badge-neutral" in html  # an unknown severity stays neutral
    html = client.get(changelist(models.SystemEvent)).content.decode()
    assert ">" + "x" * 99 + "…</span>" in html  # cut on the list, the whole text on hover
    assert "just a string" in client.get(change(models.WarmingProgress, warming.pk)).content.decode()
    assert client.get(change(models.ContentAsset, asset.pk)).status_code == 200
    html = client.get(changelist(models.Device)).content.decode()
    row = _row_of(html, "&lt;b&gt;iPhone&lt;/b&gt;")
    assert "0 % · low" in row and "0.00 GB · low" in row and "<b>iPhone</b>" not in html


@pytest.mark.parametrize(
    ("model", "params"),
    [
        (models.Account, {"view": "needs_warming"}),
        (models.Account, {"state": "problem", "shadowbanned": "no"}),
        (models.Device, {"attention": "low_battery"}),
        (models.SystemEvent, {"state": "resolved", "severity": "error"}),
    ],
)
def test_filtered_views_make_the_same_queries_at_any_page_size(client_for, generated, monkeypatch, model, params):
    # at least one row in each view, whatever was generated (no new proxies: their keys would collide)
    f.DeviceFactory(battery_level=3, udid="TEST-LOW-BATTERY")
    f.AccountFactory(current_state="banned", last_warmed_at=None, proxy=None, device=None, niche=None)
    f.AccountFactory(current_state="created", last_warmed_at=None, proxy=None, device=None, niche=None)
    f.SystemEventFactory(resolved=True, severity="error", device=None, account=None)
    client = client_for("viewer")
    model_admin = admin.site._registry[model]
    client.get(changelist(model), params)  # warm-up: once-per-process checks
    counts = []
    for per_page in (20, 100):
        monkeypatch.setattr(model_admin, "list_per_page", per_page)
        with CaptureQueriesContext(connections["fleet"]) as ctx:
            response = client.get(changelist(model), params)
        assert response.status_code == 200
        assert result_rows(response.content.decode()) > 0, params
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 4, counts


def test_health_knows_the_needs_warming_index_and_suggests_the_recommended_ones():
    from backoffice.health import check_source

    report = check_source("fleet")
    text = " ".join(f.message for f in report.findings)
    assert "idx_accounts_needs_warming" not in text  # present: not reported gone
    suggestions = "\n".join(report.index_suggestions)
    for name in ("bo_events_device", "bo_events_account", "bo_accounts_by_shadowban", "bo_events_resolved_time"):
        assert name in suggestions
    assert "idx_accounts_needs_warming" not in suggestions
