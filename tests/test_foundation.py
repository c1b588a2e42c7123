"""Foundation: sources are read-only twice (router + SELECT-only role), settings fail fast, roles work."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import DatabaseError, connections, router, transaction
from django.test import Client
from django.urls import reverse

from backoffice.routers import SourceWriteRefused
from backoffice.sources import BASE_DIR, SOURCE_ALIASES
from monitoring.wrapped.models import WrappedRun
from tests.factories.wrapped import WrappedRunFactory

INSERT_RUN = "INSERT INTO app_wrapped_runs (id, app_user_id) VALUES ('x-run', 'x-user')"


# --- read-only, belt one: the router --------------------------------------------------------------


def test_saving_a_source_model_is_refused():
    with pytest.raises(SourceWriteRefused):
        WrappedRun(id="new-run", app_user_id="someone", status="pending", payload={}).save()


def test_queryset_update_and_delete_are_refused():
    WrappedRunFactory()
    with pytest.raises(SourceWriteRefused):
        WrappedRun.objects.update(status="failed")
    with pytest.raises(SourceWriteRefused):
        WrappedRun.objects.all().delete()
    run = WrappedRun.objects.get()
    with pytest.raises(SourceWriteRefused):
        run.delete()
    assert WrappedRun.objects.get().status == "ready"


def test_router_refuses_migrations_for_source_apps():
    for alias in SOURCE_ALIASES:
        assert router.allow_migrate(alias, alias) is False
        assert router.allow_migrate("default", alias) is False
    assert router.allow_migrate("default", "auth") is not False


# --- read-only, belt two: the session and the role ------------------------------------------------


def test_raw_insert_through_the_alias_fails():
    with pytest.raises(DatabaseError), transaction.atomic(using="wrapped"), connections["wrapped"].cursor() as cursor:
        cursor.execute(INSERT_RUN)
    assert not WrappedRun.objects.filter(id="x-run").exists()


def test_alias_session_is_read_only_with_timeouts():
    with connections["wrapped"].cursor() as cursor:
        cursor.execute("SHOW default_transaction_read_only")
        assert cursor.fetchone()[0] == "on"
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] not in ("0", "")
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] not in ("0", "")
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] != "postgres"


def test_turning_read_only_off_does_not_help_the_select_only_role():
    # A fresh session with the alias's own credentials and options (Django's test transaction would
    # otherwise refuse the SET before we ever reach the privilege check).
    params = connections["wrapped"].get_connection_params()
    with psycopg.connect(**params) as conn:
        conn.execute("SET transaction_read_only = off")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(INSERT_RUN)


def test_every_source_alias_logs_in_as_a_select_only_role():
    for alias in SOURCE_ALIASES & set(connections.databases):
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user")
            assert cursor.fetchone() == (False, False, False), alias


# --- roles -------------------------------------------------------------------------------------------


def perms(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_role_groups_have_the_expected_permissions():
    viewer, support, operator, admin_ = (perms(r) for r in ("viewer", "support", "operator", "admin"))
    assert {"wrapped.view_wrappedrun", "wrapped.view_appjob", "wrapped.view_authjob"} <= viewer
    assert not any(p.startswith("wrapped.") and not p.startswith("wrapped.view_") for p in viewer)
    assert "access.view_pii" not in viewer
    assert "access.view_pii" in support
    assert "access.run_actions" not in support
    assert "access.run_actions" in operator
    assert "access.run_actions" in admin_
    assert [r for r, p in [("viewer", viewer), ("support", support), ("operator", operator), ("admin", admin_)]
            if "audit.view_actionrecord" in p] == ["admin"]  # fmt: skip
    assert viewer < support < operator < admin_


def wrapped_changelists() -> list[str]:
    return [
        reverse(f"admin:wrapped_{model._meta.model_name}_changelist")
        for model in admin.site._registry
        if model._meta.app_label == "wrapped"
    ]


@pytest.mark.parametrize("role", ["viewer", "support", "operator", "admin"])
def test_each_role_browses_the_admin(client_for, role):
    WrappedRunFactory(stage="analysis")
    client = client_for(role)
    assert client.get(reverse("admin:index")).status_code == 200
    urls = wrapped_changelists()
    assert reverse("admin:wrapped_wrappedrun_changelist") in urls, "the Wrapped admin is not registered"
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_a_user_without_staff_sees_the_login_page():
    user = get_user_model().objects.create_user("mallory", password="correct-horse-battery")
    client = Client()
    client.force_login(user)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain and reverse("admin:login") in response.redirect_chain[-1][0]
    assert b'name="password"' in response.content


def test_create_staff_command_creates_a_user_with_one_role():
    call_command("create_staff", "bob", "--role", "support", "--password", "long-enough-pass")
    bob = get_user_model().objects.get(username="bob")
    assert bob.is_staff and not bob.is_superuser
    assert list(bob.groups.values_list("name", flat=True)) == ["support"]
    assert bob.check_password("long-enough-pass")
    assert bob.has_perm("access.view_pii") and not bob.has_perm("access.run_actions")


# --- settings fail fast -------------------------------------------------------------------------------

SETUP = "import django; django.setup()"
VALID_OWN_URL = "postgres://backoffice:pw@127.0.0.1:5432/backoffice"


def settings_error(**env_vars) -> str:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("DATABASE_URL", "_API_URL"))}
    env.update(env_vars, DJANGO_SETTINGS_MODULE="backoffice.settings", PYTHONPATH=str(BASE_DIR))
    result = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0, result.stdout
    return result.stderr


@pytest.mark.parametrize(
    ("env_vars", "variable"),
    [
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://u:p@localhost/db"}, "DATABASE_URL"),
        ({"DATABASE_URL": VALID_OWN_URL, "WRAPPED_DATABASE_URL": "mysql://u:p@h/db"}, "WRAPPED_DATABASE_URL"),
        (
            {"DATABASE_URL": VALID_OWN_URL, "WRAPPED_DATABASE_URL": "postgres://u:p@h:notaport/db"},
            "WRAPPED_DATABASE_URL",
        ),
    ],
)
def test_malformed_database_urls_name_the_variable(env_vars, variable):
    stderr = settings_error(**env_vars)
    assert "ImproperlyConfigured" in stderr
    assert variable in stderr.strip().splitlines()[-1]


@pytest.mark.django_db(databases="__all__")
def test_the_index_lists_what_the_users_role_allows_as_the_role_changes(client_for):
    """The app list is built once per permission set: each role still sees its own, and a user
    given another role sees the new one on the next page."""
    audit_url = reverse("admin:audit_actionrecord_changelist")
    admin_client, viewer_client = client_for("admin"), client_for("viewer")
    for _ in range(2):
        assert audit_url in admin_client.get(reverse("admin:index")).content.decode()
        assert audit_url not in viewer_client.get(reverse("admin:index")).content.decode()
    get_user_model().objects.get(username="viewer-user").groups.add(Group.objects.get(name="admin"))
    assert audit_url in viewer_client.get(reverse("admin:index")).content.decode()


@pytest.mark.django_db(databases="__all__")
def test_a_superusers_page_loads_no_permissions():
    """A superuser has every permission without loading them: building the app list must not
    load them either (one more query on every page)."""
    from tests.pages import query_log

    user = get_user_model().objects.create_superuser("root-user", "root@example.com", "x-correct-horse-9")
    client = Client()
    client.force_login(user)
    client.get(reverse("admin:index"))
    with query_log("default") as log:
        assert client.get(reverse("admin:wrapped_wrappedrun_changelist")).status_code == 200
    assert not log.sql("auth_permission"), log.listing()


@pytest.mark.django_db(databases="__all__")
def test_a_users_permissions_are_their_own_and_their_groups_read_in_one_query():
    """The permission query is compiled once per process and run with each user's key: every user
    gets exactly what Django's ModelBackend gives them (own permissions and their groups')."""
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.models import Permission

    from backoffice.auth_backend import OneQueryPermissionBackend
    from backoffice.management.commands.create_staff import create_staff_user
    from tests.pages import query_log

    viewer = create_staff_user("perm-viewer", "viewer", "correct-horse-battery")
    operator = create_staff_user("perm-operator", "operator", "correct-horse-battery")
    operator.user_permissions.add(Permission.objects.get(codename="view_actionrecord"))
    nobody = create_staff_user("perm-nobody", "viewer", "correct-horse-battery")
    nobody.groups.clear()
    seen = {}
    for user in (viewer, operator, nobody):
        with query_log("default") as log:
            seen[user.username] = OneQueryPermissionBackend().get_all_permissions(
                get_user_model().objects.get(pk=user.pk)
            )
        assert len(log.sql("auth_permission")) == 1, log.listing()
        assert seen[user.username] == ModelBackend().get_all_permissions(get_user_model().objects.get(pk=user.pk))
    assert {"access.run_actions", "audit.view_actionrecord"} <= seen["perm-operator"]
    assert "wrapped.view_wrappedrun" in seen["perm-viewer"] and "access.run_actions" not in seen["perm-viewer"]
    assert seen["perm-nobody"] == set()


@pytest.mark.django_db(databases="__all__")
def test_a_list_page_does_not_build_the_app_list_the_index_still_shows_it(client_for, monkeypatch):
    """each_context's available_apps feeds only the nav sidebar (off): it is built when read. The
    index, which lists the apps, still builds and shows them."""
    built = []
    build = admin.site._build_app_dict
    monkeypatch.setattr(admin.site, "_build_app_dict", lambda *a, **k: built.append(1) or build(*a, **k))
    client = client_for("viewer")
    assert client.get(reverse("admin:wrapped_wrappedrun_changelist")).status_code == 200
    assert built == []
    index = client.get(reverse("admin:index")).content.decode()
    assert built and reverse("admin:wrapped_wrappedrun_changelist") in index
