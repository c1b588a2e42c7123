"""A detail page shows the object's own fields first; its related tables and timelines load after
it, each in a request of its own (SourceModelAdmin.section_view), as closed and as masked as the
page itself."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

from monitoring.wrapped.admin import AppUserAdmin
from tests.factories.wrapped import AppUserEmailFactory, AppUserFactory, WrappedRunFactory
from tests.pages import open_detail, query_log, section_urls

HTMX = {"HX-Request": "true"}


def _user_page(user) -> str:
    return f"/admin/wrapped/appuser/{user.app_user_id}/change/"


def test_the_page_shows_a_placeholder_per_section_and_runs_none_of_their_queries(client_for):
    user = AppUserFactory()
    run = WrappedRunFactory(app_user=user)
    client = client_for("viewer")
    with query_log("wrapped") as log:
        page = client.get(_user_page(user)).content.decode()
    assert log.sql("app_wrapped_runs") == [] and log.sql("app_user_emails") == []
    assert len(log.selects()) == 1  # the user
    urls = section_urls(page)
    assert urls == [
        f"/admin/wrapped/appuser/{user.app_user_id}/section/{name}/"
        for name in ("emails_table", "runs_table", "auth_jobs_table", "sessions_table")
    ]
    assert 'hx-trigger="load"' in page and "Loading wrapped runs…" in page
    assert "<script src=" in page and "backoffice/sections.js" in page

    with query_log("wrapped") as log:
        answer = client.get(urls[1], headers=HTMX)
    assert answer.status_code == 200
    section = answer.content.decode()
    assert run.id in section and '<table class="related-table">' in section
    assert "<html" not in section  # htmx gets the section alone
    assert len(log.sql('FROM "app_users"')) == 1
    assert len(log.sql('FROM "app_wrapped_runs"')) == 2  # the runs, then their digests (first seen)
    assert run.id in open_detail(client, _user_page(user)).content.decode()


def test_without_javascript_a_section_is_a_page_of_its_own(client_for):
    user = AppUserFactory(platform_username="mara_q")
    run = WrappedRunFactory(app_user=user)
    page = client_for("viewer").get(f"/admin/wrapped/appuser/{user.app_user_id}/section/runs_table/").content.decode()
    assert "<html" in page and run.id in page
    assert f'<a href="{_user_page(user)}">' in page  # back to the detail


def test_a_section_is_as_closed_as_its_page(client_for):
    user = AppUserFactory()
    url = f"/admin/wrapped/appuser/{user.app_user_id}/section/runs_table/"
    assert Client().get(url).status_code == 302  # to the login page
    plain = get_user_model().objects.create_user("no-role", password="correct-horse-battery", is_staff=True)
    no_role = Client()
    no_role.force_login(plain)
    assert no_role.get(url, headers=HTMX).status_code == 403
    viewer = client_for("viewer")
    assert viewer.get(url, headers=HTMX).status_code == 200
    # only declared sections: a plain column, a method or an unknown name is no section
    for name in ("created", "get_queryset", "no_such_section"):
        assert viewer.get(url.replace("runs_table", name), headers=HTMX).status_code == 404, name
    assert viewer.get(url.replace(user.app_user_id, "no-such-user"), headers=HTMX).status_code == 404
    assert set(AppUserAdmin.deferred_sections(AppUserAdmin.__new__(AppUserAdmin))) == {
        "emails_table",
        "runs_table",
        "auth_jobs_table",
        "sessions_table",
    }


def test_a_section_masks_what_its_page_masks(client_for):
    user = AppUserFactory()
    AppUserEmailFactory(app_user=user, email="mara.quinn@example.com")
    url = f"/admin/wrapped/appuser/{user.app_user_id}/section/emails_table/"
    shown_to_viewer = client_for("viewer").get(url, headers=HTMX).content.decode()
    assert "mara.quinn@example.com" not in shown_to_viewer and "m***@example.com" in shown_to_viewer
    assert "mara.quinn@example.com" in client_for("support").get(url, headers=HTMX).content.decode()
