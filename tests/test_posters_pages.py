"""Posters pages: every list and detail opens, exact search, escaped HTML, bounded queries, demo data."""

from __future__ import annotations

import uuid

import pytest
from django.contrib import admin
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring.posters import demo_data as demo
from monitoring.posters import queries
from monitoring.posters.models import BatchJob, GeneratedPoster, JobLog, PosterFailureDetail
from tests import seeding
from tests.factories.posters import (
    BatchJobFactory,
    GeneratedPosterFactory,
    JobLogFactory,
    PosterFailureDetailFactory,
)
from tests.pages import list_page_queries, open_detail, section_urls

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
    page = open_detail(viewer, change(job)).content.decode()
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
    response, log = list_page_queries(client, model, per_page)
    assert response.status_code == 200
    return len(log)


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


# -- the batch jobs list ------------------------------------------------------------------------------
def _rows_of(page: str) -> str:
    return page.split('id="result_list"')[-1]


def test_batch_list_shows_progress_counts_rate_duration_model_size(viewer):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    BatchJobFactory(
        job_id="job_done",
        total_items=157,
        processed_items=157,
        success_count=155,
        failure_count=2,
        model="pro",
        poster_size="linkedin-post",
        created_at=now - timedelta(hours=1),
        started_at=now - timedelta(hours=1),
        completed_at=now - timedelta(hours=1) + timedelta(minutes=11, seconds=25),
    )
    BatchJobFactory(
        job_id="job_running",
        status="processing",
        total_items=40,
        processed_items=10,
        success_count=10,
        failure_count=0,
        started_at=now - timedelta(minutes=4, seconds=5),
        completed_at=None,
    )
    BatchJobFactory(job_id="job_cancelled", status="cancelled", completed_at=None, total_items=0, processed_items=0)
    page = _rows_of(viewer.get(changelist(BatchJob)).content.decode())
    assert '<progress class="dash-progress" max="157" value="157"></progress> 157 / 157' in page
    assert '<progress class="dash-progress" max="40" value="10"></progress> 10 / 40' in page
    assert "98.7%" in page  # 155 / 157
    assert "11 min 25 s" in page
    assert "running for 4 min" in page
    assert page.count("running for") == 1  # a cancelled job without an end is not "running"
    assert "linkedin-post" in page and ">pro<" in page
    assert "1 h ago" in page  # created, humanised


def test_batch_list_filters_status_model_and_created_range(viewer):
    from datetime import UTC, datetime

    old = BatchJobFactory(job_id="job_old_flash", created_at=datetime(2026, 1, 10, 12, tzinfo=UTC))
    new = BatchJobFactory(
        job_id="job_new_pro", model="pro", status="queued", created_at=datetime(2026, 2, 10, 12, tzinfo=UTC)
    )
    listing = viewer.get(changelist(BatchJob)).content.decode()
    for status in ("pending", "queued", "processing", "completed", "failed", "cancelled"):
        assert f"?status__exact={status}" in listing  # all six production values offered
    assert "?model=flash" in listing and "?model=pro" in listing

    def shown(params):
        page = _rows_of(viewer.get(changelist(BatchJob), params).content.decode())
        return {job.job_id for job in (old, new) if change(job) in page}

    assert shown({"status__exact": "queued"}) == {"job_new_pro"}
    assert shown({"model": "pro"}) == {"job_new_pro"}
    assert shown({"model": "flash"}) == {"job_old_flash"}
    assert shown({"created_at_from": "2026-02-01"}) == {"job_new_pro"}
    assert shown({"created_at_to": "2026-01-10"}) == {"job_old_flash"}
    assert shown({"created_at_from": "2026-01-11", "created_at_to": "2026-02-09"}) == set()
    assert viewer.get(changelist(BatchJob), {"model": "ultra"}).status_code == 400
    assert viewer.get(changelist(BatchJob), {"created_at_from": "yesterday"}).status_code == 400


def test_batch_list_query_count_is_constant_with_filters(viewer, monkeypatch):
    BatchJobFactory.create_batch(60, model="pro", status="failed")
    admin_ = admin.site._registry[BatchJob]
    params = {"status__exact": "failed", "model": "pro", "created_at_from": "2020-01-01"}
    assert viewer.get(changelist(BatchJob), params).status_code == 200  # warm: count estimate, health
    counts = []
    for per_page in (10, 50):
        monkeypatch.setattr(admin_, "list_per_page", per_page)
        with CaptureQueriesContext(connections["posters"]) as ctx:
            response = viewer.get(changelist(BatchJob), params)
        assert response.status_code == 200
        assert _rows_of(response.content.decode()).count('class="dash-progress"') == per_page
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 4


# -- the batch detail ---------------------------------------------------------------------------------
@pytest.fixture
def batch():
    job = BatchJobFactory(job_id="job_detail_1")
    s3 = "https://topmate-staging.s3.ap-south-1.amazonaws.com/job_detail_1/"
    posters = {
        "int": GeneratedPosterFactory(
            job=job,
            username="phase",
            display_name="Phase",
            poster_url=s3 + "phase.png",
            processing_time_ms=2341,
            metadata={"user_id": 1058727, "fetched_from_api": True},
        ),
        "text": GeneratedPosterFactory(
            job=job, username="texty", metadata={"user_id": "2002", "fetched_from_api": "true"}
        ),
        "null": GeneratedPosterFactory(
            job=job, username="nully", metadata={"user_id": None, "fetched_from_api": False}
        ),
        "empty": GeneratedPosterFactory(job=job, username="empty_meta", metadata={}),
        "sqlnull": GeneratedPosterFactory(job=job, username="no_meta", metadata=None, poster_url=None),
        "list": GeneratedPosterFactory(job=job, username="listy", metadata=["a", 1], poster_url="s3://bucket/x.png"),
        "wrong": GeneratedPosterFactory(job=job, username="floaty", metadata={"user_id": 12.5}),
        "failed": GeneratedPosterFactory(
            job=job,
            username="broken",
            status="failed",
            poster_url=None,
            error_message="Topmate API returned 502",
            metadata={},
        ),
    }
    return job, posters


def _section(page: str, start: str, end: str | None = None) -> str:
    part = page.split(start, 1)[1]
    return part.split(end, 1)[0] if end else part


def test_batch_detail_posters_table(viewer, batch):
    job, posters = batch
    response = open_detail(viewer, change(job))
    page = response.content.decode()
    table = _section(page, "poster-summary", "Failures by type")
    # thumbnail: lazy, fixed size, no referrer, a placeholder beside it; no inline handler
    assert (
        '<img class="poster-thumb" src="https://topmate-staging.s3.ap-south-1.amazonaws.com/job_detail_1/phase.png"'
        ' alt="poster" width="64" height="64" loading="lazy" decoding="async" referrerpolicy="no-referrer">'
    ) in table
    assert table.count('<img class="poster-thumb"') == 5  # no image for None, s3:// and the failed one
    assert table.count("poster-thumb-frame is-empty") == 3
    assert "onerror" not in page
    assert "posters/posters.js" in page and "posters/posters.css" in page
    # the page may load exactly those images
    csp = response.headers["Content-Security-Policy"]
    img_src = next(part for part in csp.split(";") if part.strip().startswith("img-src"))
    assert "https://topmate-staging.s3.ap-south-1.amazonaws.com" in img_src
    assert "http:" not in img_src and "*" not in img_src
    # columns
    assert change(posters["int"]) in table and ">phase<" in table and "Phase" in table
    assert "2 s" in table  # processing_time_ms 2341
    assert "Topmate API returned 502" in table
    assert "1058727" in table
    assert '2002 <span class="badge badge-neutral">text</span>' in table
    assert '<span class="badge badge-warn">null</span>' in table
    assert table.count('<span class="badge badge-warn">missing</span>') == 4  # {}, NULL, a list, the failed one
    assert '12.5 <span class="badge badge-bad">wrong type</span>' in table
    assert '&quot;true&quot; <span class="badge badge-warn">not a boolean</span>' in table
    assert ">yes<" in table and ">no<" in table
    # failed posters first
    assert table.index(">broken<") < table.index(">phase<")
    # the missing user_id callout, with its count
    assert "4 posters missing metadata.user_id" in page
    assert "8 posters" in page and "showing 8 of 8 below" in page


def test_poster_without_user_id_everywhere_has_no_callout(viewer):
    job = BatchJobFactory()
    GeneratedPosterFactory(job=job)
    page = open_detail(viewer, change(job)).content.decode()
    assert "Every poster has metadata.user_id." in page and "poster-callout" not in page


def test_empty_batch_detail(viewer):
    job = BatchJobFactory(
        total_items=0,
        processed_items=0,
        success_count=0,
        failure_count=0,
        started_at=None,
        completed_at=None,
        status="pending",
        metadata=None,
        template_html=None,
    )
    response = open_detail(viewer, change(job))
    assert response.status_code == 200
    page = response.content.decode()
    assert "No posters." in page and "No logs." in page and "No failures." in page
    assert "img-src 'self';" in response.headers["Content-Security-Policy"] + ";"


def test_batch_detail_log_timeline(viewer):
    job = BatchJobFactory()
    JobLogFactory(job=job, level="INFO", message="CSV job processing started - 157 posters to generate")
    JobLogFactory(
        job=job,
        level="INFO",
        message="[FRONTEND ERROR] sse_error: Connection failed",
        details={"error_type": "sse_error", "source": "frontend", "user_agent": "Mozilla/5.0"},
    )
    JobLogFactory(job=job, level="WARNING", message="flaky client", details={"source": "frontend"})
    JobLogFactory(job=job, level="ERROR", message=f"boom {SCRIPT}", details={"attempt": "3", "html": SCRIPT})
    JobLogFactory(job=job, level="CRITICAL", message="Worker crashed: " + "Traceback line; " * 300, details=None)
    JobLogFactory(job=job, level="DEBUG", message="odd details", details=["a", 1])
    page = open_detail(viewer, change(job)).content.decode()
    timeline = _section(page, '<ol class="log-timeline">', "</ol>")
    assert timeline.count('<li class="log-entry') == 6
    assert timeline.count("log-frontend") == 2  # by its message prefix, and by details.source
    assert timeline.count('<span class="badge badge-frontend">frontend</span>') == 2
    for tone, level in (
        ("run", "INFO"),
        ("warn", "WARNING"),
        ("bad", "ERROR"),
        ("bad", "CRITICAL"),
        ("neutral", "DEBUG"),
    ):
        assert f'<span class="badge badge-{tone}">{level}</span>' in timeline
    assert timeline.count('<details class="log-details">') == 4  # not for a NULL details
    assert "&quot;error_type&quot;: &quot;sse_error&quot;" in timeline
    assert SCRIPT not in page and "boom &lt;script&gt;" in page
    assert "(whole message)" in timeline  # the traceback is cut
    assert "Traceback line; " * 200 not in timeline
    assert "showing 6 of 6" in page


def test_batch_detail_failures_grouped_by_type(viewer):
    job = BatchJobFactory()
    for retries in (1, 2, 3):
        PosterFailureDetailFactory(job=job, failure_type="timeout", retry_count=retries)
    PosterFailureDetailFactory(job=job, failure_type="api_error", retry_count=0, error_message=SCRIPT)
    PosterFailureDetailFactory(
        job=job, failure_type=None, retry_count=None, poster=None, username="ghost", user_identifier="ghost"
    )
    page = open_detail(viewer, change(job)).content.decode()
    groups = _section(page, "Failures by type", "Job logs")
    assert groups.count('<details class="failure-group">') == 3
    assert "5 failures in 3 types" in groups
    assert "<strong>timeout</strong> · 3 failures · 6 retries (at most 3 on one)" in groups
    assert "<strong>api_error</strong> · 1 failure · 0 retries (at most 0 on one)" in groups
    assert "<strong>(no type)</strong> · 1 failure · 0 retries</summary>" in groups
    assert groups.index("timeout") < groups.index("api_error")  # largest first
    assert "failure_type=timeout" in groups
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in groups


def _detail_queries(client, job) -> tuple[int, list[int], str]:
    """The posters queries of the page itself and of each section it loads, and the whole page."""
    with CaptureQueriesContext(connections["posters"]) as ctx:
        response = client.get(change(job))
    assert response.status_code == 200
    sections = []
    for url in section_urls(response.content.decode()):
        with CaptureQueriesContext(connections["posters"]) as section:
            assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
        sections.append(len(section.captured_queries))
    return len(ctx.captured_queries), sections, open_detail(client, change(job)).content.decode()


def test_batch_detail_is_bounded_and_query_count_constant(viewer):
    small = BatchJobFactory()
    GeneratedPosterFactory(job=small)
    JobLogFactory(job=small)
    PosterFailureDetailFactory(job=small)
    big = BatchJobFactory()
    GeneratedPosterFactory.create_batch(queries.JOB_POSTERS + 5, job=big)
    JobLogFactory.create_batch(queries.JOB_LOGS + 5, job=big)
    PosterFailureDetailFactory.create_batch(queries.FAILURES_PER_GROUP + 3, job=big, failure_type="timeout")
    PosterFailureDetailFactory.create_batch(2, job=big, failure_type="api_error")
    page_few, sections_few, _ = _detail_queries(viewer, small)
    page_many, sections_many, page = _detail_queries(viewer, big)
    assert page_few == page_many == 2  # the job, and its shown posters' URLs for the image policy
    assert len(sections_many) == 4  # posters summary, posters table, failures, logs
    assert sum(sections_few) + 1 == sum(sections_many)  # + the log count, asked only when the list is full
    assert max(sections_many) <= 3  # the job again, then the section's own one or two queries
    posters = queries.JOB_POSTERS + 5 + queries.FAILURES_PER_GROUP + 5
    assert f"showing {queries.JOB_POSTERS} of {posters} below" in page
    assert page.count('class="poster-thumb"') == queries.JOB_POSTERS
    assert f"showing {queries.JOB_LOGS} of {queries.JOB_LOGS + 5}" in page
    assert page.count('<li class="log-entry') == queries.JOB_LOGS
    assert f"Showing {queries.FAILURES_PER_GROUP} of {queries.FAILURES_PER_GROUP + 3}" in page


def test_poster_detail_shows_thumbnail_and_typed_user_id(viewer):
    poster = GeneratedPosterFactory(metadata={"user_id": "31", "fetched_from_api": False})
    response = viewer.get(change(poster))
    page = response.content.decode()
    assert 'referrerpolicy="no-referrer"' in page and 'loading="lazy"' in page
    assert '31 <span class="badge badge-neutral">text</span>' in page
    assert "topmate-staging.s3.ap-south-1.amazonaws.com" in response.headers["Content-Security-Policy"]
    listing = viewer.get(changelist(GeneratedPoster)).content.decode()
    assert '31 <span class="badge badge-neutral">text</span>' in listing


def test_bench_pages_answer_on_demo_data(settings):
    """Every Posters page of the bench catalogue (generated from the registry, and the ones
    monitoring/posters/bench.py declares) answers 200 on the demo data within its query budget,
    and so does its tuned baseline; the stock baseline answers (a filter it cannot express is its
    own ?e=1 redirect)."""
    from django.test import Client
    from django.urls import clear_url_caches

    from backoffice import seeding as backoffice_seeding
    from benchmarks import catalogue, runner

    seeding.truncate_all("posters")
    seeding.dirty_aliases.add("posters")
    with seeding.connect("posters") as conn:
        demo.generate(conn, scale=0.2)
    user = runner.bench_user()
    client = Client()
    client.force_login(user)
    settings.ROOT_URLCONF = "benchmarks.urls"
    clear_url_caches()
    try:
        with catalogue.staged(user):
            samples = catalogue.declared_samples(backoffice_seeding.connect)
            pages = [p for p in catalogue.build(user, samples) if p.source == "posters"]
            assert {"posters.batchjob list", "batch detail (largest job)", "batch jobs: model=pro, last 7 days"} <= {
                p.name for p in pages
            }
            assert any(p.name.startswith("posters.batchjob created=last") for p in pages)
            for page in pages:
                headers = {"HX-Request": "true"} if page.htmx else {}
                with CaptureQueriesContext(connections["posters"]) as ctx:
                    response = client.get(page.url(samples), headers=headers)
                assert response.status_code == 200, page.name
                assert len(ctx.captured_queries) <= 9, page.name
                if page.tuned_url(samples):
                    assert client.get(page.tuned_url(samples)).status_code == 200, page.name
                if page.baseline:
                    assert client.get(page.baseline(samples)).status_code in (200, 302), page.name
    finally:
        clear_url_caches()


def test_hostile_poster_urls_are_never_markup_nor_widen_the_policy(viewer):
    job = BatchJobFactory()
    GeneratedPosterFactory(job=job, username="js", poster_url="javascript:alert(1)")
    GeneratedPosterFactory(job=job, username="quote", poster_url='https://evil.example/x.png" onerror="alert(1)')
    GeneratedPosterFactory(job=job, username="policy", poster_url="https://a.example; script-src *@b.example/x.png")
    GeneratedPosterFactory(job=job, username="creds", poster_url="https://user:pw@img.example:8443/x.png")
    response = open_detail(viewer, change(job))
    page = response.content.decode()
    assert 'href="javascript:' not in page and 'src="javascript:' not in page
    assert 'onerror="alert(1)' not in page and "&quot; onerror=&quot;alert(1)" in page
    img_src = next(p for p in response.headers["Content-Security-Policy"].split(";") if "img-src" in p)
    assert "script-src" not in img_src and "*" not in img_src and "pw@" not in img_src
    assert "https://img.example:8443" in img_src and "https://evil.example" in img_src
