"""The batch detail in a real browser: a poster image that fails shows its placeholder (a static
script, no inline handler), the failure groups and log details fold out, and the page raises no
Content-Security-Policy violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories.posters import BatchJobFactory, GeneratedPosterFactory, JobLogFactory, PosterFailureDetailFactory

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def test_batch_detail_placeholders_and_fold_outs(open_as, browsing, live_server):
    job = BatchJobFactory(job_id="job_browser_01", template_html="<script>alert(1)</script><b>x</b>")
    GeneratedPosterFactory(job=job, username="missing_image", poster_url=f"{live_server.url}/static/no-such.png")
    GeneratedPosterFactory(job=job, username="no_url", poster_url=None, metadata={})
    PosterFailureDetailFactory(job=job, failure_type="timeout", error_message="Timed out rendering poster")
    JobLogFactory(
        job=job, message="[FRONTEND ERROR] sse_error: Connection failed", details={"source": "frontend", "n": 1}
    )

    page = open_as("viewer")
    page.goto(f"/admin/posters/batchjob/{job.pk}/change/")
    # a 404 on this host, and the failure's poster on S3 (no network here): both show the placeholder
    images = page.locator(".poster-thumb-frame", has=page.locator("img.poster-thumb"))
    expect(images).to_have_count(2)
    for frame in (images.nth(0), images.nth(1)):
        expect(frame).to_have_class("poster-thumb-frame is-broken")
        expect(frame.locator(".poster-thumb-fallback")).to_be_visible()
        expect(frame.locator("img")).to_be_hidden()
    expect(page.locator(".poster-thumb-frame.is-empty")).to_have_count(1)  # no URL at all

    group = page.locator("details.failure-group")
    expect(group.locator("table")).to_be_hidden()
    group.locator("summary").click()
    expect(group.locator("table")).to_contain_text("Timed out rendering poster")

    entry = page.locator(".log-entry.log-frontend")
    expect(entry).to_contain_text("frontend")
    entry.locator("summary").click()
    expect(entry.locator("pre")).to_contain_text('"source": "frontend"')

    expect(page.locator(".html-source")).to_contain_text("<script>alert(1)</script>")
    browsing.assert_clean(expected_failures=("no-such.png", "amazonaws.com"))


def test_a_section_that_cannot_be_loaded_says_so_in_its_place(open_as, browsing, live_server):
    """The script's half of a failing section: an error answer and a request that never gets one
    each leave a note in the section's place (the server's half: test_health)."""
    job = BatchJobFactory(job_id="job_browser_02")
    GeneratedPosterFactory(job=job, username="shown_poster", poster_url=None, metadata={})

    page = open_as("viewer")
    page.route("**/section/failure_groups/", lambda route: route.fulfill(status=502, body="Bad gateway"))
    page.route("**/section/log_timeline/", lambda route: route.abort("connectionrefused"))
    page.goto(f"/admin/posters/batchjob/{job.pk}/change/")

    notes = page.locator(".section-error[role=alert]")
    expect(notes).to_have_count(2)
    expect(notes.nth(0)).to_have_text("This section could not be loaded (HTTP 502). Reload the page to try again.")
    expect(notes.nth(1)).to_have_text(
        "This section could not be loaded: the back office did not answer. Reload the page to try again."
    )
    expect(page.locator(".detail-section")).to_have_count(0)  # nothing left reading "Loading…"
    expect(page.get_by_text("shown_poster")).to_be_visible()  # the other sections loaded
    assert all("failure_groups" in e or "log_timeline" in e or "htmx:" in e for e in browsing.console_errors), (
        browsing.console_errors
    )
    assert not browsing.csp_errors()
