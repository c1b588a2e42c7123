"""Find anything: one identifier looked up in every source where its kind lives."""

from __future__ import annotations

import re

import pytest
from django.db import connections
from django.urls import reverse

from tests.factories import posters as p
from tests.factories import publishing as pub
from tests.factories import wrapped as w
from tests.pages import query_budget, query_log

FIND = reverse("admin:find")


def groups(html: str) -> dict[str, str]:
    """{"Source · Kind": the group's text} for every result group on the page."""
    found = {}
    for block in re.findall(r'<div class="module find-group">(.*?)</div>', html, re.S):
        title = re.search(r"<h2>(.*?) \(\d+\)</h2>", block).group(1)
        found[title] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block))
    return found


@pytest.fixture
def support(client_for):
    return client_for("support")


def test_an_email_in_odd_case_finds_the_wrapped_person(support):
    user = w.AppUserFactory()
    w.AppUserEmailFactory(app_user=user, email="aria.miller@example.com")
    run = w.WrappedRunFactory(app_user=user, failed_stage="email_send")
    html = support.get(FIND, {"q": "Aria.Miller@Example.com"}).content.decode()
    found = groups(html)
    assert user.app_user_id in found["Wrapped (TikTok) · Users"]
    assert run.id in found["Wrapped (TikTok) · Runs"]
    assert "Email pending/failed" in found["Wrapped (TikTok) · Runs"]
    assert "email (as typed or lower-case)" in html


def test_a_lookup_without_its_index_says_so_instead_of_scanning(support):
    w.AppUserFactory(platform_username="aria_miller264")
    html = support.get(FIND, {"q": "aria_miller264"}).content.decode()
    assert "Users by TikTok username: not searched: it needs the index bo_users_platform_username" in re.sub(
        r"\s+", " ", html
    )
    assert "Wrapped (TikTok) · Users by TikTok username" not in groups(html)


def test_ids_of_posters_and_publishing(support):
    batch = p.BatchJobFactory(job_id="job_csv_20261126_aa", status="processing", processed_items=4)
    html = support.get(FIND, {"q": "job_csv_20261126_aa"}).content.decode()
    assert "4/10 processed · 1 failed" in groups(html)["Posters · Batch jobs"]
    assert reverse("admin:posters_batchjob_change", args=[batch.pk]) in html
    clip = pub.ClipFactory()
    html = support.get(FIND, {"q": str(clip.pk).upper()}).content.decode()
    assert f"clip {clip.pk}" in groups(html)["Publishing · Rows by id"]
    log = pub.PublishLogFactory(platform_post_id="7300000000000042")
    log_url = reverse("admin:publishing_publishlog_change", args=[log.pk])
    assert log_url in support.get(FIND, {"q": "7300000000000042"}).content.decode()
    assert (
        "tiktok 7300000000000042"
        in groups(support.get(FIND, {"q": "7300000000000042"}).content.decode())["Publishing · Publish logs"]
    )


def test_nothing_found_and_not_an_identifier_are_told_apart(support):
    assert (
        "Nothing matches “nobody-at-all” in any source." in support.get(FIND, {"q": "nobody-at-all"}).content.decode()
    )
    html = support.get(FIND, {"q": "two words"}).content.decode()
    assert "is not an identifier" in html
    assert support.get(FIND, {"q": "a\x00b" * 500}).status_code == 200


def test_a_source_that_is_down_is_named_and_the_others_answer(support):
    w.AppUserFactory(platform_username="zed")
    p.GeneratedPosterFactory(username="zed")
    connection = connections["wrapped"]
    real_name = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = "no_such_database_here"
    try:
        html = support.get(FIND, {"q": "zed"}).content.decode()
    finally:
        connection.close()
        connection.settings_dict["NAME"] = real_name
    assert "Wrapped (TikTok) did not answer" in html
    assert "Posters · Posters by username" in groups(html)


def test_search_is_for_support_and_up_and_the_header_box_follows(client_for):
    viewer = client_for("viewer")
    assert viewer.get(FIND, {"q": "x"}).status_code == 403
    assert 'class="header-find"' not in viewer.get(reverse("admin:index")).content.decode()
    assert 'class="header-find"' in client_for("support").get(reverse("admin:index")).content.decode()


def test_query_count_does_not_grow_with_the_hits(support):
    for _ in range(5):
        p.GeneratedPosterFactory(username="many")
    with query_budget("posters", at_most=3) as few:
        support.get(FIND, {"q": "many"})
    for _ in range(10):
        p.GeneratedPosterFactory(username="many")
    with query_log("posters") as more:
        support.get(FIND, {"q": "many"})
    assert len(more) == len(few) <= 3
