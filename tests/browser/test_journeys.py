"""What staff see in a real browser: find a person and retry a stage, masked values, the live panel.

Rows are written through the seeding connection (committed, so the live server sees them); every
retry goes over real HTTP to the fake Wrapped service, which changes the data as the service would.
"""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.factories.wrapped import AppUserEmailFactory, AppUserFactory, WrappedRunFactory

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

RUNS = "/admin/wrapped/wrappedrun/"
FIND_PERSON = "/admin/wrapped/find-person/"
AUDIT = "/admin/audit/actionrecord/"


def a_person(email: str, run_id: str, **run_values):
    """A user with `email`, and one run whose analysis stage failed."""
    user = AppUserFactory()
    AppUserEmailFactory(app_user=user, email=email)
    run = WrappedRunFactory(id=run_id, app_user=user, email=email, failed_stage="wrapped_analysis", **run_values)
    return user, run


def test_operator_finds_a_person_retries_a_stage_and_the_audit_shows_it(open_as, browsing, fake_wrapped_api):
    user, run = a_person("mara.quinn@example.com", "run-mara-0001")

    page = open_as("operator", via_form=True)
    expect(page.get_by_role("link", name="Find a person")).to_be_visible()

    # Find a person by email, typed in another case than the service stores (lower case).
    page.get_by_role("link", name="Find a person").click()
    page.get_by_label(re.compile("Email, device id")).fill("Mara.Quinn@Example.com")
    page.get_by_role("button", name="Find").click()
    runs = page.locator(".person-section", has=page.get_by_role("heading", name="Wrapped runs (1)"))
    expect(runs).to_contain_text("Running analysis")
    expect(page.locator(".person-section", has_text="Users (1)")).to_contain_text(user.app_user_id)
    expect(page.locator(".person-section", has_text="User emails (1)")).to_contain_text("mara.quinn@example.com")

    # Open their run: the page carries no payload; the viewer fetches it from the download.
    with page.expect_response(re.compile(rf"{RUNS}{run.id}/payload\.json$")) as fetched:
        runs.get_by_role("link", name=run.id).click()
    assert fetched.value.status == 200
    expect(page).to_have_url(re.compile(rf"{RUNS}{run.id}/change/$"))
    expect(page.locator(".run-summary")).to_contain_text("Status failed")
    expect(page.locator(".run-summary .stage")).to_have_text("Running analysis")
    expect(page.locator("script#run-payload")).to_have_count(0)

    # Expand the payload once it has loaded: nested objects are built only when opened.
    viewer = page.locator(".json-viewer")
    expect(viewer).not_to_contain_text("Loading payload", timeout=10_000)
    coverage = viewer.locator("details", has=page.locator("> summary .jv-key", has_text="coverage"))
    expect(coverage).to_have_count(1)
    expect(coverage).not_to_contain_text("coverage_months")
    coverage.locator("> summary").click()
    expect(coverage).to_contain_text("coverage_months")
    expect(coverage.get_by_title("Copy key path _watch_history_progress.coverage.coverage_months")).to_be_visible()

    # Retry one stage: confirmation page, then the call.
    page.locator(".run-actions").get_by_role("button", name="Retry analysis").click()
    expect(page.locator("#content-main")).to_contain_text(f"POST /admin/test/runs/{run.id}/retry-analysis")
    assert fake_wrapped_api.requests == [], "the confirmation page must not call the service"
    page.get_by_label("Reason").fill("OPS-4242")
    page.get_by_role("button", name="Yes, make 1 call").click()

    expect(page).to_have_url(re.compile(rf"{RUNS}{run.id}/change/"))
    expect(page.locator("ul.messagelist")).to_contain_text("Retry analysis: 1 ok, 0 failed.")
    expect(page.locator(".run-summary")).to_contain_text("Status pending")
    analysis_row = page.locator("table.stage-jobs tr", has=page.get_by_role("rowheader", name=re.compile("nalysis")))
    expect(analysis_row).to_contain_text("pending")
    calls = fake_wrapped_api.requests_to("/retry-analysis")
    assert [(c.method, c.path) for c in calls] == [("POST", f"/admin/test/runs/{run.id}/retry-analysis")]

    # The audit log is the admin's (the operator is refused it): the call is there, with the
    # operator's name and the service's answer.
    page.goto(AUDIT)
    expect(page.locator("body")).to_contain_text("403")
    admin_page = open_as("admin")
    admin_page.goto(f"{RUNS}{run.id}/change/")
    admin_page.get_by_role("link", name="Actions on this run").click()
    rows = admin_page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    for text in ("operator-browser", "retry_analysis", run.id, "200", "OK"):
        expect(rows.first).to_contain_text(text)
    browsing.assert_clean(expected_failures=(f"403 GET {page.url}",))


def test_viewer_sees_masked_emails_and_no_actions(open_as, browsing, fake_wrapped_api):
    _, run = a_person("jolene.parton@example.com", "run-jolene-0001")

    page = open_as("viewer")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(RUNS)
    row = page.locator("#result_list tbody tr", has=page.locator(f'button[data-copy="{run.id}"]'))
    expect(row).to_contain_text("j***@example.com")
    # The runs table fits a 1440 px screen: ids are cut to one line, email, progress and warnings in view.
    for cell in ("field-run_id", "field-email", "field-progress", "field-warnings"):
        box = row.locator(f"td.{cell}").bounding_box()
        assert box and box["x"] + box["width"] <= 1440, (cell, box)
    id_box = row.locator("td.field-run_id").bounding_box()
    assert id_box["height"] < 40, id_box  # one line, not four
    expect(page.locator("body")).not_to_contain_text("jolene.parton")
    expect(page.locator("select[name=action]")).to_have_count(0)
    expect(page.locator("input.action-select")).to_have_count(0)
    expect(page.get_by_text("Retry all failed runs")).to_have_count(0)
    expect(page.get_by_role("link", name="Find a person")).to_have_count(0)

    # The id is shortened in the list (whole in the tooltip and the copy button); its link opens the run.
    expect(row.locator("td.field-run_id button.copy-button")).to_have_attribute("data-copy", run.id)
    row.locator(f'td.field-run_id a[href$="/{run.id}/change/"]').click()
    expect(page.locator(".run-summary .stage")).to_have_text("Running analysis")
    expect(page.locator(".field-email")).to_contain_text("j***@example.com")
    expect(page.locator(".field-email")).not_to_contain_text("jolene.parton")
    expect(page.locator("form.inline-form")).to_have_count(0)
    expect(page.locator("#content-main [type=submit]")).to_have_count(0)
    expect(page.get_by_text(re.compile("^Retry"))).to_have_count(0)
    expect(page.get_by_role("link", name="Actions on this run")).to_have_count(0)

    page.goto(FIND_PERSON)
    expect(page.locator("body")).to_contain_text("403")
    assert fake_wrapped_api.requests == []
    browsing.assert_clean(expected_failures=(f"403 GET {page.url}",))


def test_viewer_sees_no_unmasked_email_in_the_payload_viewer(open_as, browsing):
    _, run = a_person("jolene.parton@example.com", "run-jolene-0002")

    page = open_as("viewer")
    page.goto(f"{RUNS}{run.id}/change/")
    viewer = page.locator(".json-viewer")
    expect(viewer.locator(".jv-key", has_text="email")).to_have_count(1)
    expect(viewer).not_to_contain_text("jolene.parton", timeout=1_000)


def test_live_panel_shows_a_run_the_service_changed(open_as, browsing, fake_wrapped_api):
    quiet = WrappedRunFactory(id="run-quiet-0001", failed_stage="wrapped_analysis")
    _, run = a_person("live.person@example.com", "run-live-0001")

    page = open_as("support")
    page.goto(RUNS)
    panel = page.locator(".live-panel")
    expect(panel).to_contain_text("Live: checking every 5 s")  # the first poll answered
    expect(panel.locator(".live-row")).to_have_count(0)

    # Another writer: the Wrapped service retries the run's analysis (over its real HTTP API).
    answer = requests.post(
        f"{fake_wrapped_api.base_url}/admin/test/runs/{run.id}/retry-analysis",
        headers={"X-Admin-Key": fake_wrapped_api.admin_key},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text

    changed = panel.locator(".live-changes .live-row")
    expect(changed).to_have_count(1, timeout=12_000)  # the next poll, at most 5 s later
    expect(changed.get_by_role("link", name=run.id)).to_have_attribute("href", f"{RUNS}{run.id}/change/")
    expect(changed).to_contain_text("pending")
    # The run's row in the table is marked and shows its new status; the quiet run's is not.
    table_row = page.locator("#result_list tbody tr", has=page.locator(f'button[data-copy="{run.id}"]'))
    expect(table_row).to_have_class(re.compile("live-changed"))
    expect(table_row.locator("td.field-status_badge")).to_have_text("pending")
    quiet_row = page.locator("#result_list tbody tr", has=page.locator(f'button[data-copy="{quiet.id}"]'))
    expect(quiet_row).not_to_have_class(re.compile("live-changed"))
    # Later polls keep the change listed (it is not reported twice).
    page.wait_for_timeout(6_000)
    expect(changed).to_have_count(1)
    expect(panel).not_to_contain_text(quiet.id)
    browsing.assert_clean()
