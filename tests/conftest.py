"""Test databases: the own DB is migrated; each source DB is built from fixtures/schema."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connections

from tests import seeding

pytest_plugins = ["tests.plugins.fake_services"]


def pytest_collection_modifyitems(items):
    # Every test may read every source alias (inside a rolled-back transaction).
    for item in items:
        if item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db(databases="__all__"))


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        for alias in settings.CONFIGURED_SOURCES:
            test_name = connections[alias].settings_dict["TEST"]["NAME"]
            seeding.build_database(alias, test_name, drop=True)
            connections[alias].close()
            connections[alias].settings_dict["NAME"] = test_name
        old_config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    seeding.close_all()
    with django_db_blocker.unblock():
        teardown_databases(old_config, verbosity=0)


@pytest.fixture(autouse=True)
def _clean_sources(django_db_blocker):
    from django.core.cache import cache

    cache.clear()  # cached counts and health reports describe the previous test's rows
    yield
    with django_db_blocker.unblock():
        for alias in sorted(seeding.dirty_aliases):
            seeding.truncate_all(alias)


@pytest.fixture
def client_for(db):
    """client_for("operator") -> a test Client logged in as a fresh staff user with that role."""
    from django.test import Client

    from backoffice.management.commands.create_staff import create_staff_user

    def make(role: str) -> Client:
        user = create_staff_user(f"{role}-user", role, "correct-horse-battery")
        client = Client()
        client.force_login(user)
        return client

    return make
