"""A CSRF-enforcing client on every POST and every view that calls a service: refused without
the token, no call made, no audit row written. With the token, the same requests go through (so
these tests can fail)."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.test import Client
from django.urls import reverse

from backoffice.actions import is_source_action
from backoffice.audit.models import ActionRecord
from tests.factories.posters import BatchJobFactory
from tests.plugins.fake_services import make_run

pytestmark = pytest.mark.django_db(databases="__all__")

RUNS_URL = "/admin/wrapped/wrappedrun/"
RETRY_FAILED_URL = "/admin/wrapped/wrappedrun/retry-failed/"


def token_of(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "no confirmation token on the page"
    return match.group(1)


@pytest.fixture
def operator_pair(db):
    """(csrf-enforcing client, ordinary client), both logged in as the same operator."""
    from backoffice.management.commands.create_staff import create_staff_user

    user = create_staff_user("csrf-operator", "operator", "correct-horse-battery")
    strict, plain = Client(enforce_csrf_checks=True), Client()
    strict.force_login(user)
    plain.force_login(user)
    return strict, plain


def csrf_token(client: Client, url: str) -> str:
    client.get(url)
    return client.cookies["csrftoken"].value


def source_action_posts(rows: dict) -> list[tuple[str, dict]]:
    posts = []
    for model, model_admin in admin.site._registry.items():
        for item in model_admin.actions or ():
            func = item if callable(item) else getattr(model_admin, item, None)
            if is_source_action(func) and model in rows:
                url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
                posts.append((url, {"action": func.source_action.name, "_selected_action": [str(rows[model])]}))
    return posts


def test_every_post_without_a_csrf_token_is_refused(operator_pair, fake_wrapped_api, fake_posters_api):
    strict, plain = operator_pair
    run = make_run("csrf-run")
    job = BatchJobFactory(status="completed")
    rows = {type(run): run.pk, type(job): job.pk}
    posts = source_action_posts(rows)
    assert len(posts) >= 5  # four run actions and save posters

    attempts = []
    for url, selection in posts:
        confirmation = plain.post(url, selection)  # a real, valid confirmation page (no call yet)
        attempts.append((url, selection))
        attempts.append((url, {**selection, "post": "yes", "reason": "OPS-101", "token": token_of(confirmation)}))
    attempts += [
        (RETRY_FAILED_URL, {"preview": "yes", "limit": "5"}),
        (
            RETRY_FAILED_URL,
            {"post": "yes", "reason": "OPS-101", "token": token_of(plain.post(RETRY_FAILED_URL, {"preview": "yes"}))},
        ),
    ]
    fake_wrapped_api.reset()
    audit_before = ActionRecord.objects.count()
    for model, _model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pk = quote(rows.get(model, "x"))
        attempts += [
            (reverse(f"{prefix}_add"), {}),
            (reverse(f"{prefix}_change", args=[pk]), {}),
            (reverse(f"{prefix}_delete", args=[pk]), {"post": "yes"}),
        ]
    attempts.append((reverse("admin:logout"), {}))
    for url, data in attempts:
        response = strict.post(url, data)
        assert response.status_code == 403, (url, data, response.status_code)
        assert b"CSRF" in response.content, url
    assert fake_wrapped_api.requests == [] and fake_posters_api.requests == []
    assert ActionRecord.objects.count() == audit_before

    # The same confirmation, with the token, goes through: the refusals above were CSRF's.
    token = csrf_token(strict, RUNS_URL)
    page = strict.post(RETRY_FAILED_URL, {"preview": "yes", "csrfmiddlewaretoken": token})
    assert page.status_code == 200
    assert [r.body["dry_run"] for r in fake_wrapped_api.requests] == [True]
    plan = re.search(r'name="plan" value="([^"]+)"', page.content.decode()).group(1)
    done = strict.post(
        RETRY_FAILED_URL,
        {"post": "yes", "reason": "OPS-101", "token": token_of(page), "plan": plan, "csrfmiddlewaretoken": token},
    )
    assert done.status_code == 302 and "/admin/bulk/bulkrun/" in done["Location"]  # frozen, queued for the worker
    assert [r.body["dry_run"] for r in fake_wrapped_api.requests] == [True]


def test_views_that_call_a_service_are_not_reachable_by_get(operator_pair, fake_wrapped_api):
    strict, _plain = operator_pair
    make_run("get-run")
    for url, params in [
        (RETRY_FAILED_URL, {}),
        (RETRY_FAILED_URL, {"preview": "yes"}),
        (RETRY_FAILED_URL, {"post": "yes", "reason": "OPS-101", "token": "x"}),
        (
            RUNS_URL,
            {"action": "retry_run", "_selected_action": "get-run", "post": "yes", "reason": "OPS-101", "token": "x"},
        ),
    ]:
        assert strict.get(url, params).status_code in (200, 400)  # a page or "not accepted", never a call
    assert fake_wrapped_api.requests == []
    assert not ActionRecord.objects.exists()
