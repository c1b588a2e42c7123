"""Break-glass reveal: a viewer gives a reason, sees one masked value for a limited time, and an
audit row says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice.audit.models import ActionRecord, RevealGrant
from tests.factories.wrapped import WrappedRunFactory

pytestmark = pytest.mark.django_db(databases="__all__")

EMAIL = "hidden.person@example.com"


def detail(run) -> str:
    return f"/admin/wrapped/wrappedrun/{run.pk}/change/"


def reveal(run) -> str:
    return f"/admin/wrapped/wrappedrun/{run.pk}/reveal/?field=email"


def test_a_viewer_reveals_an_email_with_a_reason(client_for, settings):
    settings.REVEAL_SECONDS = 300
    run = WrappedRunFactory(email=EMAIL)
    viewer = client_for("viewer")
    page = viewer.get(detail(run)).content.decode()
    assert EMAIL not in page and f'href="{reveal(run)}"' in page.replace("&amp;", "&")

    form = viewer.get(reveal(run)).content.decode()
    assert EMAIL not in form and 'name="reason"' in form and "<script>" not in form

    refused = viewer.post(reveal(run), {"reason": "x"})
    assert refused.status_code == 200 and EMAIL not in refused.content.decode()
    assert not RevealGrant.objects.exists() and not ActionRecord.objects.exists()

    done = viewer.post(reveal(run), {"reason": "SUP-881"})
    assert done.status_code == 302
    shown = viewer.get(reveal(run)).content.decode()
    assert EMAIL in shown and "SUP-881" in shown
    entry = ActionRecord.objects.get(action="reveal")
    assert entry.username == "viewer-user" and entry.reason == "SUP-881" and entry.target_key == str(run.pk)
    grant = RevealGrant.objects.get()
    assert timedelta(seconds=290) < grant.expires_at - timezone.now() <= timedelta(seconds=300)

    # Only this object: another run's email stays masked.
    other = WrappedRunFactory(email="someone.else@example.com")
    assert "someone.else@example.com" not in viewer.get(reveal(other)).content.decode()

    # Expired: masked again.
    RevealGrant.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert EMAIL not in viewer.get(reveal(run)).content.decode()


def test_admins_list_reveals_by_user(client_for):
    run = WrappedRunFactory(email=EMAIL)
    client_for("viewer").post(reveal(run), {"reason": "SUP-882"})
    audit = client_for("admin").get("/admin/audit/actionrecord/", {"action": "reveal", "username": "viewer-user"})
    html = audit.content.decode()
    assert audit.status_code == 200 and "SUP-882" in html and str(run.pk) in html
    assert client_for("viewer").get("/admin/audit/actionrecord/").status_code == 403


def test_only_masked_fields_can_be_revealed(client_for):
    run = WrappedRunFactory(email=EMAIL)
    viewer = client_for("viewer")
    assert viewer.get(f"/admin/wrapped/wrappedrun/{run.pk}/reveal/?field=sec_user_id").status_code == 404
    assert viewer.get("/admin/wrapped/wrappedrun/no-such-run/reveal/?field=email").status_code == 404
    from django.test import Client

    assert Client().get(reveal(run)).status_code == 302  # to the login page
