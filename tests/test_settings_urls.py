"""Database URLs are kept whole: libpq options survive, the read-only flags are merged, TLS is judged.

Issue 16 finding 2: settings replaced a source's OPTIONS wholesale, so sslmode, sslrootcert,
options and connect_timeout from the URL vanished and a percent-encoded socket host was not
decoded. The pure functions are tested directly; the settings wiring and check_sources through a
subprocess with the variables an operator would set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from backoffice import dburl
from backoffice.sources import BASE_DIR

READ_ONLY_FLAGS = {"default_transaction_read_only": "on", "statement_timeout": 5000}


# -- parsing ----------------------------------------------------------------------------------------


def test_percent_encoded_socket_host_is_decoded():
    config = dburl.database_config("X", "postgres://u@%2Fvar%2Frun%2Fpostgresql/db")
    assert config["HOST"] == "/var/run/postgresql"
    assert (config["USER"], config["NAME"], config["PORT"]) == ("u", "db", "")


def test_every_libpq_option_of_the_url_is_kept():
    url = (
        "postgresql://reader:s%40cret%2Fx@db.internal:6432/wrapped"
        "?sslmode=verify-full&sslrootcert=/etc/pg/ca.pem&sslcert=/etc/pg/client.crt&sslkey=/etc/pg/client.key"
        "&connect_timeout=3&options=-c%20search_path%3Dapp&target_session_attrs=read-only&application_name=bo-eu"
    )
    config = dburl.database_config("WRAPPED_DATABASE_URL", url)
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "reader",
        "s@cret/x",
        "db.internal",
        "6432",
    )
    assert config["OPTIONS"] == {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/pg/ca.pem",
        "sslcert": "/etc/pg/client.crt",
        "sslkey": "/etc/pg/client.key",
        "connect_timeout": "3",
        "options": "-c search_path=app",
        "target_session_attrs": "read-only",
        "application_name": "bo-eu",
    }


def test_host_and_dbname_parameters_override_the_url_parts():
    config = dburl.database_config("X", "postgresql:///ignored?host=/tmp/pg%20sock&dbname=wrapped&port=5433")
    assert (config["HOST"], config["NAME"], config["PORT"]) == ("/tmp/pg sock", "wrapped", "5433")


def test_several_hosts_and_ipv6():
    config = dburl.database_config("X", "postgres://u@[::1]:5432,replica.internal:5433/db")
    assert (config["HOST"], config["PORT"]) == ("::1,replica.internal", "5432,5433")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgres://u@h/db?ssl=true", "unknown connection parameter 'ssl'"),
        ("postgres://u@h/db?replication=database", "unknown connection parameter 'replication'"),
        ("postgres://u@h/db?sslmode=verify", "sslmode='verify'"),
        ("postgres://u@h:54x2/db", "port that is not a number"),
        ("postgres://u@h/", "names no database"),
        ("postgres://u@h/db?connect_timeout=soon", "connect_timeout"),
    ],
)
def test_bad_urls_are_refused_naming_the_variable(url, says):
    with pytest.raises(ImproperlyConfigured) as error:
        dburl.database_config("FLEET_DATABASE_URL", url)
    assert "FLEET_DATABASE_URL" in str(error.value) and says in str(error.value)


# -- merging the read-only flags ---------------------------------------------------------------------


def test_session_flags_are_merged_into_the_urls_options():
    merged = dburl.with_session_flags({"sslmode": "verify-full", "options": "-c search_path=app"}, READ_ONLY_FLAGS)
    assert merged["sslmode"] == "verify-full"
    assert merged["options"] == "-c search_path=app -c default_transaction_read_only=on -c statement_timeout=5000"
    assert merged["connect_timeout"] == 5


def test_the_url_cannot_turn_the_read_only_session_off():
    for written in (
        "-c default_transaction_read_only=off",
        "-cdefault_transaction_read_only=off",
        "--default-transaction-read-only=off",
        "-c statement_timeout=0 -c work_mem=64MB",
    ):
        merged = dburl.with_session_flags({"options": written, "connect_timeout": "2"}, READ_ONLY_FLAGS)
        assert "=off" not in merged["options"] and "statement_timeout=0" not in merged["options"]
        assert merged["options"].endswith("-c default_transaction_read_only=on -c statement_timeout=5000")
        assert merged["connect_timeout"] == "2"
    merged = dburl.with_session_flags({"options": "-c statement_timeout=0 -c work_mem=64MB"}, READ_ONLY_FLAGS)
    assert merged["options"].startswith("-c work_mem=64MB ")


def test_escaped_spaces_in_options_survive():
    merged = dburl.with_session_flags({"options": r"-c search_path=my\ schema"}, READ_ONLY_FLAGS)
    assert merged["options"].startswith(r"-c search_path=my\ schema -c ")


def test_the_original_options_dict_is_not_changed():
    # The seeding (admin) connection shares the URL's options: it must not get the read-only flags.
    options = {"sslmode": "require"}
    dburl.with_session_flags(options, READ_ONLY_FLAGS)
    assert options == {"sslmode": "require"}


# -- TLS -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgres://u@db.example.com/db", "sslmode is not set"),
        ("postgres://u@db.example.com/db?sslmode=prefer", "sslmode=prefer"),
        ("postgres://u@db.example.com/db?sslmode=allow", "sslmode=allow"),
        ("postgres://u@10.0.0.5/db?sslmode=disable", "10.0.0.5"),
        ("postgres://u@localhost,db.example.com/db", "db.example.com"),
        ("postgres://u@localhost/db?hostaddr=10.1.2.3", "10.1.2.3"),
        ("postgres://u@db.example.com/db?sslmode=require", None),
        ("postgres://u@db.example.com/db?sslmode=verify-full&sslrootcert=/ca.pem", None),
        ("postgres://u@%2Fvar%2Frun%2Fpostgresql/db", None),
        ("postgres://u@localhost/db", None),
        ("postgres://u@127.0.0.1/db?sslmode=disable", None),
        ("postgres://u@[::1]/db", None),
        ("postgres:///db", None),
    ],
)
def test_tls_problem(url, problem):
    found = dburl.tls_problem(dburl.database_config("X", url), environ={})
    if problem is None:
        assert found is None
    else:
        assert problem in found and "verify-full" in found


def test_pgsslmode_from_the_environment_counts():
    config = dburl.database_config("X", "postgres://u@db.example.com/db")
    assert dburl.tls_problem(config, environ={"PGSSLMODE": "verify-full"}) is None
    assert "PGSSLMODE=prefer" in dburl.tls_problem(config, environ={"PGSSLMODE": "prefer"})


# -- through settings and check_sources -------------------------------------------------------------


def _socket_url(dbname: str, user: str, query: str = "") -> str:
    host = quote(connections["default"].settings_dict["HOST"], safe="")
    return f"postgres://{user}@{host}/{dbname}" + (f"?{query}" if query else "")


def _run(args: list[str], **env_vars) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("DATABASE_URL", "_API_URL"))}
    env.update(env_vars, DJANGO_SETTINGS_MODULE="backoffice.settings", PYTHONPATH=str(BASE_DIR), DEPLOYMENT="local")
    return subprocess.run([sys.executable, *args], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=90)


def test_settings_keep_the_source_urls_options_and_add_the_read_only_flags():
    own = _socket_url(connections["default"].settings_dict["NAME"], "postgres")
    source = _socket_url(
        "wrapped", "backoffice_reader", "sslmode=disable&connect_timeout=4&options=-c%20work_mem%3D8MB"
    )
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.DATABASES['wrapped']['HOST'], settings.DATABASES['wrapped']['OPTIONS']]))"
    )
    result = _run(["-c", script], DATABASE_URL=own, WRAPPED_DATABASE_URL=source)
    assert result.returncode == 0, result.stderr
    host, options = json.loads(result.stdout)
    assert host == connections["default"].settings_dict["HOST"]  # decoded socket folder
    assert options["sslmode"] == "disable" and options["connect_timeout"] == "4"
    assert options["options"].startswith("-c work_mem=8MB -c default_transaction_read_only=on -c statement_timeout=")


def test_check_sources_reports_a_url_without_tls_to_a_remote_host():
    own = _socket_url(connections["default"].settings_dict["NAME"], "postgres")
    # TEST-NET-1: never answers; the TLS finding comes before any connection.
    remote = "postgres://backoffice_reader@192.0.2.10:5432/wrapped?connect_timeout=1"
    result = _run(["manage.py", "check_sources"], DATABASE_URL=own, WRAPPED_DATABASE_URL=remote)
    assert result.returncode == 1
    assert "asks for no TLS to 192.0.2.10 (sslmode is not set (libpq defaults to prefer))" in result.stdout
    assert "sslmode=verify-full" in result.stdout

    verified = remote + "&sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"
    result = _run(["manage.py", "check_sources"], DATABASE_URL=own, WRAPPED_DATABASE_URL=verified)
    assert "asks for no TLS" not in result.stdout
