"""What a list says when its count gives up, is capped, or a page is past the end."""

import re

import pytest
from django.contrib import admin

from backoffice import pagination
from monitoring.wrapped.models import AppJob
from tests.factories.wrapped import AppJobFactory
from tests.pages import changelist, result_rows

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def five_per_page(monkeypatch):
    monkeypatch.setattr(admin.site._registry[AppJob], "list_per_page", 5)


@pytest.fixture
def count_gives_up(monkeypatch):
    """The filtered count runs out of its budget (the real give-up path is in test_pagination)."""
    monkeypatch.setattr(pagination, "_budgeted_count", lambda queryset: None)


def page_links(html: str) -> list[str]:
    paginator = re.search(r'<p class="paginator">(.*?)</p>', html, re.S).group(1)
    return re.findall(r">\s*(\d+|‹ previous|next ›)\s*<", paginator)


def jobs(n, status="failed"):
    for _ in range(n):
        AppJobFactory(status=status)


def test_a_count_that_gives_up_says_more_than_and_links_only_pages_known_to_exist(
    client_for, five_per_page, count_gives_up
):
    jobs(12)
    html = client_for("viewer").get(changelist(AppJob) + "?status__exact=failed").content.decode()
    assert result_rows(html) == 5
    assert "10000" not in html
    assert "more than 5 queue jobs" in html
    assert page_links(html) == ["1", "2", "next ›"]  # page 2 is known to exist, nothing beyond

    html = client_for("support").get(changelist(AppJob) + "?status__exact=failed&p=3").content.decode()
    assert result_rows(html) == 2
    assert page_links(html) == ["‹ previous", "1", "2", "3"]  # the last page: no next
    assert "12 queue jobs" in html  # the end was reached: the count is exact


def test_a_page_past_the_end_of_a_count_that_gave_up_says_why(client_for, five_per_page, count_gives_up):
    jobs(3)
    response = client_for("viewer").get(changelist(AppJob) + "?status__exact=failed&p=7")
    html = response.content.decode()
    assert response.status_code == 200
    assert result_rows(html) == 0
    assert "No rows on page 7;" in html
    assert re.search(r'go back to <a href="\?[^"]*p=1[^"]*">page 1</a>', html)


def test_a_page_past_the_end_of_a_known_count_names_the_count_and_the_last_page(client_for, five_per_page):
    jobs(7)
    response = client_for("viewer").get(changelist(AppJob) + "?status__exact=failed&p=9")
    html = response.content.decode()
    assert response.status_code == 200
    assert "No rows on page 9; this list has 7 queue jobs on pages 1–2" in html
    assert "go to page 2" in html


def test_an_exact_count_shows_every_page_with_previous_and_next(client_for, five_per_page):
    jobs(12)
    jobs(1, status="succeeded")
    html = client_for("viewer").get(changelist(AppJob) + "?status__exact=failed&p=2").content.decode()
    assert result_rows(html) == 5
    assert page_links(html) == ["‹ previous", "1", "2", "3", "next ›"]
    assert "12 queue jobs" in html
    assert "No rows on page" not in html


def test_a_capped_count_says_more_than(client_for, monkeypatch, five_per_page):
    monkeypatch.setattr(pagination, "COUNT_CAP", 4)
    jobs(6)
    html = client_for("viewer").get(changelist(AppJob) + "?status__exact=failed").content.decode()
    assert "more than 4 queue jobs" in html
    assert "10000" not in html


def test_a_page_beyond_the_deepest_offered_is_not_read(client_for, five_per_page, count_gives_up):
    jobs(2)
    html = client_for("viewer").get(changelist(AppJob) + "?status__exact=failed&p=201").content.decode()
    assert "No rows on page 201;" in html and "go back to" in html
    assert result_rows(html) == 0


def test_a_stale_count_is_shown_at_once_and_recounted_after_the_response(client_for, five_per_page, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CACHE_SECONDS", 0)  # every count is stale at once
    jobs(12)
    viewer = client_for("viewer")
    url = changelist(AppJob) + "?status__exact=failed"
    assert "12 queue jobs" in viewer.get(url).content.decode()  # nothing to show yet: counted now
    jobs(3)
    assert "12 queue jobs" in viewer.get(url).content.decode()  # the stale count, recounted once sent
    assert "15 queue jobs" in viewer.get(url).content.decode()


def test_a_relative_window_is_the_same_query_for_a_minute_so_its_count_is_reused(client_for):
    from datetime import UTC, datetime, timedelta

    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from monitoring.wrapped.models import WrappedRun
    from tests.factories.wrapped import WrappedRunFactory

    WrappedRunFactory(updated_at=(datetime.now(UTC) - timedelta(hours=2)).replace(tzinfo=None))
    viewer = client_for("viewer")
    url = changelist(WrappedRun) + "?updated=day"
    while True:
        minute = datetime.now(UTC).minute
        assert ">1 wrapped run<" in viewer.get(url).content.decode()
        with CaptureQueriesContext(connections["wrapped"]) as second:
            assert ">1 wrapped run<" in viewer.get(url).content.decode()
        if datetime.now(UTC).minute == minute:  # both requests in the same minute
            break
    assert not [q for q in second.captured_queries if "COUNT(*)" in q["sql"]]
