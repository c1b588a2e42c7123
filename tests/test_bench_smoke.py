"""`make bench` in miniature: the catalogue covers the registry; a subset runs at two tiny sizes and
the report (ratios, growth check, index advice) renders."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.test.utils import override_settings
from django.urls import path

from backoffice.snapshots import after_response
from benchmarks import catalogue, runner
from benchmarks.harness import BenchClient, Contender, Dataset, Timing, time_in_turns
from tests import seeding

LARGE, SMALL = 400, 200
SUBSET = (
    r"^(wrapped\.wrappedrun (list|status=Failed|search id |history|payload|section attempts_table)"
    r"|posters\.joblog list|dashboard$"
    r"|panel wrapped\.runs \(query\)|stats overview$|find anything: email|timeline: email|shared link: list"
    r"|bulk\.bulkrun (list|progress)|posters\.batchjob created=|compare two runs)"
)


def declared_choices(model_admin, user) -> set[tuple[str, str]]:
    """(parameter, value) of every filter choice the admin declares, read from the declarations."""
    request = RequestFactory().get("/")
    request.user = user
    expected = set()
    for entry in model_admin.list_filter:
        if isinstance(entry, str):
            field = model_admin.model._meta.get_field(entry)
            if field.get_internal_type() == "BooleanField":
                expected |= {(f"{entry}__exact", "1"), (f"{entry}__exact", "0")}
            for value, _label in field.choices or []:
                expected.add((f"{entry}__exact", str(value)))
        elif isinstance(entry, type) and issubclass(entry, admin.SimpleListFilter):
            spec = entry(request, {}, model_admin.model, model_admin)
            expected |= {(entry.parameter_name, str(value)) for value, _label in spec.lookup_choices}
    return expected


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_catalogue_covers_the_registry_and_the_report_renders(tmp_path):
    call_command(
        "bench",
        runs=LARGE,
        small_runs=SMALL,
        requests=1,
        warmup=0,
        page_sizes="10,20",
        index_sets="b",
        only=SUBSET,
        out=str(tmp_path),
    )
    try:
        user = runner.bench_user()
        dbnames = {alias: runner.bench_database(alias, LARGE) for alias in runner.bench_sources()}
        with (
            runner.pointed_all(dbnames),
            override_settings(ROOT_URLCONF="benchmarks.urls"),
            catalogue.staged(user),
        ):
            pages, samples = runner.gather_samples(user)
            urls = {
                (urlsplit(url).path, key, value)
                for p in pages
                for url in [p.url(samples)]
                for key, value in parse_qsl(urlsplit(url).query)
            }
            names = {p.name for p in pages}
            for model, model_admin in catalogue.source_admins():
                opts = model._meta
                label = f"{opts.app_label}.{opts.model_name}"
                assert f"{label} list" in names
                path = f"/admin/{opts.app_label}/{opts.model_name}/"
                for parameter, value in declared_choices(model_admin, user):
                    assert (path, parameter, value) in urls, (label, parameter, value)
                for field in model_admin.identifier_fields:
                    assert any(n.startswith(f"{label} search {field} ") for n in names) or not model.objects.exists()
            # --source posters: only its databases are built, only its models' pages and samples read
            assert runner.bench_sources(("posters",)) == ("posters",)
            chosen = {p.name for p in runner.gather_samples(user, ("posters",))[0]}
            assert "posters.batchjob list" in chosen and "batch detail (largest job)" in chosen
            assert not any(n.startswith(("wrapped.", "xtrack.", "publishing.", "fleet.")) for n in chosen)
        assert {
            "dashboard",
            "stats overview",
            "stats queue platform=tiktok",
            "find anything: email",
            "timeline: email",
        } <= names
        assert any(n.startswith("panel ") for n in names)
        # the product's other pages: history (audit trail), audited exports, the admins' own URLs,
        # the back office's own admins, shared links, pages a source declares
        assert {"wrapped.wrappedrun history", "wrapped.wrappedrun export", "wrapped.wrappedrun payload"} <= names
        assert {"wrapped.wrappedrun retry_failed", "compare two runs (5 MB payload)", "live-runs poll"} <= names
        assert {"audit.actionrecord list", "bulk.bulkrun list", "bulk.bulkrun detail", "bulk.bulkrun progress"} <= names
        assert {"shared link: list", "shared link: find anything", "shared link: timeline"} <= names
        assert "fleet.account scheduler=Needs warming (next first)" in names
        assert not any(n.startswith(("bulk.bulkrun cancel", "wrapped.wrappedrun compare")) for n in names)
        # each section a detail page loads after itself is a page of its own
        assert {"wrapped.wrappedrun section attempts_table", "posters.batchjob section posters_table"} <= names

        report = next(tmp_path.glob("*-catalogue-*.md")).read_text()
        assert "| wrapped.wrappedrun list | list |" in report
        assert "HTTP 500" not in report.split("## Summary")[0].replace("| HTTP 500 |", "")
        answered = (
            "panel wrapped.runs (query)",
            "shared link: list",
            "bulk.bulkrun progress",
            "compare two runs",
            "wrapped.wrappedrun section attempts_table",
        )
        for name in answered:
            row = next(line for line in report.splitlines() if line.startswith(f"| {name}"))
            assert "HTTP" not in row, row  # answered 200 (a panel only to htmx's requests)
        row = next(line for line in report.splitlines() if line.startswith("| wrapped.wrappedrun list |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[6] != "n/a" and cells[8] != "n/a"  # ours ÷ tuned, ours ÷ stock
        assert cells[9].startswith(("flat", "bounded", "GROWS"))  # the growth verdict
        assert "Ours ÷ tuned (p95)" in report and "Growth check:" in report
        flatness = report.split("## Flatness of time")[1]
        row = next(line for line in flatness.splitlines() if line.startswith("| wrapped.wrappedrun list |"))
        assert row.endswith("| yes |")  # its small-dataset time was taken in turns with the large one
        for name in ("wrapped.wrappedrun history", "wrapped.wrappedrun payload"):
            row = next(line for line in flatness.splitlines() if line.startswith(f"| {name} |"))
            assert row.endswith("| yes |"), row  # its twin opens the small dataset's own object
        assert "## Index advice from the catalogue" in report
        advice = json.loads(next(tmp_path.glob("*-index-advice.json")).read_text())
        assert isinstance(advice, list)
    finally:
        for alias in runner.bench_sources():
            for size in (LARGE, SMALL):
                with seeding.connect(alias, "postgres") as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{runner.bench_database(alias, size)}" WITH (FORCE)')


# A page that defers work past its response (as a stale count's refresh is), and a streamed one.
deferred_at: list[float] = []
streamed_at: list[float] = []


def _deferring_view(request):
    after_response(lambda: deferred_at.append(time.perf_counter()))
    return HttpResponse("answered")


def _streaming_view(request):
    def chunks():
        yield b"first"
        streamed_at.append(time.perf_counter())
        yield b"last"

    return StreamingHttpResponse(chunks())


def _dataset_view(request):
    """Answers with the database the Wrapped alias reads and how often this cache saw the view."""
    with connections["wrapped"].cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (database,) = cursor.fetchone()
    seen = cache.get("seen", 0)
    cache.set("seen", seen + 1)
    answered.append((database, seen))
    return HttpResponse(database)


answered: list[tuple[str, int]] = []

urlpatterns = [
    path("deferring/", _deferring_view),
    path("streaming/", _streaming_view),
    path("dataset/", _dataset_view),
]


@override_settings(ROOT_URLCONF=__name__)
def test_the_bench_times_a_request_until_it_is_answered_not_the_work_deferred_past_it():
    client = BenchClient()
    started = time.perf_counter()
    elapsed_ms = client.timed_get("/deferring/", {})
    assert len(deferred_at) == 1  # the deferred work ran, after the response was ready
    assert started + elapsed_ms / 1000 <= deferred_at[0]

    started = time.perf_counter()
    elapsed_ms = client.timed_get("/streaming/", {})
    assert len(streamed_at) == 1  # a streamed body is timed to its last chunk
    assert started + elapsed_ms / 1000 >= streamed_at[0]


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.django_db(databases="__all__")
def test_contenders_are_timed_in_turns_each_on_its_own_dataset_and_cache():
    cache.clear()
    answered.clear()
    current = connections["wrapped"].settings_dict["NAME"]
    other = connections["posters"].settings_dict["NAME"]  # stands in for the small dataset
    dataset = Dataset({"wrapped": other})
    client = BenchClient()
    large = Contender(client, "/dataset/", {}, Timing())
    small = Contender(client, "/dataset/", {}, Timing(), dataset=dataset)
    fewer = Contender(client, "/dataset/", {}, Timing(), requests=1)
    try:
        time_in_turns([large, small, fewer], 3)
    finally:
        dataset.close()

    # one untimed request each (a steady state: warming another up may have emptied the cache),
    # then the turns, the order rotated each turn; the one asking for fewer samples drops out
    warm = [(current, 0), (other, 0), (current, 1)]
    turns = [(current, 2), (other, 1), (current, 3), (other, 2), (current, 4), (current, 5), (other, 3)]
    assert answered == warm + turns
    assert [len(c.timing.samples_ms) for c in (large, small, fewer)] == [3, 3, 1]
    assert connections["wrapped"].settings_dict["NAME"] == current  # swapped back after each request


def test_time_flatness_is_judged_after_the_drift_of_the_pages_whose_rows_do_not_change():
    from backoffice.bench_pages import BenchPage

    def result(name, source, ms):
        page = BenchPage(name, source, lambda samples: "/", group="list")
        return runner.PageResult(page, Timing(samples_ms=[ms] * 5), None)

    small = {r.page.name: r for r in [result("audit", "backoffice", 10), result("a", "wrapped", 10)]}
    large = [result("audit", "backoffice", 14), result("a", "wrapped", 17)]
    drift = runner.harness_drift(large, small)
    assert drift == pytest.approx(1.4)
    assert runner.verdicts(large[1], small["a"], drift) == []  # 1.7 = 1.21 × the drift
    slower = result("a", "wrapped", 20)  # 2.0 = 1.43 × the drift
    assert any("not flat" in miss for miss in runner.verdicts(slower, small["a"], drift))


def test_the_load_mix_asks_for_a_runs_sections_as_often_as_a_browser_does():
    from benchmarks import loadtest

    pages = {
        name: (url, weight) for name, url, weight, _ in loadtest.mix({"run_id": "r-1", "email_mixed": "M@x"}, "xtrack")
    }
    detail_weight = pages["detail: run"][1]
    assert pages["section: run attempts_table"] == ("/admin/wrapped/wrappedrun/r-1/section/attempts_table/", 2)
    assert pages["section: run other_runs_table"][1] == detail_weight == 2
