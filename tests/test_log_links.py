"""Worker-log links: an optional per-source URL template, validated at start-up, filled URL-quoted."""

import os
import re
import subprocess
import sys

import pytest

from backoffice.logs import log_url
from backoffice.sources import BASE_DIR
from monitoring.wrapped.models import AppJob, WrappedRun
from tests.factories.wrapped import AppJobFactory, WrappedRunFactory
from tests.pages import change

TEMPLATE = "https://logs.example.com/search?q=run_id:{run_id} OR job_id:{job_id}"


@pytest.fixture
def wrapped_logs(settings):
    settings.LOG_URL_TEMPLATES = {"wrapped": TEMPLATE}


def test_values_are_url_quoted_and_a_missing_one_is_empty(wrapped_logs):
    assert log_url("wrapped", run_id="r 1&x=y", job_id="j/2") == (
        "https://logs.example.com/search?q=run_id:r%201%26x%3Dy OR job_id:j%2F2"
    )
    assert log_url("wrapped", run_id="r1") == "https://logs.example.com/search?q=run_id:r1 OR job_id:"
    assert log_url("wrapped", run_id=None, job_id="") is None
    assert log_url("posters", run_id="r1") is None  # no template for that source


def worker_log_links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]*)" class="worker-logs-link"', html)


@pytest.mark.django_db(databases="__all__")
def test_run_and_job_pages_link_to_their_worker_logs(client_for, wrapped_logs):
    run = WrappedRunFactory(id="run/1")
    client = client_for("viewer")
    links = worker_log_links(client.get(change(WrappedRun, run.id)).content.decode())
    job_id = run.watch_history_job_id
    assert links == [f"https://logs.example.com/search?q=run_id:run%2F1 OR job_id:{job_id}"]

    job = AppJobFactory(payload={"wrapped_run_id": "run/1"})
    links = worker_log_links(client.get(change(AppJob, job.id)).content.decode())
    assert links == [f"https://logs.example.com/search?q=run_id:run%2F1 OR job_id:{job.id}"]


@pytest.mark.django_db(databases="__all__")
def test_no_template_no_link(client_for, settings):
    settings.LOG_URL_TEMPLATES = {}
    run = WrappedRunFactory()
    html = client_for("viewer").get(change(WrappedRun, run.id)).content.decode()
    assert "worker logs" not in html
    assert 'class="historylink"' in html


def _settings_with(value: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_LOG_URL_TEMPLATE")}
    env.update(
        WRAPPED_LOG_URL_TEMPLATE=value,
        DJANGO_SETTINGS_MODULE="backoffice.settings",
        PYTHONPATH=str(BASE_DIR),
        DEPLOYMENT="local",
    )
    script = "import django; django.setup(); from django.conf import settings; print(settings.LOG_URL_TEMPLATES)"
    return subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=90
    )


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("ftp://logs.example.com/?q={run_id}", "WRAPPED_LOG_URL_TEMPLATE must be an http(s) URL"),
        ("https://logs.example.com/?q={admin_key}", "may only use the placeholders {run_id}, {job_id}"),
        ("https://logs.example.com/?q={run_id.__class__}", "may only use the placeholders"),
        ("https://logs.example.com/?q={run_id!r}", "may only use the placeholders"),
        ("https://logs.example.com/?q={run_id", "is not a valid URL template"),
    ],
)
def test_a_bad_template_stops_start_up_naming_the_variable(value, says):
    result = _settings_with(value)
    assert result.returncode != 0
    assert says in result.stderr


def test_a_good_template_is_read():
    result = _settings_with(TEMPLATE)
    assert result.returncode == 0, result.stderr
    assert TEMPLATE in result.stdout
