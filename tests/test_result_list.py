"""The lean row renderer shows exactly what Django's own result_list shows, on every source list
(dates and times humanised as everywhere else in the back office)."""

from datetime import datetime

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_list import result_list
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from backoffice.management.commands.create_staff import create_staff_user
from backoffice.sources import SOURCE_ALIASES
from backoffice.templatetags.backoffice_format import when
from backoffice.templatetags.source_list import source_result_list
from tests.factories.fleet import AccountFactory, DeviceFactory
from tests.factories.posters import GeneratedPosterFactory
from tests.factories.wrapped import DeviceEmailFactory, WrappedRunFactory

SEEDED = {"WrappedRun", "AppUser", "DeviceEmail", "GeneratedPoster", "Account", "Device"}
SOURCE_ADMINS = [(m, a) for m, a in admin.site._registry.items() if m._meta.app_label in SOURCE_ALIASES]


@pytest.fixture
def rows():
    WrappedRunFactory(stage="analysis", email="odd_<b>@example.com")
    WrappedRunFactory(id="a/b_c?d", with_jobs=False)  # a pk admin URLs must quote
    DeviceEmailFactory(device_id="dev_1/2")
    GeneratedPosterFactory(username="<script>x</script>")
    AccountFactory(device=DeviceFactory())


def humanised(display):
    def wrapper(value, *args, **kwargs):
        return when(value) if isinstance(value, datetime) else display(value, *args, **kwargs)

    return wrapper


@pytest.fixture(autouse=True)
def django_with_the_back_offices_dates(monkeypatch):
    monkeypatch.setattr(admin_list, "display_for_field", humanised(admin_list.display_for_field))
    monkeypatch.setattr(admin_list, "display_for_value", humanised(admin_list.display_for_value))


def rendered(rows_of_cells) -> list[str]:
    return ["".join(str(cell) for cell in row) for row in rows_of_cells]


@pytest.mark.parametrize("thousands", [False, True], ids=["plain", "thousand-separators"])
@pytest.mark.parametrize("model_admin", [a for _, a in SOURCE_ADMINS], ids=[m.__name__ for m, _ in SOURCE_ADMINS])
def test_same_cells_as_djangos_result_list(rows, model_admin, thousands, settings):
    """Numbers included: an int is shown as str() only while thousand separators are off."""
    settings.USE_THOUSAND_SEPARATOR = thousands
    request = RequestFactory().get("/")
    request.user = create_staff_user("cmp", "support", "correct-horse-battery")
    request.session = {}
    request._messages = FallbackStorage(request)
    changelist = model_admin.get_changelist_instance(request)
    changelist.formset = None
    theirs = rendered(result_list(changelist)["results"])
    assert source_result_list(changelist)["results"] == theirs
    if model_admin.model.__name__ in SEEDED:
        assert theirs, "the comparison must cover real rows"


@pytest.mark.parametrize(
    "pk", ["run-1", "a b", "a/b_c?d", "x#y&z=1", "ünï", "100%", 42, "00000000-0000-4000-8000-000000000001"]
)
def test_a_link_to_a_row_is_the_url_reverse_gives(pk):
    """Links are built from a URL reversed once per view; for any key it must be the URL
    `reverse` itself builds, or a row links to another row's page."""
    from django.contrib.admin.utils import quote
    from django.urls import reverse

    from backoffice.display import change_url

    assert change_url("wrapped", "wrappedrun", pk) == reverse("admin:wrapped_wrappedrun_change", args=[quote(pk)])
    assert change_url("fleet", "device", pk) == reverse("admin:fleet_device_change", args=[quote(pk)])


@pytest.mark.django_db(databases="__all__")
def test_row_links_keep_the_lists_filters_and_are_reversed_once_per_request(client_for, monkeypatch):
    """Each row's link to its page keeps the list's filters (links to other models' pages do not);
    the URL is reversed and the filters worked out once per request, not once per row."""
    import re

    from backoffice import display
    from monitoring.wrapped.models import WrappedRun
    from tests.pages import changelist

    client = client_for("support")
    url = changelist(WrappedRun) + "?status__exact=failed"
    reads = []
    monkeypatch.setattr(display, "get_script_prefix", lambda: reads.append(1) or "/")

    def links(n_rows: int) -> list[str]:
        missing = n_rows - WrappedRun.objects.count()
        WrappedRunFactory.create_batch(missing, stage="analysis", failed_stage="analysis")
        reads.clear()
        html = client.get(url).content.decode()
        return re.findall(r'<a href="(/admin/wrapped/[^"]+/change/[^"]*)"', html)

    few = links(2)
    assert len(reads) == 2  # the run's page and the app user's page, once each
    many = links(6)
    assert len(reads) == 2
    runs = [link for link in many if link.startswith("/admin/wrapped/wrappedrun/")]
    users = [link for link in many if link.startswith("/admin/wrapped/appuser/")]
    assert len(runs) == len(users) == 6 and len(few) == 4
    assert all(link.endswith("/change/?_changelist_filters=status__exact%3Dfailed") for link in runs)
    assert all(link.endswith("/change/") for link in users)
