"""Publishing pages: lists, details, identifier search, query budgets, demo data, stats queries."""

from __future__ import annotations

import uuid

import pytest

from monitoring.publishing import demo_data as publishing_data
from monitoring.publishing import models
from monitoring.publishing.apps import SERVICE_INDEXES
from tests import seeding
from tests.factories import publishing as f
from tests.pages import change, changelist, list_page_queries, open_detail, query_log, result_rows

REGISTERED = [models.VideoAsset, models.Clip, models.Job, models.Campaign, models.PublishLog]


@pytest.fixture
def world():
    clip = f.ClipFactory()
    return {
        "video": clip.video_asset,
        "clip": clip,
        "job": f.JobFactory(
            video_asset=clip.video_asset,
            clip=clip,
            status="failed",
            params={"platform": 7},
            error_message="JOB-ERROR-MARKER",
        ),
        "campaign": f.CampaignFactory(clip=clip),
        "log": f.PublishLogFactory(clip=clip),
    }


def test_every_list_and_detail_opens_for_viewer(client_for, world):
    client = client_for("viewer")
    objects = {
        models.VideoAsset: world["video"],
        models.Clip: world["clip"],
        models.Job: world["job"],
        models.Campaign: world["campaign"],
        models.PublishLog: world["log"],
    }
    for model in REGISTERED:
        response = client.get(changelist(model))
        assert response.status_code == 200, model
        assert result_rows(response.content.decode()) >= 1, model
        response = client.get(change(model, objects[model].pk))
        assert response.status_code == 200, model


def test_clip_detail_lists_its_logs_and_jobs(client_for, world):
    html = open_detail(client_for("viewer"), change(models.Clip, world["clip"].pk)).content.decode()
    assert world["log"].platform_post_id in html
    assert "JOB-ERROR-MARKER" in html


def test_job_list_shows_platform_key_even_when_wrongly_typed(client_for, world):
    f.JobFactory(params={}, job_type="score_clip")
    response = client_for("viewer").get(changelist(models.Job))
    assert response.status_code == 200
    html = response.content.decode()
    assert ">7<" in html  # params.platform stored as a number


@pytest.mark.parametrize(
    ("model", "value"),
    [
        (models.PublishLog, lambda w: str(w["log"].pk)),
        (models.PublishLog, lambda w: w["log"].platform_post_id),
        (models.PublishLog, lambda w: str(w["log"].social_account_id)),
        (models.Clip, lambda w: str(w["clip"].pk)),
        (models.Job, lambda w: str(w["job"].pk)),
        (models.Campaign, lambda w: str(w["campaign"].pk)),
        (models.VideoAsset, lambda w: str(w["video"].pk)),
    ],
)
def test_search_finds_by_identifier(client_for, world, model, value):
    f.PublishLogFactory()  # another row that must not match
    response = client_for("viewer").get(changelist(model), {"q": value(world)})
    assert response.status_code == 200
    assert result_rows(response.content.decode()) == 1


def test_search_nonmatching_and_non_uuid_text(client_for, world):
    client = client_for("viewer")
    response = client.get(changelist(models.PublishLog), {"q": "no-such-post-id"})
    assert response.status_code == 200 and result_rows(response.content.decode()) == 0
    for model in (models.VideoAsset, models.Job, models.Campaign):
        response = client.get(changelist(model), {"q": "definitely not a uuid"})
        assert response.status_code == 200
        assert result_rows(response.content.decode()) == 0
    response = client.get(changelist(models.Clip), {"q": str(uuid.uuid4())})
    assert response.status_code == 200 and result_rows(response.content.decode()) == 0


@pytest.fixture
def generated():
    seeding.dirty_aliases.add("publishing")
    with seeding.connect("publishing") as conn:
        return publishing_data.generate(conn, scale=0.2)


@pytest.mark.parametrize("model", [models.Clip, models.Job, models.PublishLog])
def test_changelist_query_count_does_not_grow_with_page_size(client_for, generated, monkeypatch, model):
    client = client_for("viewer")
    client.get(changelist(model))  # warm-up: once-per-process checks (schema drift) are not per page
    counts, rows = [], []
    for per_page in (20, 100):
        response, ctx = list_page_queries(client, model, per_page)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
        data_queries = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
        assert len(data_queries) <= 2, [q["sql"][:120] for q in data_queries]  # count (or estimate) + page
        rows.append(result_rows(response.content.decode()))
        listing = " ".join(q["sql"] for q in ctx.captured_queries)
        for column in ('"result"', '"extra_metadata"', '"targeting"', '"description"'):
            assert column not in listing, (model, column)
    assert counts[0] == counts[1], counts
    assert rows == [20, 100]


def test_generate_fills_every_table_and_pages_render(client_for, generated):
    assert set(generated) == set(publishing_data.TABLES)
    assert all(n > 0 for n in generated.values()), generated
    with seeding.connect("publishing") as conn:
        assert conn.execute("SELECT count(DISTINCT status) FROM jobs").fetchone()[0] == 4
        assert conn.execute("SELECT count(DISTINCT status) FROM campaigns").fetchone()[0] == 4
        assert conn.execute("SELECT count(DISTINCT status) FROM publish_logs").fetchone()[0] == 5
        assert conn.execute("SELECT count(*) FROM jobs WHERE NOT params ? 'platform'").fetchone()[0] > 0
    # a second run leaves filled tables alone
    with seeding.connect("publishing") as conn:
        assert set(publishing_data.generate(conn, scale=0.2).values()) == {0}
    client = client_for("viewer")
    for model in REGISTERED:
        response = client.get(changelist(model))
        assert response.status_code == 200, model
        assert result_rows(response.content.decode()) > 0, model


def test_stats_on_demo_data(generated):
    from monitoring.publishing import stats

    with query_log("publishing") as ctx:
        queue = stats.queue().data
        campaigns = stats.campaigns().data
    assert len(ctx.captured_queries) == 2
    assert queue["pending"] > 0 and queue["avg_processing_time_ms"] > 0
    assert sum(v for k, v in campaigns.items() if k != "total_budget_spent") == generated["campaigns"]


def test_hot_indexes_exist_in_schema():
    with seeding.connect("publishing") as conn:
        names = {row[0] for row in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    assert not [name for _table, _cols, name in SERVICE_INDEXES if name not in names]


def test_relations_are_navigable_both_ways(client_for, world):
    client = client_for("viewer")
    clip, asset = world["clip"], world["video"]
    asset_page = open_detail(client, change(models.VideoAsset, asset.pk)).content.decode()
    assert change(models.Clip, clip.pk) in asset_page  # asset → clips
    clip_page = open_detail(client, change(models.Clip, clip.pk)).content.decode()
    assert change(models.PublishLog, world["log"].pk) in clip_page  # clip → publish logs
    assert change(models.Campaign, world["campaign"].pk) in clip_page  # clip → campaigns
    assert change(models.VideoAsset, asset.pk) in clip_page  # clip → asset
    assert (
        change(models.Clip, clip.pk)
        in open_detail(client, change(models.Campaign, world["campaign"].pk)).content.decode()
    )
    assert change(models.Clip, clip.pk) in open_detail(client, change(models.Job, world["job"].pk)).content.decode()


def test_publish_logs_show_processing_time_and_filter_by_requested_dates(client_for):
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    f.PublishLogFactory(
        requested_at=now - dt.timedelta(minutes=11, seconds=25), published_at=now, platform_post_id="MARK-NOW"
    )
    f.PublishLogFactory(
        requested_at=now - dt.timedelta(days=40), published_at=None, status="pending", platform_post_id="MARK-OLD"
    )
    client = client_for("viewer")
    html = client.get(changelist(models.PublishLog)).content.decode()
    assert "11 min 25 s" in html
    today = now.date().isoformat()
    response = client.get(changelist(models.PublishLog), {"requested_at_from": today, "requested_at_to": today})
    assert response.status_code == 200
    assert result_rows(response.content.decode()) == 1
    old = (now - dt.timedelta(days=40)).date().isoformat()
    assert result_rows(client.get(changelist(models.PublishLog), {"requested_at_to": old}).content.decode()) == 1
    bad = client.get(changelist(models.PublishLog), {"requested_at_from": "2026-02-30"})
    assert bad.status_code == 400
    assert "is not a date" in bad.content.decode()
