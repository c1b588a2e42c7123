"""The History button of a source row: its audit trail (who did what to it through the back office)."""

import re

import pytest
from django.urls import reverse

from backoffice import history
from backoffice.audit.models import ActionRecord
from monitoring.posters.models import BatchJob
from monitoring.wrapped.models import WrappedRun
from tests.factories.posters import BatchJobFactory
from tests.factories.wrapped import WrappedRunFactory

pytestmark = pytest.mark.django_db(databases="__all__")


def history_url(model, pk) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_history", args=[pk])


def record(source, key, action="retry_run", outcome="ok", username="olga", message="queued", **extra):
    return ActionRecord.objects.create(
        source=source,
        target_key=key,
        action=action,
        outcome=outcome,
        username=username,
        message=message,
        method="POST",
        path=f"/admin/{source}/{key}",
        **extra,
    )


def rows(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    return re.findall(r"<tr.*?</tr>", body.group(1), re.S) if body else []


def test_history_shows_who_did_what_to_this_run_newest_first(client_for):
    run = WrappedRunFactory(with_jobs=False)
    other = WrappedRunFactory(with_jobs=False)
    record("wrapped", run.id, username="olga", message="retry queued")
    record("wrapped", run.id, action="retry_stage", outcome="service_error", username="ivan", message="HTTP 500")
    record("wrapped", other.id, username="mallory", message="not this run")
    record("posters", run.id, username="peter", message="another source")

    html = client_for("viewer").get(history_url(WrappedRun, run.id)).content.decode()
    assert "doesn’t have a change history" not in html
    shown = rows(html)
    assert len(shown) == 2
    assert "ivan" in shown[0] and "retry_stage" in shown[0] and "Service error (5xx)" in shown[0]
    assert "olga" in shown[1] and "retry queued" in shown[1]
    assert "mallory" not in html and "peter" not in html
    assert "<time" in shown[0]  # humanised, exact UTC on hover
    assert "Open in the audit log" not in html  # a viewer may not see the audit log


def test_the_audit_log_link_is_for_roles_that_may_see_it(client_for):
    run = WrappedRunFactory(with_jobs=False)
    record("wrapped", run.id)
    html = client_for("admin").get(history_url(WrappedRun, run.id)).content.decode()
    assert f"/admin/audit/actionrecord/?source=wrapped&amp;target_key={run.id}" in html


def test_a_row_nobody_touched_says_so(client_for):
    run = WrappedRunFactory(with_jobs=False)
    html = client_for("support").get(history_url(WrappedRun, run.id)).content.decode()
    assert "Nobody has done anything to this" in html


def test_history_uses_the_admins_audit_key(client_for):
    job = BatchJobFactory()
    record("posters", job.job_id, action="save_posters", username="sam", message="saved 9")
    html = client_for("viewer").get(history_url(BatchJob, job.pk)).content.decode()
    assert "save_posters" in html and "sam" in html


def test_history_is_bounded_and_says_older_entries_exist(client_for, monkeypatch):
    monkeypatch.setattr(history, "HISTORY_LIMIT", 3)
    run = WrappedRunFactory(with_jobs=False)
    for n in range(5):
        record("wrapped", run.id, message=f"call {n}")
    html = client_for("admin").get(history_url(WrappedRun, run.id)).content.decode()
    assert len(rows(html)) == 3
    assert "call 4" in html and "call 1" not in html
    assert "Older entries are not shown here." in html


def test_the_audit_entry_history_is_the_trail_of_its_target(client_for):
    first = record("wrapped", "run-1", message="first call")
    record("wrapped", "run-1", message="second call")
    record("wrapped", "run-2", message="someone else")
    html = client_for("admin").get(history_url(ActionRecord, first.pk)).content.decode()
    assert "first call" in html and "second call" in html and "someone else" not in html
