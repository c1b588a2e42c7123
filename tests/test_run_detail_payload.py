"""The run detail never loads the payload: the database reads what the page shows, the viewer fetches
the document from the download, and the download streams it (masked, bounded, for a masked role)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connections
from django.db.models.expressions import RawSQL

from monitoring.wrapped import expressions, queries, views
from monitoring.wrapped.models import AppJob, WrappedRun
from tests.factories.wrapped import AppJobFactory, WrappedRunFactory
from tests.pages import query_budget, query_log

RUNS = "/admin/wrapped/wrappedrun/"
ANALYSIS_KEYS = [key for key, _ in queries.ANALYSIS_FIELDS]
BIG = 6000  # bytes: past expressions.CLIP_BYTES, so the value is cut in the database


def skeleton(payload_text: str, kind: str):
    """(the payload as a page reading the whole column would decode it, the detail's skeleton)."""
    sql = expressions.detail_sql(table=None, analysis_keys=ANALYSIS_KEYS, kind=kind)
    with connections["wrapped"].cursor() as cursor:
        cursor.execute(f"SELECT payload::text, {sql}::text FROM (SELECT %s::{kind} AS payload) t", [payload_text])
        whole, detail = cursor.fetchone()
    detail = json.loads(detail)
    assert detail["size"] == len(whole.encode())
    return json.loads(whole), detail["skeleton"]


ODD_PAYLOADS = {
    "empty": {},
    "usual": {
        "data_jobs": {
            "watch_history": {"id": "job-wh", "status": "succeeded", "result": {"videos": list(range(50))}},
            "wrapped_analysis": {"id": "job-an", "status": "failed"},
            "email_send": {"id": 42, "status": True},
            "other": {"id": "x"},
        },
        "_watch_history_progress": {
            "scrape_error": "rate_limited",
            "scrape_error_detail": "429 from upstream",
            "scrape_truncated": True,
            "scrape_stop_reason": "max pages",
            "coverage": {"extrapolated": True, "extrapolation_factor": 1.5, "coverage_months": 7, "more": [1]},
            "videos_fetched_total": "12",
            "completed_data_jobs": [3],
            "cursor_ms": None,
        },
        "_analysis_warnings": ["short history", {"code": 7}, 3],
        "personality_type": "The Night Owl",
        "top_niches": ["cats", {"internal_name": "cooking"}, {"a": 1, "b": [2]}],
        "brain_rot_score": 0,
        "cat_name": "",
        "accessory_set": {"internal_name": None},
        "keyword_2026": False,
        "scroll_time": 12.5,
        "thumb_roast": [],
    },
    "wrong types": {
        "data_jobs": {"watch_history": None, "wrapped_analysis": [1], "email_send": "sent"},
        "_watch_history_progress": ["not", "an", "object"],
        "_analysis_warnings": {"one": "warning"},
    },
    "data_jobs a string": {"data_jobs": "broken", "_analysis_warnings": "fallback"},
    "data_jobs a list": {"data_jobs": [{"id": "j"}], "_watch_history_progress": 5, "_analysis_warnings": ""},
    "coverage odd": {"_watch_history_progress": {"coverage": "full", "scrape_error": 0, "scrape_truncated": []}},
    "many warnings": {"_analysis_warnings": [f"warning {i}" for i in range(80)]},
    "big values": {
        "_analysis_debug": ["x" * 100] * 200,
        "top_niches": [f"niche {i} " + "n" * 60 for i in range(100)],
        "niche_journey": {f"k{i}": "v" * 700 for i in range(30)},
        "accessory_set": {**{f"k{i}": "v" * 700 for i in range(30)}, "internal_name": "hat"},
        "personality_explanation": "because " * 1500,
        "data_jobs": {"email_send": {"id": "job-em", "status": "failed", "log": "l" * BIG}},
        "_watch_history_progress": {"scrape_error": "blocked", "videos_fetched_total": 10, "pages": [1] * 3000},
    },
    "duplicate keys": None,  # written as text below
    "array": [1, 2, 3],
    "string": "just text",
    "int": 3,
    "float": 3.5,
    "bool": True,
    "null": None,
}
TEXTS = {
    name: json.dumps(payload)
    if name != "duplicate keys"
    else '{"data_jobs": {"email_send": {"id": "first"}}, "data_jobs": {"email_send": {"id": "last"}}}'
    for name, payload in ODD_PAYLOADS.items()
}


@pytest.mark.parametrize("kind", [expressions.JSON, expressions.JSONB])
@pytest.mark.parametrize("name", list(TEXTS))
def test_the_skeleton_reads_as_the_whole_payload_for_every_shape(name, kind):
    whole, skel = skeleton(TEXTS[name], kind)
    assert queries.payload_warnings(skel) == queries.payload_warnings(whole)
    assert queries.analysis_summary(skel) == queries.analysis_summary(whole)
    assert queries.stage_entries(skel) == queries.stage_entries(whole)
    assert len(json.dumps(skel)) < 60_000


def test_the_skeleton_reads_past_a_nul_escape_in_a_json_payload():
    text = json.dumps({"data_jobs": {"email_send": {"id": "j\x00b"}}, "_analysis_warnings": ["bad\x00byte"]})
    assert "\\u0000" in text
    _, skel = skeleton(text, expressions.JSON)
    assert queries.payload_warnings(skel) == ["Analysis warning: bad\ufffdbyte"]
    assert queries.stage_entries(skel)[queries.EMAIL_STAGE] == ("j\ufffdb", None)


@pytest.mark.parametrize("kind", [expressions.JSON, expressions.JSONB])
def test_the_skeleton_of_a_huge_payload_stays_small(kind):
    huge = "h" * 100_000
    payload = {
        "_analysis_debug": [huge] * 3,
        "_analysis_warnings": [huge] * 60,
        "top_niches": [huge] * 30,
        "personality_type": huge,
        "accessory_set": {f"k{i}": huge for i in range(20)},
        "data_jobs": {"email_send": {"id": huge, "status": huge}},
        "_watch_history_progress": {"scrape_error": huge, "coverage": {"coverage_months": huge}},
    }
    _, skel = skeleton(json.dumps(payload), kind)
    assert len(json.dumps(skel)) < 400_000  # from ~12 MB
    notes = queries.payload_warnings(skel)
    assert len(notes) == 51 and notes[1].startswith("Analysis warning: hhh") and notes[1].endswith("h…")
    assert dict(queries.analysis_summary(skel))["Top niches"].endswith(" …")


# -- the page --------------------------------------------------------------------------------------
def canary_run(**kwargs) -> tuple[WrappedRun, str]:
    canary = f"CANARY-{uuid.uuid4().hex}"
    debug = ["".join(uuid.uuid4().hex for _ in range(30)) for _ in range(1500)]  # ~1.4 MB, incompressible
    debug[700] = canary
    return WrappedRunFactory(stage="analysis", extra_payload={"_analysis_debug": debug}, **kwargs), canary


def test_the_detail_carries_no_payload_and_never_selects_it(client_for):
    run, canary = canary_run(email="pay.load@example.com")
    client = client_for("support")
    client.get(f"{RUNS}{run.id}/change/")  # warm: the column type, the session
    with query_budget("wrapped", at_most=4) as log:
        response = client.get(f"{RUNS}{run.id}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert canary not in page and "_analysis_debug" not in page
    assert f'data-json-url="{RUNS}{run.id}/payload.json"' in page
    assert "Running analysis" in page and "MB)" in page  # the size, read by the database
    for query in log.on("wrapped"):
        select_list = query["sql"].split(" FROM ")[0]
        assert '"app_wrapped_runs"."payload",' not in select_list and not select_list.endswith('"payload"'), query
        assert "substring(" not in query["sql"] and "left(payload" not in query["sql"], query
    # ... and the viewer finds the document at that URL.
    assert canary in client.get(f"{RUNS}{run.id}/payload.json").getvalue().decode()


def test_the_detail_explains_wrong_typed_and_missing_keys(client_for):
    run = WrappedRunFactory(
        stage="analysis",
        extra_payload={
            "data_jobs": {"watch_history": None, "wrapped_analysis": {"id": 17, "status": "failed"}},
            "_watch_history_progress": {
                "videos_fetched_total": "twelve",
                "coverage": {"extrapolated": True, "extrapolation_factor": 2},
            },
            "_analysis_warnings": ["short history"],
            "personality_type": "The Night Owl",
            "top_niches": ["cats", {"internal_name": "cooking"}],
        },
    )
    page = client_for("viewer").get(f"{RUNS}{run.id}/change/").content.decode()
    for text in (
        "payload.data_jobs.watch_history is a NoneType, expected an object.",
        "_watch_history_progress.videos_fetched_total is &#x27;twelve&#x27; (str), expected a number.",
        "Figures extrapolated ×2 from ? months of history.",
        "Analysis warning: short history",
        "The Night Owl",
        "cats, cooking",
        "17 <em>(no such job)</em>",
    ):
        assert text in page, text
    odd = WrappedRunFactory(stage="analysis", payload=["not", "an", "object"], with_jobs=False)
    page = client_for("viewer").get(f"{RUNS}{odd.id}/change/").content.decode()
    assert "The payload is a list, not an object: nothing in it can be read." in page


def test_a_payload_too_big_to_browse_shows_a_masked_preview_cut_before_an_email(client_for, monkeypatch):
    run = WrappedRunFactory(stage="ready", email="cut.here@example.com")
    monkeypatch.setattr(views, "MAX_INLINE_PAYLOAD_BYTES", 10)
    text = queries.payload_head(run.id, 10_000)
    at = text.index("cut.here@example.com")
    monkeypatch.setattr(views, "PREVIEW_CHARS", at + 6)  # the preview ends inside the email
    support = client_for("support").get(f"{RUNS}{run.id}/change/").content.decode()
    assert "too large to browse here" in support and 'class="json-viewer"' not in support
    viewer = client_for("viewer").get(f"{RUNS}{run.id}/change/").content.decode()
    assert "too large to browse here" in viewer and "cut.he" not in viewer.replace("c***@example.com", "")


def test_the_masked_preview_reads_escapes_as_the_decoded_document_would(client_for, monkeypatch):
    from tests import seeding

    run = WrappedRunFactory(stage="ready", with_jobs=False)
    text = '{"a": "hid.den\\u0040example.com", "b": "\\ud83d\\ude00 \\u0000", "pad": "' + "p" * 200 + '"}'
    seeding.execute("wrapped", "UPDATE app_wrapped_runs SET payload = %s::json WHERE id = %s", [text, run.id])
    monkeypatch.setattr(views, "MAX_INLINE_PAYLOAD_BYTES", 10)
    viewer = client_for("viewer").get(f"{RUNS}{run.id}/change/")
    assert viewer.status_code == 200
    page = viewer.content.decode()
    assert "h***@example.com" in page and "hid.den" not in page
    assert "hid.den\\u0040example.com" in client_for("support").get(f"{RUNS}{run.id}/change/").content.decode()


# -- the download ----------------------------------------------------------------------------------
def stored_text(run_id: str) -> str:
    with connections["wrapped"].cursor() as cursor:
        cursor.execute("SELECT payload::text FROM app_wrapped_runs WHERE id = %s", [run_id])
        return cursor.fetchone()[0]


def test_the_download_streams_the_stored_document_in_chunks(client_for, monkeypatch):
    run, canary = canary_run(email="stream.me@example.com")
    monkeypatch.setattr(views, "PAYLOAD_CHUNK_BYTES", 100_000)
    with query_log("wrapped") as log:
        response = client_for("admin").get(f"{RUNS}{run.id}/payload.json")
        chunks = list(response.streaming_content)
    assert response.streaming and response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert len(chunks) > 10 and max(len(c) for c in chunks) <= 100_000
    body = b"".join(chunks).decode()
    assert body == stored_text(run.id) and canary in body and "stream.me@example.com" in body
    assert not any('"payload"' in q["sql"].split(" FROM ")[0] for q in log.on("wrapped"))


def test_the_download_is_masked_for_a_viewer_and_bounded(client_for, monkeypatch):
    run = WrappedRunFactory(email="mask.me@example.com", extra_payload={"note": "write to mask.me@example.com"})
    response = client_for("viewer").get(f"{RUNS}{run.id}/payload.json")
    assert response.status_code == 200 and not response.streaming
    body = response.content.decode()
    assert "mask.me@example.com" not in body and json.loads(body)["note"] == "write to m***@example.com"
    monkeypatch.setattr(views, "MAX_MASKED_PAYLOAD_BYTES", 100)
    refused = client_for("viewer").get(f"{RUNS}{run.id}/payload.json")
    assert refused.status_code == 413 and "too large to mask for your role" in refused.content.decode()
    assert "mask.me" not in refused.content.decode()
    assert client_for("support").get(f"{RUNS}{run.id}/payload.json").streaming  # no bound: nothing held


def test_the_download_of_a_missing_run_is_a_404(client_for):
    assert client_for("admin").get(f"{RUNS}no-such-run/payload.json").status_code == 404
    assert client_for("viewer").get(f"{RUNS}no-such-run/payload.json").status_code == 404


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"last_error": "SMTP 550"}, "SMTP 550"),
        ({"last_error": "", "error": "boom"}, "boom"),
        ({"last_error": None, "error": False, "error_message": "late"}, "late"),
        ({"last_error": 0, "error": [], "error_message": {}}, None),
        ({"last_error": "0"}, "0"),
        ({"error": 7}, "7"),
        ({"error": "x" * 3000}, "x" * 2000),
        ({"error": "nul\x00here"}, "nul\ufffdhere"),
        ({}, None),
    ],
)
def test_a_stage_jobs_error_is_read_by_the_database(payload, error):
    job = AppJobFactory(payload=payload)
    sql = expressions.job_error_sql(queries.JOB_ERROR_KEYS, kind=expressions.json_kind("app_jobs"))
    read = AppJob.objects.defer("payload").annotate(error=RawSQL(sql, [])).get(pk=job.pk)
    assert queries.job_error(read) == error
    if "\\u0000" not in json.dumps(payload):
        assert queries.job_error(AppJob.objects.get(pk=job.pk)) == error  # as the payload reads in Python
