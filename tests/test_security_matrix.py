"""Every registered ModelAdmin × every role × every URL kind and action: 0 unexpected 2xx, 0 500s,
0 service calls and 0 audit rows from a refused request.

Admins, their URLs and their actions are discovered from the admin registry; rows come from the
factories (tests/factories, matched by model). Nothing here names a particular admin.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass

import factory
import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.test import Client
from django.urls import NoReverseMatch, reverse

from backoffice.actions import is_source_action
from backoffice.admin_base import ReadOnlyAdminMixin
from backoffice.audit.models import ActionRecord
from tests.plugins.fake_services import _start

pytestmark = pytest.mark.django_db(databases="__all__")

STAFF_ROLES = ("viewer", "support", "operator", "admin")
ROLES = (*STAFF_ROLES, "superuser", "staff_without_role", "not_staff", "anonymous")
STANDARD_URL_NAMES = {"changelist", "add", "history", "delete", "change", "export", "autocomplete", "section"}
PASSWORD = "correct-horse-battery-staple"


def make_client(role: str) -> tuple[Client, object]:
    from django.contrib.auth import get_user_model

    from backoffice.management.commands.create_staff import create_staff_user

    user_model = get_user_model()
    if role in STAFF_ROLES:
        user = create_staff_user(f"m-{role}", role, PASSWORD)
    elif role == "superuser":
        user = user_model.objects.create_superuser("m-root", "root@example.com", PASSWORD)
    elif role == "staff_without_role":
        user = user_model.objects.create_user("m-staff", password=PASSWORD, is_staff=True)
    elif role == "not_staff":
        user = user_model.objects.create_user("m-plain", password=PASSWORD)
    else:
        return Client(), None
    client = Client()
    client.force_login(user)
    return client, user


def factories_by_model() -> dict:
    import tests.factories as package

    found: dict = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"tests.factories.{info.name}")
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, factory.Factory) and not obj._meta.abstract:
                model = obj._meta.model
                if model is not None and obj.__module__ == module.__name__:
                    found.setdefault(model, obj)
    return found


def seed_rows() -> dict:
    """One row per registered model where a factory (or, for the audit, the ORM) can make one."""
    rows = {}
    makers = factories_by_model()
    for model in admin.site._registry:
        if model is ActionRecord:
            rows[model] = ActionRecord.objects.create(
                username="seed", source="wrapped", action="retry_run", method="POST", path="/x", outcome="ok"
            ).pk
        elif model in makers:
            rows[model] = makers[model]().pk
    return rows


@dataclass
class Probe:
    kind: str
    method: str
    url: str
    data: dict | None = None
    allowed: bool = False  # may this role get a 2xx here?
    exact: bool = False  # the role must get a 2xx here (the page is theirs)


def view_allowed(user, model_admin) -> bool:
    if user is None or not user.is_active or not user.is_staff:
        return False
    opts = model_admin.model._meta
    return user.has_perm(f"{opts.app_label}.view_{opts.model_name}")


def probes_for(model_admin, pk, user) -> list[Probe]:
    opts = model_admin.model._meta
    prefix = f"admin:{opts.app_label}_{opts.model_name}"
    read_only = isinstance(model_admin, ReadOnlyAdminMixin)
    can_view = view_allowed(user, model_admin)
    has_row = pk is not None
    obj = quote(pk if has_row else "no-such-row")
    can = (lambda perm: bool(user and user.is_active and user.is_staff and user.has_perm(perm))) if user else None

    def maybe(perm):
        return bool(can and can(perm))

    probes = [
        Probe("changelist", "GET", reverse(f"{prefix}_changelist"), allowed=can_view, exact=can_view),
        Probe("change", "GET", reverse(f"{prefix}_change", args=[obj]), allowed=can_view, exact=can_view and has_row),
        Probe("history", "GET", reverse(f"{prefix}_history", args=[obj]), allowed=can_view, exact=can_view and has_row),
    ]
    writes = [
        Probe("add", "GET", reverse(f"{prefix}_add")),
        Probe("add", "POST", reverse(f"{prefix}_add"), {"id": "new"}),
        Probe("change", "POST", reverse(f"{prefix}_change", args=[obj]), {"status": "x"}),
        Probe("delete", "GET", reverse(f"{prefix}_delete", args=[obj])),
        Probe("delete", "POST", reverse(f"{prefix}_delete", args=[obj]), {"post": "yes"}),
    ]
    for probe in writes:
        if not read_only:  # user and group management: Django's own permissions decide
            verb = {"add": "add", "change": "change", "delete": "delete"}[probe.kind]
            probe.allowed = maybe(f"{opts.app_label}.{verb}_{opts.model_name}") or (
                probe.method == "GET" and can_view and probe.kind != "add"
            )
        probes.append(probe)
    try:
        export = reverse(f"{prefix}_export")
    except NoReverseMatch:
        export = None
    if export:
        allowed = can_view  # a role without access.view_pii gets the values masked
        probes.append(Probe("export", "GET", export, allowed=allowed, exact=allowed))
    for section in getattr(model_admin, "deferred_sections", dict)():
        url = reverse(f"{prefix}_section", args=[obj, section])
        probes.append(Probe(f"section:{section}", "GET", url, allowed=can_view, exact=can_view and has_row))
    for pattern in model_admin.urls:
        name = getattr(pattern, "name", None) or ""
        if not name.startswith(f"{opts.app_label}_{opts.model_name}_"):
            continue
        suffix = name.removeprefix(f"{opts.app_label}_{opts.model_name}_")
        if suffix in STANDARD_URL_NAMES:
            continue
        try:
            url = reverse(f"admin:{name}")
        except NoReverseMatch:
            url = reverse(f"admin:{name}", args=[obj])
        # A custom view is at most as open as the list it belongs to.
        probes.append(Probe(f"custom:{suffix}", "GET", url, allowed=can_view))
    for item in model_admin.actions or ():
        func = item if callable(item) else getattr(model_admin, item, None)
        if not is_source_action(func) or not has_row:
            continue
        name = func.source_action.name
        allowed = can_view and maybe("access.run_actions")
        selection = {"action": name, "_selected_action": [str(pk)]}
        changelist = reverse(f"{prefix}_changelist")
        probes.append(Probe(f"action:{name}", "POST", changelist, selection, allowed=allowed, exact=allowed))
        forged = {**selection, "post": "yes", "reason": "OPS-101", "token": "forged"}
        probes.append(Probe(f"action:{name}:confirm", "POST", changelist, forged, allowed=allowed))
    return probes


def tool_probes(user) -> list[Probe]:
    probes = []
    for tool in admin.site.tools:
        allowed = bool(user and user.is_active and user.is_staff) and (
            tool.permission is None or user.has_perm(tool.permission)
        )
        probes.append(Probe(f"tool:{tool.name}", "GET", reverse(f"admin:{tool.name}"), allowed=allowed, exact=allowed))
    return probes


@pytest.fixture
def all_fakes(settings, django_db_blocker):
    fakes = [_start(alias, settings) for alias in settings.CONFIGURED_SOURCES]
    yield fakes
    for fake in fakes:
        fake.stop()


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, all_fakes):
    rows = seed_rows()
    client, user = make_client(role)
    if user is not None:
        user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    calls = ActionRecord.objects.exclude(action="export_csv")  # every export is audited; calls are not made
    audit_before = calls.count()
    problems, checked = [], 0
    for model, model_admin in admin.site._registry.items():
        for probe in probes_for(model_admin, rows.get(model), user):
            send = client.post if probe.method == "POST" else client.get
            response = send(probe.url, probe.data or {})
            checked += 1
            status = response.status_code
            where = f"{role} {probe.method} {probe.kind} {probe.url} -> {status}"
            if status >= 500:
                problems.append(f"500: {where}")
            elif 200 <= status < 300 and not probe.allowed:
                problems.append(f"unexpected 2xx: {where}")
            elif probe.exact and not 200 <= status < 300:
                problems.append(f"refused its own page: {where}")
    for probe in tool_probes(user):
        response = client.get(probe.url)
        checked += 1
        status = response.status_code
        if status >= 500 or (200 <= status < 300) != probe.allowed:
            problems.append(f"tool: {role} {probe.url} -> {status} (allowed={probe.allowed})")
    assert not problems, "\n".join(problems[:40])
    assert checked >= 8 * len(admin.site._registry)
    service_calls = [r for fake in all_fakes for r in fake.requests if (r.method, r.path) != ("GET", "/admin/metrics")]
    assert service_calls == []  # nothing here confirms a call (the health page's read-only API probe aside)
    assert calls.count() == audit_before


def test_the_matrix_covers_every_source_admin():
    source_admins = [m for m in admin.site._registry if m._meta.app_label in settings.CONFIGURED_SOURCES]
    assert len(source_admins) >= 20
    makers = factories_by_model()
    covered = [m for m in source_admins if m in makers]
    assert len(covered) >= 0.8 * len(source_admins), sorted(m.__name__ for m in source_admins if m not in makers)
