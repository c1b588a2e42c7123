"""Source health checks each service's admin API: reachable, key accepted, answer time (real HTTP)."""

import copy
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from backoffice import api_health
from backoffice.api_health import check_api

pytestmark = pytest.mark.django_db(databases="__all__")


def command(*args) -> str:
    out = StringIO()
    try:
        call_command("check_sources", *args, stdout=out, stderr=StringIO())
    except SystemExit:
        pass
    except Exception as exc:  # exit status 1 for an unusable source database: not what is tested here
        if type(exc).__name__ != "CommandError":
            raise
    return out.getvalue()


def test_a_healthy_api_is_reachable_and_accepts_the_key(fake_wrapped_api, settings):
    check = check_api("wrapped")
    assert (check.severity, check.state) == ("ok", "ok")
    assert re.fullmatch(r"reachable, key accepted, answered in \d+ ms", check.message)
    assert check.endpoint == "GET /admin/metrics" and check.http_status == 200
    (request,) = fake_wrapped_api.requests_to("/admin/metrics")
    assert request.method == "GET"
    assert request.header("X-Admin-Key") == "<admin-key: matched>"


@pytest.mark.parametrize(
    ("mode", "state", "says"),
    [
        ("401", "key refused", "the key was refused (HTTP 401): check WRAPPED_ADMIN_KEY"),
        ("500", "service error", "the service failed (HTTP 500)"),
        ("drop", "unreachable", "closed the connection without answering"),
        ("slow", "timed out", "no answer within 0.5 s"),
    ],
)
def test_a_misbehaving_api_is_reported_clearly(fake_wrapped_api, short_timeouts, mode, state, says):
    fake_wrapped_api.misbehave(mode)
    check = check_api("wrapped")
    assert (check.severity, check.state) == ("error", state)
    assert says in check.message


def test_a_wrong_key_is_refused(fake_wrapped_api, settings):
    apis = copy.deepcopy(settings.SOURCE_APIS)
    apis["wrapped"]["admin_key"] = "not-the-key-1234"
    settings.SOURCE_APIS = apis
    assert check_api("wrapped").state == "key refused"


def test_a_slow_answer_is_a_warning(fake_wrapped_api, monkeypatch):
    monkeypatch.setattr(api_health, "SLOW_MS", 100)
    fake_wrapped_api.misbehave("slow", seconds=0.3)
    check = check_api("wrapped")
    assert (check.severity, check.state) == ("warning", "slow")
    assert "slow: answered in" in check.message


def test_a_service_that_is_down(settings):
    apis = copy.deepcopy(settings.SOURCE_APIS)
    apis["wrapped"] = {"base_url": "http://127.0.0.1:9", "admin_key": "k-123456"}  # discard port: refused
    settings.SOURCE_APIS = apis
    check = check_api("wrapped")
    assert (check.severity, check.state) == ("error", "unreachable")
    assert "connection refused" in check.message


def test_a_source_without_a_read_endpoint_is_not_checked(fake_posters_api):
    check = check_api("posters")
    assert check.state == "not checked"
    assert check.message.startswith("not checked: the service documents no read-only endpoint")
    assert fake_posters_api.requests == []  # nothing was called


def test_an_unconfigured_api(settings):
    apis = copy.deepcopy(settings.SOURCE_APIS)
    apis["wrapped"] = {"base_url": None, "admin_key": ""}
    settings.SOURCE_APIS = apis
    assert check_api("wrapped").message.startswith("no admin API configured (WRAPPED_API_URL unset)")


def test_check_sources_prints_the_api_line_and_never_the_key(fake_wrapped_api, settings):
    key = settings.SOURCE_APIS["wrapped"]["admin_key"]
    fake_wrapped_api.misbehave("echo")  # answers 200 with the key it was sent
    output = command("--source", "wrapped")
    assert re.search(r"✓ admin API: reachable, key accepted, answered in \d+ ms \(GET /admin/metrics\)", output)
    assert key not in output

    fake_wrapped_api.misbehave("401")
    output = command("--source", "wrapped")
    assert "✗ admin API: reachable, but the key was refused (HTTP 401)" in output
    assert "admin API problems: wrapped (key refused)" in output

    payload = json.loads(command("--source", "wrapped", "--json"))
    assert payload[0]["api"]["state"] == "key refused"
    assert key not in json.dumps(payload)

    before = len(fake_wrapped_api.requests)
    assert "admin API" not in command("--source", "wrapped", "--no-api")
    assert len(fake_wrapped_api.requests) == before


def test_the_health_page_shows_each_apis_state(fake_wrapped_api, fake_posters_api, client_for, settings):
    fake_wrapped_api.misbehave("500")
    page = client_for("admin").get(reverse("admin:source_health") + "?refresh=1").content.decode()
    wrapped = re.search(r'<p class="health-api[^"]*" id="api-wrapped">(.*?)</p>', page, re.S).group(1)
    assert "service error" in wrapped and "HTTP 500" in wrapped and "GET /admin/metrics" in wrapped
    posters = re.search(r'id="api-posters">(.*?)</p>', page, re.S).group(1)
    assert "not checked" in posters
    for alias in ("wrapped", "posters"):
        assert settings.SOURCE_APIS[alias]["admin_key"] not in page
