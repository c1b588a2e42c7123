"""Find anything where the source has the index a lookup needs (created for this module only)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import seeding
from tests.factories import posters as p
from tests.factories import wrapped as w
from tests.test_find import FIND, groups


@pytest.fixture(scope="module", autouse=True)
def platform_username_index(django_db_setup, django_db_blocker):
    # Module scope: the index is dropped after every test transaction that read app_users has ended.
    with django_db_blocker.unblock():
        seeding.connection("wrapped").execute(
            "CREATE INDEX IF NOT EXISTS bo_users_platform_username ON app_users (platform_username)"
        )
        yield
        seeding.connection("wrapped").execute("DROP INDEX bo_users_platform_username")


def test_a_username_found_in_two_sources_each_says_how(client_for):
    user = w.AppUserFactory(platform_username="aria_miller264")
    poster = p.GeneratedPosterFactory(username="aria_miller264")
    found = groups(client_for("support").get(FIND, {"q": "@Aria_Miller264"}).content.decode())
    tiktok = found["Wrapped (TikTok) · Users by TikTok username"]
    assert user.app_user_id in tiktok
    assert "TikTok username (as typed or lower-case, without @)" in tiktok
    assert poster.job.job_id in found["Posters · Posters by username"]
    assert (
        reverse("admin:wrapped_appuser_change", args=[user.pk])
        in client_for("admin").get(FIND, {"q": "aria_miller264"}).content.decode()
    )
