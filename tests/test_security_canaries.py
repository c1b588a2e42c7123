"""XSS and secret canaries.

Hostile strings go into every text and JSON column a factory can write, canaries into every
secret column (secret_columns of each source's AppConfig, written raw) and the admin keys are
echoed back by a fake service, literally and base64-encoded. Then every list, detail, export,
custom view, the audit log and the log output are read: 0 unescaped hostile markup, 0 canaries.
"""

from __future__ import annotations

import contextlib
import logging
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import models
from django.urls import NoReverseMatch, reverse

from backoffice.api import secret_forms
from backoffice.audit.models import ActionRecord
from tests import seeding
from tests.factories.posters import BatchJobFactory, GeneratedPosterFactory
from tests.plugins.fake_services import _start, make_run
from tests.test_security_matrix import factories_by_model

pytestmark = pytest.mark.django_db(databases="__all__")

HOSTILE = [
    '"><img src=x onerror=alert(1)>',
    "<script>alert(1)</script>",
    "<svg onload=alert(1)>",
    "'><iframe src=javascript:alert(1)>",
    "<b onmouseover=alert(1)>x</b>",
]
# What would only appear in a page if one of HOSTILE was rendered as markup.
UNESCAPED = re.compile(r"<img src=x onerror|<script>alert|<svg onload|<iframe src=javascript|<b onmouseover", re.I)
ESCAPED_SEEN = re.compile(r"&lt;script&gt;alert|&lt;svg onload|&quot;&gt;&lt;img src=x onerror|\\u003Cscript\\u003E")
HOSTILE_JSON = {
    "<script>alert(1)</script>": '"><img src=x onerror=alert(1)>',
    "nested": ["<svg onload=alert(1)>", {"email": "<b onmouseover=alert(1)>x</b>@example.com"}],
}
CANARY = "cnryS3cr3t"
SHORT_CANARY = "Zq7Kx9"  # for a secret column too short for CANARY (a 6-digit code)


def hostile_for(field, n: int) -> str | None:
    fitting = [h for h in HOSTILE if not field.max_length or len(h) <= field.max_length]
    return fitting[n % len(fitting)] if fitting else None


def hostile_values(model) -> dict:
    values = {}
    for n, field in enumerate(model._meta.concrete_fields):
        if field.primary_key or field.is_relation or field.choices:
            continue
        if isinstance(field, models.JSONField):
            values[field.name] = HOSTILE_JSON
        elif isinstance(field, models.CharField | models.TextField):
            text = hostile_for(field, n)
            if text is not None:
                values[field.name] = text
    return values


def seed_hostile_rows() -> tuple[dict, list]:
    """A row with hostile text in every text/JSON column, per registered model with a factory."""
    rows, refused = {}, []
    for model, maker in factories_by_model().items():
        if model not in admin.site._registry:
            continue
        values = hostile_values(model)
        try:
            rows[model] = maker(**values).pk
        except Exception:  # a CHECK constraint or a derived column: fall back to a plain row
            refused.append(model.__name__)
            rows[model] = maker().pk
    return rows, refused


def plant_canaries() -> list[str]:
    """Every secret column of every row gets a unique canary; returns the (table, column)s."""
    planted = []
    for alias in settings.CONFIGURED_SOURCES:
        for table, columns in apps.get_app_config(alias).secret_columns.items():
            for column in columns:
                kind = (
                    seeding.connection(alias)
                    .execute(
                        "SELECT data_type, character_maximum_length FROM information_schema.columns "
                        "WHERE table_name = %s AND column_name = %s",
                        [table, column],
                    )
                    .fetchone()
                )
                assert kind, f"{table}.{column} is declared secret but does not exist"
                value, canary = "%s || md5(ctid::text)", f"{CANARY}{column}"
                if kind[1] is not None and kind[1] < len(canary) + 32:
                    value, canary = "%s", SHORT_CANARY
                if kind[0] == "bytea":
                    value = f"convert_to({value}, 'UTF8')"
                elif kind[0] in ("json", "jsonb"):
                    value = f"to_json({value})::{kind[0]}"
                seeding.execute(alias, f'UPDATE "{table}" SET "{column}" = {value}', [canary])
                planted.append(f"{table}.{column}")
    return planted


def page_urls(rows: dict) -> list[str]:
    urls = []
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{prefix}_changelist"))
        if model in rows:
            urls.append(reverse(f"{prefix}_change", args=[quote(rows[model])]))
        with contextlib.suppress(NoReverseMatch):
            urls.append(reverse(f"{prefix}_export"))
        for pattern in model_admin.urls:
            name = getattr(pattern, "name", "") or ""
            if name.endswith(("_live", "_payload")) and model in rows:
                try:
                    urls.append(reverse(f"admin:{name}"))
                except NoReverseMatch:
                    urls.append(reverse(f"admin:{name}", args=[quote(rows[model])]))
    urls += [reverse(f"admin:{tool.name}") for tool in admin.site.tools]
    return urls


def body_of(response) -> bytes:
    """A response's body; a streamed one (the payload download) read once and kept."""
    if not getattr(response, "streaming", False):
        return response.content
    if not hasattr(response, "streamed_body"):
        response.streamed_body = response.getvalue()
    return response.streamed_body


def forbidden_strings() -> list[str]:
    keys = [c.get("admin_key") for c in settings.SOURCE_APIS.values() if c.get("admin_key")]
    return [CANARY, SHORT_CANARY, *[form for key in keys for form in secret_forms(key)]]


def test_no_unescaped_markup_and_no_secret_anywhere(client_for, fake_wrapped_api, fake_posters_api, settings, caplog):
    caplog.set_level(logging.DEBUG)
    fakes = [
        _start(a, settings) for a in settings.CONFIGURED_SOURCES if a not in ("wrapped", "posters")
    ]  # every admin key is set, so every one is checked
    rows, refused = seed_hostile_rows()
    assert len(refused) <= len(rows) // 3, refused
    planted = plant_canaries()
    assert len(planted) >= 5

    # Calls whose answers echo the admin key back, in the clear and base64-encoded.
    make_run("echo-run")
    job = BatchJobFactory(status="completed", job_id="job-echo")
    GeneratedPosterFactory(job=job, username="echo", metadata={"user_id": 5})
    operator = client_for("operator")
    responses = []
    for mode, (url, action, pk) in [
        ("echo", ("/admin/wrapped/wrappedrun/", "retry_run", "echo-run")),
        ("echo_reject", ("/admin/wrapped/wrappedrun/", "retry_email", "echo-run")),
        ("echo", ("/admin/posters/batchjob/", "save_posters", str(job.pk))),
        ("echo_reject", ("/admin/posters/batchjob/", "save_posters", str(job.pk))),
    ]:
        for fake in (fake_wrapped_api, fake_posters_api):
            fake.misbehave(mode)
        page = operator.post(url, {"action": action, "_selected_action": [pk]})
        token = re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)
        responses.append(
            operator.post(
                url,
                {"action": action, "_selected_action": [pk], "post": "yes", "reason": "OPS-101", "token": token},
                follow=True,
            )
        )
    preview = operator.post("/admin/wrapped/wrappedrun/retry-failed/", {"preview": "yes"})
    responses.append(preview)
    assert fake_wrapped_api.requests and fake_posters_api.requests
    for fake in (fake_wrapped_api, fake_posters_api):
        fake.misbehave(None)

    viewed = 0
    escaped_seen = 0
    for role in ("admin", "viewer"):
        client = client_for(role)
        for url in page_urls(rows):
            response = client.get(url)
            assert response.status_code < 500, url
            if response.status_code != 200:
                continue
            responses.append(response)
            viewed += 1
            escaped_seen += bool(ESCAPED_SEEN.search(body_of(response).decode(errors="replace")))
        for record in ActionRecord.objects.all():
            responses.append(client.get(reverse("admin:audit_actionrecord_change", args=[record.pk])))
    assert viewed >= 2 * len(admin.site._registry)
    assert escaped_seen >= 10  # the hostile strings were shown, as text

    forbidden = forbidden_strings()
    for response in responses:
        body = body_of(response).decode(errors="replace")
        where = getattr(response, "request", {}).get("PATH_INFO", "?")
        content_type = response.get("Content-Type", "")
        if not content_type.startswith("text/html"):  # a download: never rendered as a page
            assert response.get("X-Content-Type-Options") == "nosniff", where
            assert "attachment" in response.get("Content-Disposition", "") or response.status_code != 200, where
        else:
            match = UNESCAPED.search(body)
            assert match is None, (where, body[max(0, match.start() - 200) : match.end() + 100])
        for secret in forbidden:
            assert secret not in body, (where, secret)
    records = list(ActionRecord.objects.all())
    assert len(records) >= 5
    for record in records:
        stored = " ".join(str(getattr(record, f.attname)) for f in record._meta.concrete_fields)
        for secret in forbidden:
            assert secret not in stored, (record.action, secret)
    assert any("[redacted]" in r.response_excerpt for r in records)  # the echo was there, and removed
    for secret in forbidden:
        assert secret not in caplog.text
    for fake in fakes:
        fake.stop()
