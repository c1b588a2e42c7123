"""A person's timeline across sources, newest first, bounded, one query per source and kind."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.urls import reverse

from backoffice import timeline
from tests.factories import posters as p
from tests.factories import wrapped as w
from tests.pages import query_log

TIMELINE = reverse("admin:timeline")


def rows(html: str) -> list[str]:
    body = re.search(r'<table class="dash-table timeline">.*?<tbody>(.*?)</tbody>', html, re.S)
    if not body:
        return []
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


@pytest.fixture
def aria():
    now = datetime.now(UTC).replace(tzinfo=None)
    user = w.AppUserFactory(platform_username="aria_miller264", created_at=now - timedelta(days=10))
    w.AppUserEmailFactory(app_user=user, email="aria@example.com")
    w.AuthJobFactory(
        app_user_id=user.app_user_id,
        email="aria@example.com",
        status="failed",
        last_error="token expired",
        updated_at=now - timedelta(days=9),
    )
    run = w.WrappedRunFactory(
        app_user=user,
        failed_stage="email_send",
        updated_at=now - timedelta(hours=3),
        created_at=now - timedelta(days=2),
    )
    poster = p.GeneratedPosterFactory(
        username="aria_miller264", status="failed", created_at=datetime.now(UTC) - timedelta(days=1)
    )
    p.GeneratedPosterFactory(username="someone_else", created_at=datetime.now(UTC) - timedelta(days=1))
    return {"user": user, "run": run, "poster": poster}


def test_timeline_merges_wrapped_and_posters_newest_first(client_for, aria):
    html = client_for("support").get(TIMELINE, {"q": "ARIA@example.com"}).content.decode()
    lines = rows(html)
    assert lines, html[-2000:]
    assert lines[0].startswith("just now wrapped email_send failed (attempt 5/5) failed")  # the stage job moved last
    assert any(line.startswith("3 h ago wrapped Run email pending/failed failed") for line in lines)
    assert any("posters Poster failed in batch" in line for line in lines)
    assert any("wrapped TikTok link failed failed token expired" in line for line in lines)
    assert any("wrapped Signed up" in line for line in lines)
    assert any("wrapped Run started" in line for line in lines)
    assert not any("someone_else" in line for line in lines)
    whens = re.findall(r'<time datetime="([^"]+)"', html.split('class="dash-table timeline"')[1])
    assert whens == sorted(whens, reverse=True)
    assert "@aria_miller264" in html


def test_timeline_is_bounded_and_pages_older_events(client_for, aria, monkeypatch):
    monkeypatch.setattr(timeline, "MAX_ENTRIES", 3)
    html = client_for("support").get(TIMELINE, {"q": "aria@example.com"}).content.decode()
    first_page = rows(html)
    assert len(first_page) == 3
    older = re.search(r'href="(\?q=[^"]*&amp;before=[^"]+)">Older events', html)
    assert older, "no link to older events"
    html = client_for("support").get(TIMELINE + unescape(older.group(1))).content.decode()
    second_page = rows(html)
    assert len(second_page) == 3
    assert not set(first_page) & set(second_page)
    assert second_page[0].startswith("3 h ago wrapped Run email pending/failed")


def test_timeline_queries_are_a_fixed_number_per_source(client_for, aria):
    support = client_for("support")
    with (
        query_log("wrapped") as wrapped,
        query_log("posters") as posters,
    ):
        support.get(TIMELINE, {"q": "aria@example.com"})
    assert len(wrapped) <= 9
    assert len(posters) == 1


def test_bad_input_is_explained(client_for):
    support = client_for("support")
    assert "is not an identifier" in support.get(TIMELINE, {"q": "two words"}).content.decode()
    response = support.get(TIMELINE, {"q": "aria@example.com", "before": "2024-99-99"})
    assert response.status_code == 400
    assert "is not a date and time" in response.content.decode()
    assert client_for("viewer").get(TIMELINE, {"q": "aria@example.com"}).status_code == 403
    assert "Nothing happened to" in support.get(TIMELINE, {"q": "nobody@example.com"}).content.decode()
