"""Investigations you can share: a "copy link" that captures filters, search, sort and the moment."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib import admin
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice.shared.models import SharedView
from monitoring.wrapped.models import AppJob, WrappedRun
from tests.factories.wrapped import AppJobFactory, WrappedRunFactory
from tests.pages import changelist, result_rows

pytestmark = pytest.mark.django_db(databases="__all__")


def ago(minutes: int) -> datetime:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).replace(tzinfo=None)


def share(client, path: str, query: str) -> str:
    response = client.post(reverse("admin:shared_create"), {"path": path, "query": query})
    assert response.status_code == 200
    html = response.content.decode()
    link = re.search(r'data-copy="([^"]+)"', html).group(1)
    assert re.search(r"as of <strong>\d\d:\d\d UTC</strong>", html)
    return link


def row_ids(html: str) -> list[str]:
    return re.findall(r'<th class="field-id"><a href="[^"]*">([^<]+)</a>', html)


def test_a_shared_list_shows_the_same_rows_as_of_its_moment(client_for):
    for n in range(3):
        AppJobFactory(status="failed", updated_at=ago(60 + n))
    AppJobFactory(status="succeeded", updated_at=ago(30))
    support = client_for("support")
    live = support.get(changelist(AppJob) + "?status__exact=failed&o=1").content.decode()
    assert result_rows(live) == 3
    link = share(support, changelist(AppJob), "status__exact=failed&o=1&p=1")
    record = SharedView.objects.get()
    assert record.query == "status__exact=failed&o=1" and record.created_by_username == "support-user"
    assert re.fullmatch(r"http://testserver/admin/shared/[\w-]+/", link)

    AppJobFactory(status="failed", updated_at=ago(0))  # changed after the moment

    colleague = client_for("viewer")
    response = colleague.get(link, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"{changelist(AppJob)}?_shared={record.token}"
    assert result_rows(html) == 3  # the row changed since is not among them
    assert re.search(
        r"Shared view, as of <time [^>]+>\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>, shared by support-user", html
    )
    assert "1 row changed since" in html
    assert result_rows(colleague.get(changelist(AppJob) + "?status__exact=failed").content.decode()) == 4


def test_the_link_never_carries_the_search_and_row_links_keep_the_token(client_for):
    run = WrappedRunFactory(with_jobs=False, sec_user_id="person-42", updated_at=ago(5))
    support = client_for("support")
    link = share(support, changelist(WrappedRun), "q=person-42")
    assert "person-42" not in link
    response = support.get(link, follow=True)
    assert all("person-42" not in url for url, _ in response.redirect_chain)
    html = response.content.decode()
    assert row_ids(html) == [run.id]
    assert "_changelist_filters=_shared%3D" in html  # back from a row: the shared list again
    assert "_changelist_filters=q%3D" not in html


def test_a_shared_list_pages_by_key_without_offset(client_for, monkeypatch):
    monkeypatch.setattr(admin.site._registry[AppJob], "list_per_page", 2)
    jobs = [AppJobFactory(status="failed", updated_at=ago(10)) for _ in range(3)]  # a tie on updated_at
    jobs += [AppJobFactory(status="failed", updated_at=ago(20 + n)) for n in range(2)]
    viewer = client_for("viewer")
    link = share(viewer, changelist(AppJob), "status__exact=failed")
    url, seen = viewer.get(link)["Location"], []
    while url:
        with CaptureQueriesContext(connections["wrapped"]) as queries:
            html = viewer.get(url).content.decode()
        assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)
        seen += row_ids(html)
        older = re.search(r'<a href="(\?_shared=[^"]+)" class="page-next"', html)
        url = changelist(AppJob) + older.group(1).replace("&amp;", "&") if older else None
    assert sorted(seen) == sorted(j.id for j in jobs) and len(seen) == 5


def test_shared_links_need_a_login_and_the_same_permissions(client_for):
    viewer = client_for("viewer")
    link = share(viewer, changelist(AppJob), "")
    anonymous = Client().get(link)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert Client().get(f"{changelist(AppJob)}?_shared={SharedView.objects.get().token}").status_code == 302

    support = client_for("support")
    find_link = share(support, reverse("admin:find"), "q=nobody@example.com")
    assert "nobody" not in find_link
    assert viewer.get(find_link).status_code == 403  # a viewer may not search people


def test_an_unknown_token_or_a_forged_cursor_says_so(client_for):
    viewer = client_for("viewer")
    response = viewer.get(changelist(AppJob) + "?_shared=nope")
    assert response.status_code == 400
    assert "This shared link does not exist" in response.content.decode()
    assert viewer.get(reverse("admin:shared_open", args=["nope"])).status_code == 404
    link = share(viewer, changelist(AppJob), "")
    response = viewer.get(viewer.get(link)["Location"] + "&_after=forged")
    assert response.status_code == 400 and "damaged" in response.content.decode()


def test_only_lists_find_and_timeline_can_be_shared(client_for):
    response = client_for("admin").post(reverse("admin:shared_create"), {"path": "/admin/auth/user/", "query": ""})
    assert response.status_code == 403
    assert client_for("viewer").get(reverse("admin:shared_create")).status_code == 405


def test_find_anything_and_the_timeline_are_shared_with_their_search_and_moment(client_for):
    run = WrappedRunFactory(updated_at=ago(5))
    support = client_for("support")
    link = share(support, reverse("admin:find"), f"q={run.id}")
    assert run.id not in link
    html = support.get(link).content.decode()
    assert "Shared view, as of" in html
    assert f"/admin/wrapped/wrappedrun/{run.id}/change/" in html  # the same result as the live search

    link = share(support, reverse("admin:timeline"), "q=shared.person@example.com")
    html = support.get(link).content.decode()
    assert "Shared view, as of" in html and "shared.person" not in link
    assert SharedView.objects.filter(path=reverse("admin:timeline")).get().query == "q=shared.person%40example.com"


def test_copy_link_is_on_every_list_and_uses_no_inline_script(client_for):
    html = client_for("viewer").get(changelist(AppJob)).content.decode()
    assert 'class="share-form"' in html and "Copy link" in html
    created = (
        client_for("viewer")
        .post(reverse("admin:shared_create"), {"path": changelist(AppJob), "query": ""})
        .content.decode()
    )
    assert "backoffice/copy.js" in created and "onclick" not in created


def test_a_shared_timeline_stops_at_its_moment(client_for):
    from tests.factories.wrapped import AppUserEmailFactory, AppUserFactory

    email = "timeline.person@example.com"
    user = AppUserFactory(created_at=ago(60 * 24))
    AppUserEmailFactory(app_user=user, email=email)
    before = WrappedRunFactory(app_user=user, created_at=ago(30), updated_at=ago(30))
    support = client_for("support")
    live = support.get(reverse("admin:timeline") + f"?q={email}").content.decode()
    assert before.id in live, "the live timeline must show the run for this test to mean anything"
    link = share(support, reverse("admin:timeline"), f"q={email}")
    after = WrappedRunFactory(app_user=user, created_at=ago(0), updated_at=ago(0))
    html = support.get(link).content.decode()
    assert before.id in html and after.id not in html
    assert after.id in support.get(reverse("admin:timeline") + f"?q={email}").content.decode()
