"""XTrack pages: every list and detail opens, exact search, masked emails, no secrets, bounded queries.

job_notification_targets has a composite key: no page of its own, a bounded table in the job page.
"""

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
    NotificationTargetFactory,
    PlaygroundSummaryFactory,
    SummaryFactory,
    TelegramTargetFactory,
    UserFactory,
    VerificationCodeFactory,
)

MODELS = [
    User,
    NotificationTarget,
    Job,
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
    code = VerificationCodeFactory(email=EMAIL, code="918273")
    return {
        User: user,
        NotificationTarget: link.notification_target,
        Job: job,
        "link": link,
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
    for model in [*MODELS, JobNotificationTarget]:
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
    # a row stored lower-cased is found whatever case the customer types
    lower = UserFactory(email="kim.reader@example.com")
    assert change(lower) in _found(support, User, "Kim.Reader@Example.com")
    assert change(lower) not in _found(support, User, EMAIL)
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
    _queries_for(client, model, 20, monkeypatch)  # the source's index list, cached five minutes
    small = _queries_for(client, model, 20, monkeypatch)
    large = _queries_for(client, model, 100, monkeypatch)
    assert small == large
    assert small <= (3 if model is Job else 2)  # count, page (, the page's execution figures)


def test_generate_fills_every_table_and_pages_render(viewer):
    seeding.truncate_all("xtrack")
    seeding.dirty_aliases.add("xtrack")  # the fixture truncates after the test
    with seeding.connect("xtrack") as conn:
        counts = demo.generate(conn, scale=0.2)
    assert set(counts) == {m._meta.db_table for m in [*MODELS, JobNotificationTarget]}
    assert all(n > 0 for n in counts.values()), counts
    assert set(JobExecution.objects.values_list("status", flat=True).distinct()) == {"RUNNING", "COMPLETED", "FAILED"}
    assert set(User.objects.values_list("status", flat=True).distinct()) == {"UNVERIFIED", "ACTIVE", "SUSPENDED"}
    assert Summary.objects.filter(is_playground=True).exists()
    assert set(VerificationCode.objects.values_list("code_type", flat=True).distinct()) == {
        "EMAIL_VERIFICATION",
        "PASSWORD_RESET",
        "EMAIL_CHANGE",
    }
    assert JobNotificationTarget.objects.exists()
    for model in MODELS:
        assert viewer.get(changelist(model)).status_code == 200
        assert viewer.get(change(model.objects.order_by("pk").first())).status_code == 200
    # new rows after generate() get fresh serial ids (sequences were moved past the explicit ids)
    assert UserFactory().pk > counts["users"]
    with seeding.connect("xtrack") as conn:
        assert demo.generate(conn, scale=0.2) == dict.fromkeys(counts, 0)


def test_job_notification_targets_have_no_page_but_show_in_the_job(client_for, rows):
    assert JobNotificationTarget not in admin.site._registry
    job = rows[Job]
    telegram = TelegramTargetFactory(user=job.user, destination="310555123")
    JobNotificationTargetFactory(job=job, notification_target=telegram)
    viewer, support = client_for("viewer"), client_for("support")
    with CaptureQueriesContext(connections["xtrack"]) as ctx:
        page = viewer.get(change(job)).content.decode()
    link_sql = [q["sql"] for q in ctx.captured_queries if 'FROM "job_notification_targets"' in q["sql"]]
    assert len(link_sql) == 1 and "LIMIT 50" in link_sql[0]
    section = page.split("Latest 50 links (job_notification_targets)", 1)[0].rsplit("<fieldset", 1)[1]
    assert change(rows[NotificationTarget]) in section and change(telegram) in section
    assert MASKED in section and EMAIL not in page  # the email destination is masked for a viewer
    assert "TELEGRAM" in section
    assert EMAIL in support.get(change(job)).content.decode()


def test_user_detail_lists_targets_with_destination(client_for, rows):
    user = rows[User]
    telegram = TelegramTargetFactory(user=user, destination="310999888")
    page = client_for("support").get(change(user)).content.decode()
    assert change(telegram) in page and "310999888" in page
    assert change(rows[NotificationTarget]) in page and EMAIL in page


@pytest.fixture
def null_rows():
    """Rows with every nullable column NULL, as the service leaves them."""
    user = UserFactory(name=None, created_at=None, updated_at=None, last_login_at=None, status="UNVERIFIED")
    target = NotificationTargetFactory(user=user, meta=None, created_at=None, is_default=False)
    job = JobFactory(
        user=None,
        topics=None,
        email=None,
        is_active=None,
        notification_target=None,
        created_at=None,
        last_run=None,
        updated_at=None,
        x_username="nulljob",
    )
    execution = JobExecutionFactory(
        job=job, status="RUNNING", started_at=None, completed_at=None, tweets_fetched=None, created_at=None
    )
    summary = SummaryFactory(
        job=None,
        execution=None,
        x_username=None,
        topics=None,
        hours_back=None,
        tweets_count=None,
        raw_data=None,
        created_at=None,
        content="NULL-ROW-SUMMARY",
    )
    token = NotificationBindTokenFactory(user=user, created_at=None, used=True)
    code = VerificationCodeFactory(email="nulls@example.com", used=None, created_at=None, code_type="PASSWORD_RESET")
    return {
        User: user,
        NotificationTarget: target,
        Job: job,
        JobExecution: execution,
        Summary: summary,
        NotificationBindToken: token,
        VerificationCode: code,
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_page_opens_for_admin_with_null_rows(client_for, rows, null_rows, model):
    client = client_for("admin")
    listing = client.get(changelist(model))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert change(rows[model]) in html and change(null_rows[model]) in html
    for obj in (rows[model], null_rows[model]):
        response = client.get(change(obj))
        assert response.status_code == 200, obj
        assert str(obj.pk) in response.content.decode()


def test_null_rows_show_what_the_table_holds(client_for, null_rows):
    client = client_for("admin")
    job_page = client.get(change(null_rows[Job])).content.decode()
    assert "nulljob" in job_page and change(null_rows[JobExecution]) in job_page
    summary_page = client.get(change(null_rows[Summary])).content.decode()
    assert "NULL-ROW-SUMMARY" in summary_page
    code_page = client.get(change(null_rows[VerificationCode])).content.decode()
    assert "nulls@example.com" in code_page and "Password Reset" in code_page
    listing = client.get(changelist(Summary), {"is_playground__exact": "0"}).content.decode()
    assert change(null_rows[Summary]) in listing


def test_verification_code_filters_by_type_and_used(viewer, rows, null_rows):
    reset, signup = null_rows[VerificationCode], rows[VerificationCode]
    page = viewer.get(changelist(VerificationCode), {"code_type": "PASSWORD_RESET"}).content.decode()
    assert change(reset) in page and change(signup) not in page
    page = viewer.get(changelist(VerificationCode), {"used__exact": "0"}).content.decode()
    assert change(signup) in page and change(reset) not in page


def test_bind_token_shows_used_flag(viewer, rows, null_rows):
    used, fresh = null_rows[NotificationBindToken], rows[NotificationBindToken]
    page = viewer.get(changelist(NotificationBindToken), {"used__exact": "1"}).content.decode()
    assert change(used) in page and change(fresh) not in page


def test_hot_indexes_exist_in_schema_and_recommended_ones_do_not():
    from monitoring.xtrack.models import HOT_INDEXES, RECOMMENDED_INDEXES

    with seeding.connect("xtrack") as conn:
        names = {row[0] for row in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    assert [name for _t, _c, name, *_pages in HOT_INDEXES if name not in names] == []
    assert [name for _t, _c, name, *_pages in RECOMMENDED_INDEXES if name in names] == []
