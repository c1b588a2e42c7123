"""Issue 16, findings 1, 3, 4, 7 and 8: one test each that failed on the code before the fix."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib import admin

from backoffice import api
from backoffice.api import AdminApiClient
from backoffice.audit.models import ActionRecord
from monitoring.wrapped.models import WrappedRun
from tests.factories.wrapped import AuthJobFactory, WrappedRunFactory
from tests.pages import changelist, result_rows
from tests.plugins.fake_services import make_run

pytestmark = pytest.mark.django_db(databases="__all__")

RUNS_URL = "/admin/wrapped/wrappedrun/"
RETRY_FAILED_URL = "/admin/wrapped/wrappedrun/retry-failed/"


def token_of(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "no confirmation token on the page"
    return match.group(1)


def list_admins():
    return [ma for ma in admin.site._registry.values() if hasattr(ma, "declared_lookup_parameters")]


# -- finding 1: lookups a list does not declare, masked emails in the payload ----------------------
def test_viewer_cannot_probe_a_masked_email_with_url_lookups(client_for):
    WrappedRunFactory(email="jane.doe@aol.com")
    viewer = client_for("viewer")
    plain = viewer.get(RUNS_URL)
    assert plain.status_code == 200 and result_rows(plain.content.decode()) == 1
    assert "j***@aol.com" in plain.content.decode() and "jane.doe@aol.com" not in plain.content.decode()
    for probe in ("email__startswith=j", "email__startswith=x", "payload__icontains=jane", "email=jane.doe@aol.com"):
        response = viewer.get(f"{RUNS_URL}?{probe}")
        assert response.status_code == 400, probe
        html = response.content.decode()
        assert "parameters not accepted" in html.lower() and "Nothing was searched" in html
        assert 'id="result_list"' not in html


def test_every_list_refuses_an_undeclared_lookup(client_for):
    admin_client = client_for("admin")
    admins = list_admins()
    assert len(admins) >= 10
    for model_admin in admins:
        model = model_admin.model
        field = next(f.name for f in model._meta.concrete_fields if not f.is_relation)
        url = changelist(model)
        assert admin_client.get(url, {f"{field}__startswith": "a"}).status_code == 400, url
        assert admin_client.get(url, {"no_such_parameter": "1"}).status_code == 400, url
        assert admin_client.get(url).status_code == 200, url


def test_declared_filters_still_work(client_for):
    WrappedRunFactory(stage="analysis")
    WrappedRunFactory()
    page = client_for("viewer").get(RUNS_URL, {"status__exact": "failed", "stage": "analysis", "o": "1", "p": "1"})
    assert page.status_code == 200 and result_rows(page.content.decode()) == 1


def test_viewer_sees_the_payload_email_masked_in_the_viewer_and_the_download(client_for):
    run = WrappedRunFactory(email="jane.doe@aol.com", extra_payload={"contact": {"mail": "Jane <jane.doe@aol.com>"}})
    assert run.payload["email"] == "jane.doe@aol.com"
    viewer, support = client_for("viewer"), client_for("support")
    detail = viewer.get(f"{RUNS_URL}{run.pk}/change/").content.decode()
    download = viewer.get(f"{RUNS_URL}{run.pk}/payload.json")
    assert download.status_code == 200
    for text in (detail, download.content.decode()):
        assert "jane.doe@aol.com" not in text
        assert "j***@aol.com" in text
    payload = json.loads(download.content)  # still valid JSON after masking
    assert payload["email"] == "j***@aol.com" and payload["contact"]["mail"] == "Jane <j***@aol.com>"
    assert "jane.doe@aol.com" in support.get(f"{RUNS_URL}{run.pk}/payload.json").getvalue().decode()
    assert "jane.doe@aol.com" in support.get(f"{RUNS_URL}{run.pk}/change/").content.decode()


def test_viewer_cannot_sort_by_a_masked_column(client_for):
    WrappedRunFactory(email="b@example.com")
    html = client_for("viewer").get(RUNS_URL).content.decode()
    assert 'class="sortable column-email' not in html
    assert 'class="sortable column-email' in client_for("support").get(RUNS_URL).content.decode()


# -- finding 3: every path segment quoted --------------------------------------------------------
def test_a_crafted_run_id_is_one_path_segment(client_for, fake_wrapped_api):
    make_run("other")
    make_run("x/../other")
    operator = client_for("operator")
    page = operator.post(RUNS_URL, {"action": "retry_run", "_selected_action": ["x/../other"]})
    assert page.status_code == 200
    assert "POST /admin/wrapped/runs/x%2F..%2Fother/retry" in page.content.decode()
    operator.post(
        RUNS_URL,
        {
            "action": "retry_run",
            "_selected_action": ["x/../other"],
            "post": "yes",
            "reason": "OPS-101",
            "token": token_of(page),
        },
    )
    (sent,) = fake_wrapped_api.requests
    assert sent.path == "/admin/wrapped/runs/x%2F..%2Fother/retry"
    assert ActionRecord.objects.get().path == sent.path
    assert WrappedRun.objects.get(pk="other").status == "failed"  # the other run was not retried


# -- finding 4: audit row before the call, idempotency key from the confirmed submission ---------
class ProcessDied(BaseException):
    """Stands for the process being killed right after the request went out."""


def test_audit_row_exists_when_the_process_dies_after_sending(client_for, fake_wrapped_api, monkeypatch):
    make_run("run-crash")
    operator = client_for("operator")
    page = operator.post(RUNS_URL, {"action": "retry_analysis", "_selected_action": ["run-crash"]})
    real_send = AdminApiClient.send

    def send_then_die(self, prepared, body=None):
        real_send(self, prepared, body)
        raise ProcessDied

    monkeypatch.setattr(AdminApiClient, "send", send_then_die)
    with pytest.raises(ProcessDied):
        operator.post(
            RUNS_URL,
            {
                "action": "retry_analysis",
                "_selected_action": ["run-crash"],
                "post": "yes",
                "reason": "OPS-101",
                "token": token_of(page),
            },
        )
    assert len(fake_wrapped_api.requests) == 1  # the service got the call
    record = ActionRecord.objects.get()
    assert (record.outcome, record.target_key, record.path) == (
        "sending",
        "run-crash",
        "/admin/test/runs/run-crash/retry-analysis",
    )
    assert record.idempotency_key == fake_wrapped_api.requests[0].header("Idempotency-Key")


def test_idempotency_key_is_derived_from_the_confirmed_submission_and_target(client_for, fake_wrapped_api):
    make_run("run-i1")
    make_run("run-i2")
    operator = client_for("operator")
    page = operator.post(RUNS_URL, {"action": "retry_email", "_selected_action": ["run-i1", "run-i2"]})
    token = token_of(page)
    operator.post(
        RUNS_URL,
        {
            "action": "retry_email",
            "_selected_action": ["run-i1", "run-i2"],
            "post": "yes",
            "reason": "OPS-101",
            "token": token,
        },
    )
    sent = {r.path: r.header("Idempotency-Key") for r in fake_wrapped_api.requests}
    for run_id in ("run-i1", "run-i2"):
        path = f"/admin/test/runs/{run_id}/retry-email"
        expected = api.idempotency_key_for(token, "retry_email", run_id, 0, "POST", path)
        assert sent[path] == expected  # the same confirmed call always carries the same key
        assert ActionRecord.objects.get(target_key=run_id).idempotency_key == expected
    assert len(set(sent.values())) == 2
    assert api.idempotency_key_for("another-token", "retry_email", "run-i1", 0, "POST", path) not in sent.values()


def test_retry_failed_keys_are_derived_from_its_confirmation(
    client_for, fake_wrapped_api, django_capture_on_commit_callbacks
):
    from backoffice.bulk import runner
    from backoffice.bulk.models import BulkRun

    make_run("rf-1")
    operator = client_for("operator")
    page = operator.post(RETRY_FAILED_URL, {"preview": "yes", "limit": "7"})
    token = token_of(page)
    plan = re.search(r'name="plan" value="([^"]+)"', page.content.decode()).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        operator.post(
            RETRY_FAILED_URL, {"post": "yes", "reason": "OPS-101", "token": token, "plan": plan, "limit": "7"}
        )
    runner.work(BulkRun.objects.get().pk)
    real = fake_wrapped_api.requests[-1]
    path = "/admin/test/runs/rf-1/retry-analysis"
    assert real.path == path
    assert real.header("Idempotency-Key") == api.idempotency_key_for(
        token, "retry_failed_runs", "rf-1", 0, "POST", path
    )


# -- finding 7: no reachable 500s ---------------------------------------------------------------
def test_writes_to_a_source_object_are_403_not_500(client_for):
    from django.contrib.auth import get_user_model

    run = WrappedRunFactory()
    superuser = get_user_model().objects.create_superuser("root", "root@example.com", "x-correct-horse")
    from django.test import Client

    root = Client()
    root.force_login(superuser)
    for client in (client_for("admin"), root):
        for url in (f"{RUNS_URL}add/", f"{RUNS_URL}{run.pk}/change/", f"{RUNS_URL}{run.pk}/delete/"):
            assert client.post(url, {"status": "ready"}).status_code == 403, url
        assert client.get(f"{RUNS_URL}{run.pk}/delete/").status_code == 403
        assert client.get(f"{RUNS_URL}add/").status_code == 403
        assert client.get(f"{RUNS_URL}{run.pk}/change/").status_code == 200
        assert client.get(f"{RUNS_URL}{run.pk}/history/").status_code == 200
    assert WrappedRun.objects.get(pk=run.pk).status == run.status


@pytest.mark.parametrize(
    "params",
    [{"p": "-1"}, {"p": "0"}, {"p": "abc"}, {"p": "1e3"}, {"unknown": "1"}, {"waitlist_opt_in__exact": "maybe"}],
)
def test_export_with_bad_parameters_is_400(client_for, params):
    AuthJobFactory()
    response = client_for("support").get("/admin/wrapped/deviceemail/export.csv", params)
    assert response.status_code == 400
    assert "parameters not accepted" in response.content.decode().lower()


def test_export_with_good_parameters_still_works(client_for):
    response = client_for("support").get("/admin/wrapped/deviceemail/export.csv", {"waitlist_opt_in__exact": "1"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_audit_log_with_a_nul_byte_is_400(client_for):
    admin_client = client_for("admin")
    for params in ({"action": "\x00"}, {"q": "a\x00b"}, {"outcome": "nope"}, {"created_at_from": "x"}):
        response = admin_client.get("/admin/audit/actionrecord/", params)
        assert response.status_code == 400, params


@pytest.mark.parametrize("since", ["2024-99-99", "2024-02-30T10:00:00", "2024-02-30", "2024-13-01T00:00:00Z", "junk"])
def test_live_panel_with_an_impossible_date_is_400(client_for, since):
    response = client_for("viewer").get(f"{RUNS_URL}live/", {"since": since})
    assert response.status_code == 400
    assert "ISO date" in response.content.decode()


def test_live_panel_with_a_real_date_is_200(client_for):
    assert client_for("viewer").get(f"{RUNS_URL}live/", {"since": "2024-02-29T10:00:00Z"}).status_code == 200


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (RUNS_URL, {"status__exact": "no-such-status"}),
        (RUNS_URL, {"status__exact": "ready\x00"}),
        (RUNS_URL, {"stage": "nope"}),
        ("/admin/wrapped/appjob/", {"task_name__exact": "nope"}),
        ("/admin/wrapped/authjob/", {"status__exact": "\x00"}),
    ],
)
def test_a_value_outside_the_choices_is_no_such_value_not_503(client_for, url, params):
    response = client_for("viewer").get(url, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "No such value" in html or "NUL byte" in html


# -- finding 8: the dry run is a POST -----------------------------------------------------------
def test_retry_failed_get_calls_nothing_and_writes_no_audit(client_for, fake_wrapped_api):
    make_run("f-get")
    page = client_for("operator").get(RETRY_FAILED_URL)
    assert page.status_code == 200
    assert 'name="preview"' in page.content.decode()
    assert fake_wrapped_api.requests == []
    assert not ActionRecord.objects.exists()


def test_an_enum_value_the_source_refuses_is_no_such_value_not_503():
    """The safety net under the choice checks: the source's own refusal of an enum value."""
    from django.db import DatabaseError, connections, transaction

    from backoffice.middleware import describe_database_error, is_bad_input

    with pytest.raises(DatabaseError) as refused, transaction.atomic(using="fleet"):
        connections["fleet"].cursor().execute("SELECT 1 FROM devices WHERE status = %s", ["no-such-status"])
    assert is_bad_input(refused.value)
    assert describe_database_error(refused.value)[0] == "No such value"


def test_a_call_that_timed_out_is_resent_by_its_confirmation_with_the_same_key(
    client_for, fake_wrapped_api, short_timeouts
):
    make_run("run-to")
    operator = client_for("operator")
    page = operator.post(RUNS_URL, {"action": "retry_analysis", "_selected_action": ["run-to"]})
    confirmed = {
        "action": "retry_analysis",
        "_selected_action": ["run-to"],
        "post": "yes",
        "reason": "OPS-101",
        "token": token_of(page),
    }
    fake_wrapped_api.misbehave("slow", 1.5)
    operator.post(RUNS_URL, confirmed)
    fake_wrapped_api.misbehave(None)
    again = operator.post(RUNS_URL, confirmed, follow=True)
    assert any("same Idempotency-Key" in str(m) for m in again.context["messages"])
    first, second = fake_wrapped_api.requests
    assert first.header("Idempotency-Key") == second.header("Idempotency-Key")
    records = list(ActionRecord.objects.order_by("id"))
    assert [r.outcome for r in records] == ["timeout", "ok"]
    assert len({r.idempotency_key for r in records}) == 1
    third = operator.post(RUNS_URL, confirmed, follow=True)  # resolved now: nothing is sent again
    assert any("already submitted" in str(m) for m in third.context["messages"])
    assert len(fake_wrapped_api.requests) == 2
