"""Hostile input (hypothesis): every changelist's search, filter, ordering and page parameters,
find-a-person, CSV export, the live panel and the audit log get malformed, huge, NUL and
out-of-range values. 0 responses ≥ 500, and nothing outside 200/302/400/403."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice.admin_base import AllowListedLookupsMixin
from tests.factories.wrapped import AuthJobFactory, WrappedRunFactory

pytestmark = pytest.mark.django_db(databases="__all__")

LIST_EXAMPLES = 25
EXAMPLES = 50
ACCEPTED = {200, 302, 400, 403, 404}

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from("\x00\x01%'\"<>\\/.;:@_-*?&=# é中\u2028\U0001f600"), max_size=30),
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "x" * 10_000,
            "-1",
            "0",
            "99999999999999999999999",
            "1e308",
            "NaN",
            "2024-99-99",
            "2024-02-30",
            "2024-02-30T10:00:00",
            "9999-12-31T23:59:59",
            "0000-00-00",
            "true",
            "maybe",
            "' OR 1=1 --",
            "%00",
            "../../etc/passwd",
            "<script>alert(1)</script>",
            "00000000-0000-0000-0000-000000000000",
            "a@b.c",
        ]
    ),
)
FIXED_KEYS = ["q", "o", "p", "e", "all", "_to_field", "_popup", "_facets", "email__startswith", "payload__icontains"]

hypothesis_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def params_for(keys: list[str]):
    """Half the time only what the page declares (the values are the attack), else anything."""
    declared = st.dictionaries(st.sampled_from(sorted({*keys, "q", "o", "p"})), hostile_text, max_size=3)
    key = st.one_of(st.sampled_from(sorted(set(keys + FIXED_KEYS))), st.text(min_size=1, max_size=20))
    return st.one_of(declared, st.dictionaries(key, hostile_text, max_size=4))


def list_admins():
    return [(m, ma) for m, ma in admin.site._registry.items() if isinstance(ma, AllowListedLookupsMixin)]


@pytest.fixture
def as_admin(client_for):
    WrappedRunFactory(email="someone@example.com")
    AuthJobFactory()
    return client_for("admin")


@pytest.mark.parametrize("model_admin", [ma for _m, ma in list_admins()], ids=lambda ma: ma.opts.label_lower)
def test_every_changelist_survives_hostile_parameters(as_admin, model_admin):
    url = reverse(f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_changelist")
    keys = sorted(model_admin.declared_lookup_parameters(None))

    seen = []

    @settings(hypothesis_settings, max_examples=LIST_EXAMPLES)
    @given(params_for(keys))
    def check(params):
        status = as_admin.get(url, params).status_code
        seen.append(status)
        assert status in ACCEPTED, (url, params, status)

    check()
    assert len(seen) >= LIST_EXAMPLES and {200, 400} <= set(seen), sorted(set(seen))


@hypothesis_settings
@given(q=hostile_text)
def test_find_a_person_survives_hostile_input(as_admin, q):
    assert as_admin.get(reverse("admin:wrapped_find_person"), {"q": q}).status_code in ACCEPTED


@hypothesis_settings
@given(params=params_for(["waitlist_opt_in__exact", "reauth", "status__exact", "stage", "warnings", "updated"]))
def test_export_survives_hostile_parameters(as_admin, params):
    for url in ("/admin/wrapped/deviceemail/export.csv", "/admin/wrapped/wrappedrun/export.csv"):
        assert as_admin.get(url, params).status_code in ACCEPTED, (url, params)


@hypothesis_settings
@given(since=hostile_text, seen=hostile_text)
def test_live_panel_survives_hostile_dates(as_admin, since, seen):
    response = as_admin.get("/admin/wrapped/wrappedrun/live/", {"since": since, "seen": seen})
    assert response.status_code in (200, 400), (since, response.status_code)


@hypothesis_settings
@given(
    params=params_for(
        ["source", "action", "outcome__exact", "username", "target_key", "created_at_from", "created_at_to"]
    )
)
def test_audit_log_survives_hostile_parameters(as_admin, params):
    assert as_admin.get("/admin/audit/actionrecord/", params).status_code in ACCEPTED, params


@pytest.fixture
def as_operator(client_for):
    return client_for("operator")


@hypothesis_settings
@given(limit=hostile_text)
def test_retry_failed_page_survives_hostile_limits(as_operator, limit):
    assert as_operator.get("/admin/wrapped/wrappedrun/retry-failed/", {"limit": limit}).status_code == 200
