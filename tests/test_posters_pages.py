"""Posters pages: every list and detail opens, exact search, escaped HTML, bounded queries, demo data."""

from __future__ import annotations

import uuid

import pytest
from django.contrib import admin
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice import seeding
from backoffice.demo.data import posters as demo
from monitoring.posters import queries
from monitoring.posters.models import BatchJob, GeneratedPoster, JobLog, PosterFailureDetail
from tests.factories.posters import (
    BatchJobFactory,
    GeneratedPosterFactory,
    JobLogFactory,
    PosterFailureDetailFactory,
)

MODELS = [BatchJob, GeneratedPoster, JobLog, PosterFailureDetail]
SCRIPT = "<script>alert(1)</script>"


def changelist(model) -> str:
    return reverse(f"admin:posters_{model._meta.model_name}_changelist")


def change(obj) -> str:
    return reverse(f"admin:posters_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def viewer(client_for):
    return client_for("viewer")


@pytest.fixture
def rows():
    job = BatchJobFactory(job_id="job_a926e02f7e5a", template_html=f"<div>{SCRIPT}<b>hi</b></div>")
    poster = GeneratedPosterFactory(job=job, username="phase", metadata={"user_id": 1058727})
    failure = PosterFailureDetailFactory(job=job, html_template=f"<p>{SCRIPT}</p>")
    log = JobLogFactory(job=job, message="CSV job processing started - 157 posters to generate")
    return {"job": job, "poster": poster, "failure": failure, "log": log}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_and_detail_open_for_viewer(viewer, rows, model):
    response = viewer.get(changelist(model))
    assert response.status_code == 200
    assert "job_a926e02f7e5a" in response.content.decode()
    obj = {BatchJob: rows["job"], GeneratedPoster: rows["poster"], JobLog: rows["log"]}.get(model, rows["failure"])
    detail = viewer.get(change(obj))
    assert detail.status_code == 200
    assert "job_a926e02f7e5a" in detail.content.decode()


def test_empty_changelists_open(viewer):
    for model in MODELS:
        assert viewer.get(changelist(model)).status_code == 200


def _found(client, model, term) -> str:
    response = client.get(changelist(model), {"q": term})
    assert response.status_code == 200
    return response.content.decode()


def test_search_by_each_identifier_kind(viewer, rows):
    job, poster, log, failure = rows["job"], rows["poster"], rows["log"], rows["failure"]
    other = GeneratedPosterFactory(username="someone_else")
    # text: job_id and username
    page = _found(viewer, GeneratedPoster, "job_a926e02f7e5a")
    assert change(poster) in page and change(other) not in page
    page = _found(viewer, GeneratedPoster, "phase")
    assert change(poster) in page and change(other) not in page
    # uuid: primary keys
    assert change(job) in _found(viewer, BatchJob, str(job.pk))
    assert change(poster) in _found(viewer, GeneratedPoster, str(poster.pk))
    assert change(failure) in _found(viewer, PosterFailureDetail, str(failure.poster_id))
    # int: job log id; a Topmate user id in metadata
    assert change(log) in _found(viewer, JobLog, str(log.pk))
    page = _found(viewer, GeneratedPoster, "1058727")
    assert change(poster) in page and change(other) not in page


def test_search_misses_show_nothing_and_never_500(viewer, rows):
    for model in MODELS:
        for term in ["nothing-like-this", str(uuid.uuid4()), "12345678901234567890", "a b <c>", "not-a-uuid-1234"]:
            page = _found(viewer, model, term)
            assert "job_a926e02f7e5a" not in page.split('id="result_list"')[-1]


def test_string_user_id_is_found_too(viewer):
    poster = GeneratedPosterFactory(metadata={"user_id": "777001"})
    assert change(poster) in _found(viewer, GeneratedPoster, "777001")


def test_stored_html_is_escaped_never_markup(viewer, rows):
    for obj in (rows["job"], rows["failure"]):
        page = viewer.get(change(obj)).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert SCRIPT not in page


def test_long_template_is_cut(viewer):
    job = BatchJobFactory(template_html="<p>" + "x" * 50_000 + "</p>")
    page = viewer.get(change(job)).content.decode()
    assert "cut at 20,000 of 50,007 characters" in page


def test_batch_job_detail_shows_stats_logs_failures(viewer, rows):
    job = rows["job"]
    GeneratedPosterFactory(job=job, metadata={})  # completed, missing user_id
    page = viewer.get(change(job)).content.decode()
    assert "90.0%" in page  # success_count 9 / total_items 10
    assert "4 min 58 s" in page  # completed_at - started_at, humanised
    assert "CSV job processing started" in page
    assert "Topmate API returned 502" in page
    counts = queries.poster_counts(job.job_id)
    assert counts.completed_missing_user_id == 1
    assert counts.missing_user_id == 2  # + the failed poster created by the failure factory


def test_metadata_user_id_filter(viewer):
    with_id = GeneratedPosterFactory()
    without = GeneratedPosterFactory(metadata={})
    page = viewer.get(changelist(GeneratedPoster), {"has_user_id": "no"}).content.decode()
    assert change(without) in page and change(with_id) not in page


def test_orphan_poster_without_batch_job_still_lists(viewer):
    orphan = GeneratedPosterFactory(job=BatchJob(job_id="job_gone"))
    assert change(orphan) in viewer.get(changelist(GeneratedPoster)).content.decode()
    assert viewer.get(change(orphan)).status_code == 200


def _queries_for(client, model, per_page, monkeypatch) -> int:
    monkeypatch.setattr(admin.site._registry[model], "list_per_page", per_page)
    with CaptureQueriesContext(connections["posters"]) as ctx:
        response = client.get(changelist(model))
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_query_count_is_constant(viewer, monkeypatch, model):
    job = BatchJobFactory()
    if model is BatchJob:
        BatchJobFactory.create_batch(110)
    elif model is PosterFailureDetail:
        PosterFailureDetailFactory.create_batch(110, job=job, error_message=None)  # NULLs must not lazy-load
    else:
        GeneratedPosterFactory.create_batch(110, job=job)
        JobLogFactory.create_batch(110, job=job)
    small = _queries_for(viewer, model, 20, monkeypatch)
    large = _queries_for(viewer, model, 100, monkeypatch)
    assert small == large
    assert small <= 4


def test_generate_fills_every_table_and_pages_render(viewer):
    seeding.truncate_all("posters")
    seeding.dirty_aliases.add("posters")  # the fixture truncates after the test
    with seeding.connect("posters") as conn:
        counts = demo.generate(conn, scale=0.2)
    assert set(counts) == {m._meta.db_table for m in MODELS}
    assert all(n > 0 for n in counts.values()), counts
    statuses = set(GeneratedPoster.objects.values_list("status", flat=True).distinct())
    assert {"completed", "failed"} <= statuses
    assert set(BatchJob.objects.values_list("status", flat=True).distinct()) == {
        c for c, _ in BatchJob.status.field.choices
    }
    assert GeneratedPoster.objects.exclude(metadata__has_key="user_id").exists()
    for model in MODELS:
        response = viewer.get(changelist(model))
        assert response.status_code == 200
        obj = model.objects.first()
        assert viewer.get(change(obj)).status_code == 200
    # generate() only fills empty tables
    with seeding.connect("posters") as conn:
        assert demo.generate(conn, scale=0.2) == dict.fromkeys(counts, 0)
