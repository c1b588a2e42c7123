"""The production path (issue 16 findings 6 and 9), as an operator and an attacker meet it.

- `check --deploy --fail-level WARNING` is clean under the README's production environment;
- gunicorn serves the login page with a strict CSP and the hashed static files with far-future
  cache headers (whitenoise); without SECRET_KEY it refuses to start;
- pages carry no inline script or style;
- login throttling: wrong passwords lock the account (and the address) until the cool-off;
- Django's password validators refuse `12345678`;
- an admin who is not a superuser cannot make anyone (themselves included) superuser, grant
  permissions or roles beyond their own, or take over a superuser's account;
- the source reader role cannot connect to the back office's own database, cannot write large
  objects even once its session is not read-only, and check_sources reports a role that can.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from datetime import timedelta
from io import StringIO
from urllib.parse import quote

import psycopg
import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.test import Client, override_settings
from django.urls import reverse

from backoffice import embedded, health, seeding
from backoffice.management.commands.create_staff import create_staff_user
from backoffice.sources import BASE_DIR, SOURCES
from tests.factories.wrapped import WrappedRunFactory

HOST_NAME = "backoffice.example.com"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def _socket_url(user: str, dbname: str) -> str:
    return f"postgres://{user}@{quote(connections['default'].settings_dict['HOST'], safe='')}/{dbname}"


def production_env(**overrides) -> dict:
    """The README's production environment, pointed at this run's test databases over the socket."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith(("DATABASE_URL", "_API_URL", "_ADMIN_KEY")) and k not in {"DEBUG", "DEPLOYMENT", "SECRET_KEY"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="backoffice.settings",
        PYTHONPATH=str(BASE_DIR),
        DATABASE_URL=_socket_url("postgres", connections["default"].settings_dict["NAME"]),
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST_NAME,
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        TRUSTED_PROXY_COUNT="1",
    )
    for source in SOURCES:
        env[f"{source.env_prefix}_DATABASE_URL"] = _socket_url(
            embedded.READER_ROLE, connections[source.alias].settings_dict["NAME"]
        )
        env[f"{source.env_prefix}_API_URL"] = f"https://{source.alias}.internal.example"
        env[f"{source.env_prefix}_ADMIN_KEY"] = secrets.token_hex(16)
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run(args: list[str], env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- deployment checks ------------------------------------------------------------------------------


def test_check_deploy_is_clean_under_the_production_environment():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_about_a_database_url_without_tls():
    env = production_env(DATABASE_URL="postgres://backoffice:pw@db.example.com:5432/backoffice")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "(backoffice.W001) DATABASE_URL: The URL asks for no TLS to db.example.com" in result.stderr
    env["DATABASE_URL"] += "?sslmode=verify-full&sslrootcert=/etc/backoffice/db-ca.pem"
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set in production"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set in production"),
    ],
)
def test_production_refuses_to_start_without(missing, message):
    result = run(["manage.py", "check"], production_env(**{missing: None}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_gunicorn_refuses_to_start_without_secret_key():
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=production_env(SECRET_KEY=None),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_local_runs_use_a_private_key_not_a_public_constant():
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith(("DATABASE_URL", "_API_URL")) and k not in {"SECRET_KEY", "DEPLOYMENT", "DEBUG"}
    }
    env.update(DJANGO_SETTINGS_MODULE="backoffice.settings", PYTHONPATH=str(BASE_DIR))
    script = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    result = run(["-c", script], env)
    assert result.returncode == 0, result.stderr
    key_file = BASE_DIR / ".local" / "secret_key"
    assert result.stdout.strip() == key_file.read_text().strip()
    assert len(result.stdout.strip()) >= 50 and (key_file.stat().st_mode & 0o077) == 0


# -- gunicorn + whitenoise -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gunicorn_server(django_db_setup, tmp_path_factory):
    static_root = tmp_path_factory.mktemp("static")
    env = production_env(STATIC_ROOT=str(static_root))
    collected = run(["manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
    assert collected.returncode == 0, collected.stderr
    port = free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with open(log, "w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            env=env,
            cwd=BASE_DIR,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/admin/login/", headers={"Host": HOST_NAME}, timeout=2, allow_redirects=False)
                break
            except (requests.ConnectionError, requests.ReadTimeout):  # not listening yet, or still booting
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start:\n" + log.read_text())
                time.sleep(0.3)
        yield base, static_root
    finally:
        process.terminate()
        process.wait(timeout=30)


def https_get(url: str, **kwargs) -> requests.Response:
    """A request as the TLS proxy in front of gunicorn forwards it."""
    headers = {"Host": HOST_NAME, "X-Forwarded-Proto": "https", "Accept-Encoding": "gzip", **kwargs.pop("headers", {})}
    return requests.get(url, headers=headers, timeout=10, allow_redirects=False, **kwargs)


def test_gunicorn_serves_the_login_page_under_a_strict_csp(gunicorn_server):
    base, _ = gunicorn_server
    response = https_get(base + "/admin/login/")
    assert response.status_code == 200
    assert "Log in" in response.text
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'none'"
    assert directives["script-src"].startswith("'self'") and "unsafe" not in policy
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert not INLINE_SCRIPT.search(response.text) and not INLINE_STYLE.search(response.text)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Secure" in response.headers["Set-Cookie"] and "csrftoken" in response.headers["Set-Cookie"]


def test_plain_http_is_redirected_to_https(gunicorn_server):
    base, _ = gunicorn_server
    response = requests.get(base + "/admin/login/", headers={"Host": HOST_NAME}, timeout=10, allow_redirects=False)
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://{HOST_NAME}/admin/login/"


def test_an_unknown_host_is_refused(gunicorn_server):
    base, _ = gunicorn_server
    assert https_get(base + "/admin/login/", headers={"Host": "evil.example"}).status_code == 400


def test_whitenoise_serves_hashed_compressed_static_files_for_ever(gunicorn_server):
    base, static_root = gunicorn_server
    page = https_get(base + "/admin/login/").text
    hashed = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page)
    assert hashed, "the login page links the hashed base.css"
    response = https_get(base + hashed.group(1))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response.headers.get("Content-Encoding") == "gzip"
    assert "body" in response.text
    # The back office's own files are collected and hashed too.
    ours = sorted(p.name for p in (static_root / "backoffice").glob("json-viewer.*.js"))
    assert ours, "json-viewer.js was collected with a hashed name"
    response = https_get(f"{base}/static/backoffice/{ours[0]}")
    assert response.status_code == 200 and "immutable" in response.headers["Cache-Control"]


def test_workers_keep_their_connection_to_the_back_office_database(gunicorn_server, db):
    """Every request reads its session there: a worker reuses its connection rather than starting
    a PostgreSQL server process per request."""
    base, _ = gunicorn_server

    def workers_connections() -> set[int]:
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
            return {pid for (pid,) in cursor.fetchall()}

    session = {"sessionid": "x" * 32}  # an unknown session: looked up in the database
    for _ in range(6):
        assert https_get(base + "/admin/", cookies=session).status_code == 302
    first = workers_connections()
    for _ in range(10):
        https_get(base + "/admin/", cookies=session)
    after = workers_connections()
    assert first and first <= after and len(after) <= 2, (first, after)  # 2 workers, 2 connections


# -- no inline script or style on the pages -----------------------------------------------------------


def test_pages_have_no_inline_script_or_style(client_for):
    run = WrappedRunFactory(stage="analysis")
    client = client_for("admin")
    pages = [
        reverse("admin:index"),
        reverse("admin:wrapped_wrappedrun_changelist"),
        reverse("admin:wrapped_wrappedrun_change", args=[run.pk]),
        reverse("admin:wrapped_appjob_changelist"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:source_health"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "Content-Security-Policy" in response.headers, url
        assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html).group(0))
        assert not INLINE_STYLE.search(html), (url, INLINE_STYLE.search(html).group(0))
        assert not EVENT_HANDLER.search(html), (url, EVENT_HANDLER.search(html).group(0))
    runs = client.get(reverse("admin:wrapped_wrappedrun_changelist")).content.decode()
    assert '"includeIndicatorStyles": false' in runs and '"allowEval": false' in runs
    # The queue chart's bars: widths as SVG attributes, not style attributes.
    queue = client.get(reverse("admin:wrapped_appjob_changelist")).content.decode()
    assert re.search(r'<svg class="bar-part bar-\w+" width="[\d.]+%"', queue)


def test_htmx_script_carries_the_csp_nonce(client_for):
    response = client_for("viewer").get(reverse("admin:wrapped_wrappedrun_changelist"))
    nonce = re.search(r'<script src="[^"]*htmx[^"]*" defer nonce="([^"]+)"', response.content.decode())
    assert nonce and f"'nonce-{nonce.group(1)}'" in response.headers["Content-Security-Policy"]


# -- login throttling --------------------------------------------------------------------------------


def login(client: Client, username: str, password: str):
    # As the admin's login form posts it (with its hidden `next`).
    return client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"})


@override_settings(AXES_COOLOFF_TIME=timedelta(seconds=2))
def test_wrong_passwords_lock_the_account_until_the_cool_off(db):
    create_staff_user("ops", "operator", "a-long-right-password")
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = login(client, "ops", f"wrong-{attempt}")
        assert response.status_code == 200 and "Please enter the correct username and password" in response.text
    response = login(client, "ops", "wrong-last")
    assert response.status_code == 429 and "Too many failed logins for ops" in response.text

    response = login(client, "ops", "a-long-right-password")  # the right password, too late
    assert response.status_code == 429 and "Too many failed logins" in response.text
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302  # still asked to log in

    time.sleep(2.2)
    response = login(client, "ops", "a-long-right-password")
    assert response.status_code == 302 and response.headers["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_one_address_trying_many_accounts_is_locked_out(db):
    create_staff_user("ops", "operator", "a-long-right-password")
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, f"guess-{attempt}", "Summer2026!!")
    assert login(client, "ops", "a-long-right-password").status_code == 429
    # The account itself is not locked: from another address its owner logs in.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert login(other, "ops", "a-long-right-password").status_code == 302


def test_the_admin_role_can_unlock_an_account(client_for):
    create_staff_user("ops", "operator", "a-long-right-password")
    stranger = Client(REMOTE_ADDR="203.0.113.7")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(stranger, "ops", f"wrong-{attempt}")
    admin_client = client_for("admin")
    listing = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and "ops" in listing.text
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username="ops")
    response = admin_client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert login(Client(REMOTE_ADDR="198.51.100.4"), "ops", "a-long-right-password").status_code == 302


# -- passwords -----------------------------------------------------------------------------------------


def test_password_validators_refuse_12345678(client_for):
    client = client_for("admin")
    response = client.post(
        reverse("admin:auth_user_add"),
        {"username": "newbie", "password1": "12345678", "password2": "12345678", "usable_password": "true"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "This password is too common." in text
    assert "This password is entirely numeric." in text
    assert "at least 12 characters" in text
    assert not get_user_model().objects.filter(username="newbie").exists()
    with pytest.raises(CommandError, match="This password is too common"):
        call_command("create_staff", "newbie", role="viewer", password="12345678")


# -- only a superuser grants superuser -------------------------------------------------------------


def _change_form_data(user, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on",
        "is_staff": "on",
        "groups": [g.pk for g in user.groups.all()],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(changes)
    return data


def test_an_admin_cannot_make_themselves_superuser(client_for):
    client = client_for("admin")
    me = get_user_model().objects.get(username="admin-user")
    url = reverse("admin:auth_user_change", args=[me.pk])
    form = client.get(url).content.decode()
    assert 'name="is_superuser"' not in form and 'name="user_permissions"' not in form

    every_permission = list(Permission.objects.values_list("pk", flat=True))
    response = client.post(url, _change_form_data(me, is_superuser="on", user_permissions=every_permission))
    assert response.status_code == 302  # saved: the rest of the form is fine
    me.refresh_from_db()
    assert not me.is_superuser
    assert not me.user_permissions.exists()
    assert not me.has_perm("audit.delete_actionrecord")


def test_an_admin_cannot_grant_a_role_beyond_their_own(client_for):
    client = client_for("admin")
    stronger = Group.objects.create(name="auditor-plus")
    stronger.permissions.add(Permission.objects.get(codename="delete_actionrecord"))
    colleague = create_staff_user("colleague", "viewer", "a-long-right-password")
    url = reverse("admin:auth_user_change", args=[colleague.pk])
    assert "auditor-plus" not in client.get(url).content.decode()
    response = client.post(url, _change_form_data(colleague, groups=[stronger.pk]))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert list(colleague.groups.values_list("name", flat=True)) == ["viewer"]
    # Their own roles they may give.
    operator = Group.objects.get(name="operator")
    assert client.post(url, _change_form_data(colleague, groups=[operator.pk])).status_code == 302
    assert list(colleague.groups.values_list("name", flat=True)) == ["operator"]
    # Roles are defined in code: an admin cannot edit them (nor add permissions to their own).
    admin_group = Group.objects.get(name="admin")
    assert client.post(reverse("admin:auth_group_change", args=[admin_group.pk]), {"name": "admin"}).status_code == 403


def test_an_admin_cannot_take_over_a_superuser(client_for):
    client = client_for("admin")
    root = get_user_model().objects.create_superuser("root", "root@example.invalid", "a-long-root-password")
    change = reverse("admin:auth_user_change", args=[root.pk])
    assert client.post(change, _change_form_data(root, is_staff="")).status_code == 403
    password = reverse("admin:auth_user_password_change", args=[root.pk])
    new = {"password1": "a-new-long-password", "password2": "a-new-long-password", "usable_password": "true"}
    assert client.post(password, new).status_code == 403
    assert client.post(reverse("admin:auth_user_delete", args=[root.pk]), {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"}
    assert client.post(reverse("admin:auth_user_changelist"), bulk).status_code == 403
    root.refresh_from_db()
    assert root.is_superuser and root.is_staff and root.check_password("a-long-root-password")


def test_a_superuser_can_grant_superuser(db):
    root = get_user_model().objects.create_superuser("root", "root@example.invalid", "a-long-root-password")
    colleague = create_staff_user("colleague", "admin", "a-long-right-password")
    client = Client()
    client.force_login(root)
    url = reverse("admin:auth_user_change", args=[colleague.pk])
    assert client.post(url, _change_form_data(colleague, is_superuser="on")).status_code == 302
    colleague.refresh_from_db()
    assert colleague.is_superuser


# -- session idle timeout ---------------------------------------------------------------------------


@override_settings(SESSION_IDLE_TIMEOUT=2)
def test_an_idle_session_ends_and_live_polls_do_not_keep_it_alive(client_for):
    index, live = reverse("admin:index"), reverse("admin:wrapped_wrappedrun_live")
    working = client_for("viewer")
    for _ in range(3):  # a page every 1.2 s keeps the session
        assert working.get(index).status_code == 200
        time.sleep(1.2)

    watching = client_for("support")
    assert watching.get(index).status_code == 200
    time.sleep(1.2)
    assert watching.get(live, headers={"HX-Request": "true"}).status_code == 200
    time.sleep(1.2)  # 2.4 s since the last page, polls in between
    poll = watching.get(live, headers={"HX-Request": "true"})
    assert poll.status_code == 204 and poll.headers["HX-Redirect"] == reverse("admin:login")
    response = watching.get(index)
    assert response.status_code == 302 and response.headers["Location"].startswith(reverse("admin:login"))


def test_sessions_last_at_most_the_working_day():
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_MAX_AGE == 8 * 3600
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60


# -- the source reader role ------------------------------------------------------------------------


def reader_connection(alias: str):
    """A new connection exactly as the source alias opens them (role, socket, -c flags), autocommit."""
    wrapper = connections[alias]
    conn = wrapper.get_new_connection(wrapper.get_connection_params())
    conn.autocommit = True
    return conn


def test_the_reader_role_cannot_connect_to_the_own_database():
    host = connections["default"].settings_dict["HOST"]
    for dbname in (embedded.OWN_DATABASE, connections["default"].settings_dict["NAME"]):
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            psycopg.connect(host=host, user=embedded.READER_ROLE, dbname=dbname)


def test_the_reader_role_cannot_write_even_with_the_read_only_flag_off():
    with reader_connection("wrapped") as conn:
        assert conn.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("ALTER ROLE CURRENT_USER SET work_mem = '64MB'")
        conn.execute("SET default_transaction_read_only = off")  # what an injected statement could do
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="lo_from_bytea"):
            conn.execute("SELECT lo_from_bytea(0, 'exfiltrated')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="lo_create"):
            conn.execute("SELECT lo_create(0)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM app_users")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TEMP TABLE t (x int)")
        assert not conn.execute(
            "SELECT has_function_privilege(current_user, 'lo_from_bytea(oid,bytea)', 'EXECUTE')"
        ).fetchone()[0]
    with seeding.connect("wrapped") as admin:
        assert admin.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone()[0] == 0


def test_check_sources_says_the_reader_role_is_tight():
    report = health.check_source("wrapped")
    messages = [f.message for f in report.findings if f.kind == "role"]
    assert messages == [
        f"Role {embedded.READER_ROLE} cannot write any table, sequence or large object, nor create schemas, "
        "nor reach the back office's own database."
    ]


@pytest.fixture
def lax_role(django_db_blocker):
    """A source role as a careless DBA might make it: write grants, large objects, stored settings."""
    name = f"lax_reader{settings.TEST_DB_SUFFIX}"
    own = connections["default"].settings_dict["NAME"]
    with django_db_blocker.unblock():
        with seeding.connect("wrapped", "postgres") as server:
            server.execute(f"DROP ROLE IF EXISTS {name}")
            server.execute(f"CREATE ROLE {name} LOGIN CREATEDB")
            server.execute(f"ALTER ROLE {name} SET work_mem = '64MB'")
            server.execute(f'GRANT CONNECT ON DATABASE "{own}" TO {name}')
        with seeding.connect("wrapped") as db:
            db.execute("CREATE TABLE service_secrets (id int)")
            db.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {name}")
            db.execute(f"GRANT INSERT ON service_secrets TO {name}")
            db.execute(f"GRANT EXECUTE ON FUNCTION lo_from_bytea(oid, bytea), lo_create(oid) TO {name}")
        wrapper = connections["wrapped"]
        wrapper.close()
        wrapper.settings_dict["USER"] = name
    try:
        yield name
    finally:
        with django_db_blocker.unblock():
            wrapper.close()
            wrapper.settings_dict["USER"] = embedded.READER_ROLE
            with seeding.connect("wrapped") as db:
                db.execute("DROP TABLE service_secrets")
                db.execute(f"DROP OWNED BY {name}")
            with seeding.connect("wrapped", "postgres") as server:
                server.execute(f'REVOKE ALL ON DATABASE "{own}" FROM {name}')
                server.execute(f"DROP ROLE {name}")


def test_check_sources_reports_a_role_that_can_still_write(lax_role):
    out = StringIO()
    with pytest.raises(CommandError, match="Unusable source"):
        call_command("check_sources", "--source", "wrapped", stdout=out)
    text = out.getvalue()
    own = connections["default"].settings_dict["NAME"]
    assert f"✗ Role {lax_role} may write tables outside the mirrored ones: public.service_secrets." in text
    assert f"! Role {lax_role} may create and write large objects (lo_create, lo_from_bytea)" in text
    assert "REVOKE EXECUTE ON FUNCTION lo_create(oid), lo_from_bytea(oid, bytea) FROM PUBLIC;" in text
    assert f"! Role {lax_role} has stored settings work_mem=64MB" in text
    assert f"! Role {lax_role} has CREATEDB." in text
    assert f"! Role {lax_role} may connect to the back office's own database {own} on this server" in text


def test_logins_without_a_request_are_not_throttled_nor_broken(db):
    # The test client's login() (and a shell's authenticate()) carry no request: still works.
    create_staff_user("ops", "operator", "a-long-right-password")
    assert Client().login(username="ops", password="a-long-right-password")
    assert not Client().login(username="ops", password="wrong")


def test_static_urls_are_memoised_per_storage_and_follow_a_new_static_url(settings):
    """The storage keeps each file's URL; a changed STATIC_URL makes a new storage, so pages never
    keep an old address."""
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.templatetags.static import static

    assert static("admin/css/base.css") == "/static/admin/css/base.css"
    assert staticfiles_storage._memoized_urls["admin/css/base.css"] == "/static/admin/css/base.css"
    settings.STATIC_URL = "/assets/"
    assert static("admin/css/base.css") == "/assets/admin/css/base.css"
