"""XTrack pages: every list and detail opens, exact search, masked emails, no secrets, bounded queries."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib import admin
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice import seeding
from backoffice.demo.data import xtrack as demo
from monitoring.xtrack.models import (
    SECRET_COLUMNS,
    Job,
    JobExecution,
    JobNotificationTarget,
    NotificationBindToken,
    NotificationTarget,
    Summary,
    User,
    VerificationCode,
)
from tests.factories.xtrack import (
    JobExecutionFactory,
    JobFactory,
    JobNotificationTargetFactory,
    NotificationBindTokenFactory,
    PlaygroundSummaryFactory,
    SummaryFactory,
    UserFactory,
    VerificationCodeFactory,
)

MODELS = [
    User,
    NotificationTarget,
    Job,
    JobNotificationTarget,
    JobExecution,
    Summary,
    NotificationBindToken,
    VerificationCode,
]
EMAIL = "Priya.Customer@example.com"
MASKED = "P***@example.com"


def changelist(model) -> str:
    return reverse(f"admin:xtrack_{model._meta.model_name}_changelist")


def change(obj) -> str:
    return reverse(f"admin:xtrack_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def viewer(client_for):
    return client_for("viewer")


@pytest.fixture
def rows():
    user = UserFactory(email=EMAIL, password_hash="$2b$12$TOPSECRETHASHVALUE0123456789abcdefghijklmnopqrstu")
    link = JobNotificationTargetFactory(job__user=user, job__x_username="naval", job__email=EMAIL)
    job = link.job
    execution = JobExecutionFactory(job=job)
    summary = SummaryFactory(job=job, execution=execution)
    playground = PlaygroundSummaryFactory(x_username="sama")
    token = NotificationBindTokenFactory(user=user, token="bindtok-VERYSECRET-42")
    code = VerificationCodeFactory(user=user, email=EMAIL, code="918273")
    return {
        User: user,
        NotificationTarget: link.notification_target,
        Job: job,
        JobNotificationTarget: link,
        JobExecution: execution,
        Summary: summary,
        NotificationBindToken: token,
        VerificationCode: code,
        "playground": playground,
    }


SECRETS = ["TOPSECRETHASHVALUE", "bindtok-VERYSECRET-42", "918273"]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_and_detail_open_for_viewer_without_secrets(viewer, rows, model):
    pages = [viewer.get(changelist(model)), viewer.get(change(rows[model]))]
    for response in pages:
        assert response.status_code == 200
        page = response.content.decode()
        for secret in SECRETS:
            assert secret not in page
        assert EMAIL not in page  # the viewer sees emails masked
    assert change(rows[model]) in pages[0].content.decode()


def test_secret_columns_are_not_mapped():
    for model in MODELS:
        columns = {f.column for f in model._meta.concrete_fields}
        assert not columns & set(SECRET_COLUMNS.get(model._meta.db_table, []))


def test_emails_masked_for_viewer_visible_for_support(client_for, rows):
    viewer, support = client_for("viewer"), client_for("support")
    for model in (User, Job, VerificationCode, NotificationTarget):
        for url in (changelist(model), change(rows[model])):
            masked = viewer.get(url).content.decode()
            assert MASKED in masked and EMAIL not in masked, url
            assert EMAIL in support.get(url).content.decode(), url


def _found(client, model, term) -> str:
    response = client.get(changelist(model), {"q": term})
    assert response.status_code == 200
    return response.content.decode()


def test_search_by_each_identifier_kind(client_for, rows):
    support = client_for("support")
    user, job, execution, summary = rows[User], rows[Job], rows[JobExecution], rows[Summary]
    other_job = JobFactory(x_username="paulg")
    # email (exact, whatever case the customer types)
    assert change(user) in _found(support, User, EMAIL)
    assert change(user) in _found(support, User, EMAIL.lower()) or EMAIL.lower() != EMAIL
    assert change(job) in _found(support, Job, EMAIL)
    assert change(rows[VerificationCode]) in _found(support, VerificationCode, EMAIL)
    # int ids
    assert change(user) in _found(support, User, str(user.pk))
    page = _found(support, JobExecution, str(job.pk))  # job_id
    assert change(execution) in page
    # text: x_username
    page = _found(support, Job, "naval")
    assert change(job) in page and change(other_job) not in page
    # uuid-as-text summary id; its execution id
    assert change(summary) in _found(support, Summary, summary.pk)
    assert change(summary) in _found(support, Summary, str(execution.pk))


def test_search_misses_show_nothing_and_never_500(viewer, rows):
    for model in MODELS:
        for term in ["nobody-here", str(uuid.uuid4()), "99999999999999", "not-a-uuid-12", "a b <c>", "x@y.zz"]:
            page = _found(viewer, model, term)
            assert change(rows[model]) not in page, (model, term)


def test_playground_filter(viewer, rows):
    playground, scheduled = rows["playground"], rows[Summary]
    page = viewer.get(changelist(Summary), {"is_playground__exact": "1"}).content.decode()
    assert change(playground) in page and change(scheduled) not in page


def test_job_detail_shows_last_executions(viewer, rows):
    job = rows[Job]
    JobExecutionFactory.create_batch(25, job=job, error_message=None)
    failed = JobExecutionFactory(job=job, status="FAILED", error_message="429 Too Many Requests")
    page = viewer.get(change(job)).content.decode()
    assert len(set(re.findall(r"/admin/xtrack/jobexecution/\d+/change/", page))) == 20
    assert change(failed) in page and "429 Too Many Requests" in page
    assert change(rows[JobExecution]) not in page  # the oldest falls outside the last 20


def test_json_topics_of_wrong_type_render(viewer):
    job = JobFactory(topics="ai")  # a bare string, as some rows have
    assert viewer.get(change(job)).status_code == 200
    assert viewer.get(changelist(Job)).status_code == 200


def _queries_for(client, model, per_page, monkeypatch) -> int:
    monkeypatch.setattr(admin.site._registry[model], "list_per_page", per_page)
    with CaptureQueriesContext(connections["xtrack"]) as ctx:
        response = client.get(changelist(model))
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("model", [User, Job, JobExecution, Summary], ids=lambda m: m.__name__)
def test_changelist_query_count_is_constant(client_for, monkeypatch, model):
    client = client_for("support")
    user = UserFactory()
    job = JobFactory(user=user)
    if model is User:
        UserFactory.create_batch(110)
    elif model is Job:
        for _ in range(110):
            JobFactory(user=UserFactory())
    elif model is JobExecution:
        JobExecutionFactory.create_batch(110, job=job)
    else:
        for _ in range(110):
            SummaryFactory(job=job, execution=None)
    small = _queries_for(client, model, 20, monkeypatch)
    large = _queries_for(client, model, 100, monkeypatch)
    assert small == large
    assert small <= 4


def test_generate_fills_every_table_and_pages_render(viewer):
    seeding.truncate_all("xtrack")
    seeding.dirty_aliases.add("xtrack")  # the fixture truncates after the test
    with seeding.connect("xtrack") as conn:
        counts = demo.generate(conn, scale=0.2)
    assert set(counts) == {m._meta.db_table for m in MODELS}
    assert all(n > 0 for n in counts.values()), counts
    assert set(JobExecution.objects.values_list("status", flat=True).distinct()) == {"RUNNING", "COMPLETED", "FAILED"}
    assert set(User.objects.values_list("status", flat=True).distinct()) == {"UNVERIFIED", "ACTIVE", "SUSPENDED"}
    assert Summary.objects.filter(is_playground=True).exists()
    for model in MODELS:
        assert viewer.get(changelist(model)).status_code == 200
        assert viewer.get(change(model.objects.order_by("pk").first())).status_code == 200
    # new rows after generate() get fresh serial ids (sequences were moved past the explicit ids)
    assert UserFactory().pk > counts["users"]
    with seeding.connect("xtrack") as conn:
        assert demo.generate(conn, scale=0.2) == dict.fromkeys(counts, 0)
