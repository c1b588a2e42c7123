"""XTrack pages: every list and detail opens, exact search, masked emails, no secrets, bounded queries.

job_notification_targets has a composite key: no page of its own, a bounded table in the job page.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib import admin
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring.xtrack import demo_data as demo
from monitoring.xtrack.apps import SECRET_COLUMNS
from monitoring.xtrack.models import (
    Job,
    JobExecution,
    JobNotificationTarget,
    NotificationBindToken,
    NotificationTarget,
    Summary,
    User,
    VerificationCode,
)
from tests import seeding
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
from tests.pages import list_page_queries, open_detail, query_log

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
    page = open_detail(viewer, change(job)).content.decode()
    assert len(set(re.findall(r"/admin/xtrack/jobexecution/\d+/change/", page))) == 20
    assert change(failed) in page and "429 Too Many Requests" in page
    assert change(rows[JobExecution]) not in page  # the oldest falls outside the last 20


def test_json_topics_of_wrong_type_render(viewer):
    job = JobFactory(topics="ai")  # a bare string, as some rows have
    assert viewer.get(change(job)).status_code == 200
    assert viewer.get(changelist(Job)).status_code == 200


def _queries_for(client, model, per_page, monkeypatch) -> int:
    response, log = list_page_queries(client, model, per_page)
    assert response.status_code == 200
    return len(log)


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
    with query_log("xtrack") as ctx:
        page = open_detail(viewer, change(job)).content.decode()
    link_sql = [q["sql"] for q in ctx.captured_queries if 'FROM "job_notification_targets"' in q["sql"]]
    assert len(link_sql) == 1 and "LIMIT 50" in link_sql[0]
    section = page.split("Latest 50 links (job_notification_targets)", 1)[0].rsplit("<fieldset", 1)[1]
    assert change(rows[NotificationTarget]) in section and change(telegram) in section
    assert MASKED in section and EMAIL not in page  # the email destination is masked for a viewer
    assert "TELEGRAM" in section
    assert EMAIL in open_detail(support, change(job)).content.decode()


def test_user_detail_lists_targets_with_destination(client_for, rows):
    user = rows[User]
    telegram = TelegramTargetFactory(user=user, destination="310999888")
    page = open_detail(client_for("support"), change(user)).content.decode()
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
    job_page = open_detail(client, change(null_rows[Job])).content.decode()
    assert "nulljob" in job_page and change(null_rows[JobExecution]) in job_page
    summary_page = open_detail(client, change(null_rows[Summary])).content.decode()
    assert "NULL-ROW-SUMMARY" in summary_page
    code_page = open_detail(client, change(null_rows[VerificationCode])).content.decode()
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


def test_hot_indexes_exist_in_schema_and_recommended_ones_do_not(db):  # db: runs before lower_indexes
    from monitoring.xtrack.apps import RECOMMENDED_INDEXES, SERVICE_INDEXES

    with seeding.connect("xtrack") as conn:
        names = {row[0] for row in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    assert [name for _t, _c, name, *_pages in SERVICE_INDEXES if name not in names] == []
    assert [name for _t, _c, name, *_pages in RECOMMENDED_INDEXES if name in names] == []


def test_check_sources_suggests_the_xtrack_indexes(db):
    from backoffice.health import check_source

    suggestions = "\n".join(check_source("xtrack").index_suggestions)
    for statement in (
        "bo_jobs_lower_x_username ON jobs (lower(x_username));",
        "bo_users_lower_email ON users (lower(email));",
        "bo_job_executions_job_id_id ON job_executions (job_id, id DESC);",
    ):
        assert f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {statement}" in suggestions


# -- the jobs list: owner, topics, last status, success rate, the failing filter -----------------


def _row(html: str, obj) -> str:
    """The text of the list row that links to obj (tags removed, spaces collapsed)."""
    rows = [r for r in re.findall(r"<tr[^>]*>.*?</tr>", html, re.S) if f'href="{change(obj)}"' in r]
    assert len(rows) == 1, f"{obj} not listed once"
    return rows[0]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _runs(job, statuses, *, hours_ago=1, error=None):
    """Executions of `job`, oldest first, one minute apart, the newest `hours_ago` hours ago."""
    start = datetime.now(UTC) - timedelta(hours=hours_ago, minutes=len(statuses))
    for i, status in enumerate(statuses):
        started = start + timedelta(minutes=i)
        JobExecutionFactory(
            job=job,
            status=status,
            started_at=started,
            completed_at=None if status == "RUNNING" else started + timedelta(seconds=30),
            error_message=error if status == "FAILED" else None,
        )


@pytest.fixture
def job_rows():
    owner = UserFactory(email=EMAIL)
    steady = JobFactory(user=owner, x_username="steady_x", frequency="hourly", topics=["ai", "startups"])
    # 25 runs: the oldest 5 failed (outside the last 20), then 16 completed, 3 failed, 1 running.
    _runs(steady, ["FAILED"] * 5 + ["COMPLETED"] * 8 + ["FAILED"] * 3 + ["COMPLETED"] * 8 + ["RUNNING"])
    failing = JobFactory(user=owner, x_username="failing_x", topics="ai")  # topics as a bare string
    _runs(failing, ["COMPLETED", "FAILED"], error="429 Too Many Requests")
    idle = JobFactory(user=None, x_username="idle_x", topics=None, is_active=None, last_run=None)
    return {"steady": steady, "failing": failing, "idle": idle, "owner": owner}


def test_jobs_list_shows_owner_schedule_last_status_and_success_rate(client_for, job_rows):
    viewer, support = client_for("viewer"), client_for("support")
    html = viewer.get(changelist(Job)).content.decode()
    steady = _row(html, job_rows["steady"])
    assert f'href="{change(job_rows["owner"])}">{MASKED}</a>' in steady  # owner: a link, masked
    assert "steady_x" in steady and "hourly" in _text(steady) and "ai, startups" in steady
    assert "RUNNING" in _text(steady)  # the last execution, as a badge
    # 16 of the 19 finished among the last 20 completed; the 5 older failures are not counted
    assert 'class="badge badge-warn" title="16 completed, 3 failed, 1 running of the last 20 executions">84 %' in steady
    assert re.search(r"<time [^>]*title=\"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\">1 h", steady)  # last run
    failing = _row(html, job_rows["failing"])
    assert "FAILED" in _text(failing) and "badge-bad" in failing and ">50 %<" in failing
    assert "&quot;ai&quot;" in failing  # a bare string is shown as the JSON it is
    idle = _row(html, job_rows["idle"])
    assert _text(idle).count("—") >= 4  # no owner, no topics, no last run, no execution
    assert EMAIL not in html
    assert f">{EMAIL}</a>" in _row(support.get(changelist(Job)).content.decode(), job_rows["steady"])


def test_jobs_list_execution_figures_cost_one_query_whatever_the_page_size(client_for, monkeypatch):
    client = client_for("support")
    for i in range(60):
        job = JobFactory(user=UserFactory())
        _runs(job, ["COMPLETED", "FAILED"][: 1 + i % 2])
    _queries_for(client, Job, 20, monkeypatch)  # warms the cached index list
    counts = {}
    for per_page in (20, 50):
        monkeypatch.setattr(admin.site._registry[Job], "list_per_page", per_page)
        with CaptureQueriesContext(connections["xtrack"]) as ctx:
            html = client.get(changelist(Job)).content.decode()
        assert html.count('class="badge badge-') >= per_page  # every row has its figures
        executions = [q["sql"] for q in ctx.captured_queries if "job_executions" in q["sql"]]
        assert len(executions) == 1 and "LATERAL" in executions[0]
        counts[per_page] = len(ctx.captured_queries)
    assert counts[20] == counts[50]


def test_job_export_has_the_figures(client_for, job_rows):
    response = client_for("support").get(reverse("admin:xtrack_job_export"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "success, last 20" in body.splitlines()[0]
    line = next(line for line in body.splitlines() if "steady_x" in line)
    assert "84 %" in line and "RUNNING" in line and EMAIL in line


def test_failing_filter_lists_jobs_whose_latest_execution_failed(viewer, job_rows):
    recovered = JobFactory(x_username="recovered_x")
    _runs(recovered, ["FAILED", "COMPLETED"])
    old_failure = JobFactory(x_username="old_failure_x")
    _runs(old_failure, ["COMPLETED", "FAILED"], hours_ago=72)
    day = viewer.get(changelist(Job), {"failing": "24h"}).content.decode()
    assert change(job_rows["failing"]) in day
    for job in (job_rows["steady"], job_rows["idle"], recovered, old_failure):
        assert change(job) not in day
    week = viewer.get(changelist(Job), {"failing": "7d"}).content.decode()
    assert change(old_failure) in week and change(job_rows["failing"]) in week and change(recovered) not in week
    assert "bo_job_executions_job_id_id" in day  # the filter says how it reads
    assert viewer.get(changelist(Job), {"failing": "forever"}).status_code == 400


def test_dashboard_failing_count_links_to_the_failing_filter(viewer, job_rows):
    from tests.test_dashboard import dashboard_html

    html = dashboard_html(viewer)
    assert f'href="{changelist(Job)}?failing=24h">1</a>' in html


def test_job_detail_shows_history_summaries_and_targets_humanised(client_for, job_rows):
    job = job_rows["failing"]
    summary = SummaryFactory(job=job, execution=job.executions.order_by("-id").first(), content="Weekly digest")
    telegram = TelegramTargetFactory(user=job.user, destination="310777111")
    JobNotificationTargetFactory(job=job, notification_target=telegram)
    html = open_detail(client_for("viewer"), change(job)).content.decode()
    text = _text(html)
    assert "Last run status: FAILED" in text and "Success, last 20: 50 %" in text
    history = html.split("Latest 20, newest first.")[0].rsplit("<table", 1)[1]
    failed = next(r for r in re.findall(r"<tr>.*?</tr>", history, re.S) if "429 Too Many" in r)
    assert "30 s" in _text(failed)  # the duration, humanised
    assert "FAILED" in _text(failed) and failed.count("<time ") == 2  # started and completed
    assert change(summary) in html and "Weekly digest" in html
    assert change(telegram) in html and "310777111" not in html  # a chat id is personal too
    assert not re.search(r"\+00:00|\d:\d\d:\d\d\.\d|[ap]\.m\.", text)  # one humanised format, as seen


def test_job_detail_with_nothing_related(viewer, job_rows):
    html = open_detail(viewer, change(job_rows["idle"])).content.decode()
    text = _text(html)
    assert "Executions: None. Latest 20, newest first." in text and "Summaries: None. Latest 10." in text
    assert "Last run status: —" in text and "Success, last 20: —" in text


def test_running_execution_reads_running_for(viewer):
    started = datetime.now(UTC) - timedelta(minutes=4, seconds=10)
    execution = JobExecutionFactory(status="RUNNING", started_at=started, completed_at=None)
    execution_row = _row(viewer.get(changelist(JobExecution)).content.decode(), execution)
    assert "running for 4 min" in execution_row
    assert "running for 4 min" in open_detail(viewer, change(execution.job)).content.decode()


def test_topics_of_every_shape(viewer):
    shapes = {"[]": [], "ai, llm": ["ai", "llm"], "—": None, "&quot;ai&quot;": "ai", "{": {"k": 1}}
    jobs = {shown: JobFactory(topics=value) for shown, value in shapes.items()}
    html = viewer.get(changelist(Job)).content.decode()
    for shown, job in jobs.items():
        assert (shown if shown != "[]" else "(none)") in _row(html, job)


# -- search: exact until the lower() indexes exist (these tests create them: keep them last) --


def test_search_without_lower_index_is_exact_and_says_so(client_for, job_rows):
    support = client_for("support")
    mixed = JobFactory(x_username="Mixed_Case_X")
    assert change(mixed) in _found(support, Job, "Mixed_Case_X")
    html = _found(support, Job, "MIXED_case_x")
    assert change(mixed) not in html
    assert "x_username (as typed or lower-case)" in html and "bo_jobs_lower_x_username" in html
    assert change(job_rows["steady"]) in _found(support, Job, "STEADY_X")  # its lower-case form is stored
    assert change(job_rows["owner"]) not in _found(support, User, "PRIYA.customer@example.com")
    find = support.get(reverse("admin:find"), {"q": "@MIXED_case_x"}).content.decode()
    assert change(mixed) not in find


@pytest.fixture(scope="module")
def lower_indexes(django_db_setup, django_db_blocker):
    # Module scope: dropped after every test transaction that read these tables has ended.
    statements = {
        name: f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})"
        for table, columns, name, *_ in __import__("monitoring.xtrack.apps").xtrack.apps.RECOMMENDED_INDEXES
        if name in ("bo_jobs_lower_x_username", "bo_users_lower_email", "bo_job_executions_job_id_id")
    }
    with django_db_blocker.unblock():
        for sql in statements.values():
            seeding.connection("xtrack").execute(sql)
        yield
        for name in statements:
            seeding.connection("xtrack").execute(f"DROP INDEX {name}")


def _plan(queryset) -> str:
    with connections["xtrack"].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def test_search_with_lower_index_matches_any_case(client_for, job_rows, lower_indexes):
    support = client_for("support")
    mixed = JobFactory(x_username="Mixed_Case_X")
    html = _found(support, Job, "MIXED_case_x")
    assert change(mixed) in html and change(job_rows["failing"]) not in html
    assert "x_username (any case)" in html and "owner email (any case)" in html
    assert "bo_jobs_lower_x_username" not in html
    assert change(mixed) in _found(support, Job, "@mixed_case_X")
    with CaptureQueriesContext(connections["xtrack"]) as ctx:
        by_owner = _found(support, Job, "PRIYA.customer@EXAMPLE.com")
    page_sql = next(q["sql"] for q in ctx.captured_queries if "LIMIT" in q["sql"] and 'FROM "jobs"' in q["sql"])
    assert '"jobs"."user_id" IN (' in page_sql and "LOWER(" not in page_sql  # the owner found first, by key
    assert change(job_rows["steady"]) in by_owner and change(job_rows["failing"]) in by_owner
    assert change(job_rows["owner"]) in _found(support, User, "PRIYA.customer@EXAMPLE.com")
    assert change(job_rows["steady"]) in _found(support, Job, str(job_rows["steady"].pk))  # ids still exact
    # Find anything folds the case the same way
    find = support.get(reverse("admin:find"), {"q": "@MIXED_case_x"}).content.decode()
    assert change(mixed) in find and "any case with bo_jobs_lower_x_username" in find
    find = support.get(reverse("admin:find"), {"q": "PRIYA.customer@EXAMPLE.com"}).content.decode()
    assert change(job_rows["owner"]) in find


def test_searches_and_figures_read_through_the_indexes(db, lower_indexes):
    from django.db.models import Q
    from django.db.models.functions import Lower
    from django.db.models.lookups import Exact

    from monitoring.xtrack import queries

    assert "bo_jobs_lower_x_username" in _plan(Job.objects.filter(Q(Exact(Lower("x_username"), "naval"))).order_by())
    assert "bo_users_lower_email" in _plan(User.objects.filter(Q(Exact(Lower("email"), "a@b.co"))).order_by())
    failing = Job.objects.filter(queries.last_run_failed(queries.FAILING_WINDOWS["24h"])).order_by("-id")[:20]
    assert "bo_job_executions_job_id_id" in _plan(failing)  # each job's latest execution, one index descent
    with connections["xtrack"].cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + queries.EXECUTION_STATS_SQL, {"ids": [1, 2], "runs": queries.STATS_RUNS})
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "bo_job_executions_job_id_id" in plan and "Sort" not in plan.split("bo_job_executions_job_id_id")[0][-200:]
