"""Fixtures that run the fake owning services on loopback, over real HTTP.

def test_x(fake_wrapped_api):      # settings.SOURCE_APIS["wrapped"]["base_url"] points at it
    ...
    assert fake_wrapped_api.requests[0].path == "/admin/wrapped/runs/r1/retry"
"""

from __future__ import annotations

import copy

import pytest


def _start(alias: str, settings):
    from backoffice.demo.fake_server import make_fake

    apis = copy.deepcopy(settings.SOURCE_APIS)
    config = apis.setdefault(alias, {"base_url": None, "admin_key": ""})
    if not config.get("admin_key"):
        config["admin_key"] = f"test-{alias}-admin-key-5b1f"
    from tests import seeding

    service = make_fake(alias, "127.0.0.1", 0, admin_key=config["admin_key"], slow_seconds=2.0)
    service.on_write = seeding.dirty_aliases.add
    service.start()
    config["base_url"] = service.base_url
    settings.SOURCE_APIS = apis
    service.reset()
    return service


def delete_dirty_sources() -> None:
    from tests import seeding

    for alias in sorted(seeding.dirty_aliases):
        seeding.truncate_all(alias)


@pytest.fixture
def fake_wrapped_api(settings, db, django_db_blocker):
    service = _start("wrapped", settings)
    yield service
    service.stop()
    with django_db_blocker.unblock():
        delete_dirty_sources()


@pytest.fixture
def fake_posters_api(settings, db, django_db_blocker):
    service = _start("posters", settings)
    yield service
    service.stop()
    with django_db_blocker.unblock():
        delete_dirty_sources()


@pytest.fixture
def short_timeouts(settings):
    """Read timeout ~0.5 s (the fakes' "slow" mode sleeps 2 s), connect timeout 0.5 s."""
    settings.SOURCE_API_READ_TIMEOUT = 0.5
    settings.SOURCE_API_CONNECT_TIMEOUT = 0.5
    return settings


# -- rows for action tests (thin wrappers over the factories) ---------------------------------------
def make_job(task: str = "wrapped_analysis", status: str = "failed", **values) -> dict:
    from tests.factories.wrapped import AppJobFactory

    job = AppJobFactory(task_name=task, status=status, attempts=5, **values)
    return {"id": job.id, "status": job.status}


def make_run(run_id: str, status: str = "failed", failed_stage: str | None = "wrapped_analysis", **values):
    """A run whose stages before `failed_stage` succeeded and `failed_stage` failed, with real jobs."""
    from datetime import UTC, datetime, timedelta

    from tests.factories.wrapped import WrappedRunFactory

    if "watch_history_job_id" in values:
        values["watch_history_job"] = values.pop("watch_history_job_id")
    return WrappedRunFactory(
        id=run_id,
        status=status,
        failed_stage=failed_stage,
        stage=None if failed_stage else "ready",
        email=f"{run_id}@example.com",
        sec_user_id=f"sec-{run_id}",
        updated_at=(datetime.now(UTC) - timedelta(minutes=5)).replace(tzinfo=None),
        **values,
    )
