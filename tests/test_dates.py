"""One date format: lists and detail pages show "4 min ago" with the exact UTC time on hover."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from monitoring.posters.models import BatchJob
from monitoring.wrapped.models import AppJob
from tests.factories.posters import BatchJobFactory
from tests.factories.wrapped import AppJobFactory
from tests.pages import change, changelist

pytestmark = pytest.mark.django_db(databases="__all__")

DJANGO_FORMATS = re.compile(r"\b(a\.m\.|p\.m\.|noon|midnight)|\d{2}:\d{2}:\d{2}\.\d{6}")


def visible(html: str) -> str:
    """The page without the machine-readable datetime="…" attributes of <time> elements."""
    return re.sub(r' datetime="[^"]*"', "", html)


def test_list_dates_are_humanised_with_the_exact_utc_time_on_hover(client_for):
    updated = (datetime.now(UTC) - timedelta(minutes=4, seconds=10)).replace(tzinfo=None, microsecond=86763)
    AppJobFactory(updated_at=updated)
    html = client_for("viewer").get(changelist(AppJob)).content.decode()
    cell = re.search(r'<td class="field-updated(?:_at)?[^"]*">(.*?)</td>', html, re.S).group(1)
    assert re.fullmatch(r'<time datetime="[^"]+" title="[^"]+ UTC">4 min 1\d s ago</time>', cell)
    assert updated.strftime("%Y-%m-%d %H:%M:%S UTC") in cell
    assert not DJANGO_FORMATS.search(visible(html))


def test_detail_dates_are_humanised_with_the_exact_utc_time_on_hover(client_for):
    job = AppJobFactory(created_at=datetime(2026, 8, 29, 21, 11, 5), locked_at=None)
    html = client_for("viewer").get(change(AppJob, job.id)).content.decode()
    assert 'title="2026-08-29 21:11:05 UTC"' in html
    assert "Aug. 29, 2026" not in html
    assert not DJANGO_FORMATS.search(visible(html))
    field = re.search(r'field-locked(?:_at)?\b.*?<div class="readonly">(.*?)</div>', html, re.S).group(1)
    assert field.strip() == "—"  # a missing date is a dash, not "None"


def test_an_aware_timestamp_column_is_shown_the_same_way(client_for):
    job = BatchJobFactory(created_at=datetime(2026, 11, 25, 15, 37, 54, 86763, tzinfo=UTC))
    html = client_for("viewer").get(change(BatchJob, job.pk)).content.decode()
    assert 'title="2026-11-25 15:37:54 UTC"' in html
    assert "15:37:54.086763" not in visible(html)
