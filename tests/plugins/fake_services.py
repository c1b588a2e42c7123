"""Fixtures that run the fake owning services on loopback, over real HTTP.

def test_x(fake_wrapped_api):      # settings.SOURCE_APIS["wrapped"]["base_url"] points at it
    ...
    assert fake_wrapped_api.requests[0].path == "/admin/wrapped/runs/r1/retry"
"""

from __future__ import annotations

import copy

import pytest


def _start(alias: str, settings):
    from backoffice.demo.fake_services import make_fake

    apis = copy.deepcopy(settings.SOURCE_APIS)
    config = apis.setdefault(alias, {"base_url": None, "admin_key": ""})
    if not config.get("admin_key"):
        config["admin_key"] = f"test-{alias}-admin-key-5b1f"
    service = make_fake(alias, "127.0.0.1", 0, admin_key=config["admin_key"], slow_seconds=2.0).start()
    config["base_url"] = service.base_url
    settings.SOURCE_APIS = apis
    service.reset()
    return service


def delete_dirty_sources() -> None:
    from backoffice import seeding

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


# -- rows for action tests (through the privileged seeding path) ----------------------------------
def naive_utc_now(**delta):
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(**delta)).replace(tzinfo=None)


def make_job(task: str = "wrapped_analysis", status: str = "failed", **values) -> dict:
    import uuid

    from backoffice import seeding
    from monitoring.wrapped.models import AppJob

    values = {"id": str(uuid.uuid4()), "task_name": task, "status": status, "payload": {}, "attempts": 5, **values}
    return seeding.insert_model(AppJob, values)


def make_run(run_id: str, status: str = "failed", failed_stage: str = "wrapped_analysis", **values) -> dict:
    """A run whose stages before `failed_stage` succeeded and `failed_stage` failed, with real jobs."""
    import uuid

    from backoffice import seeding
    from monitoring.wrapped.models import AppUser, WrappedRun

    user_id = values.pop("app_user_id", None) or str(uuid.uuid4())
    seeding.insert_model(AppUser, {"app_user_id": user_id, "platform_username": f"user-{run_id}"})
    data_jobs, wh_job = {}, None
    tasks = (("watch_history", "watch_history_fetch_2025"), ("wrapped_analysis", "wrapped_analysis"))
    tasks += (("email_send", "email_send"),)
    order = [stage for stage, _ in tasks]
    for stage, task in tasks:
        if failed_stage and order.index(stage) > order.index(failed_stage):
            break
        job_status = "failed" if stage == failed_stage else "succeeded"
        job = make_job(task, job_status, idempotency_key=f"{task}:{run_id}:1", payload={"wrapped_run_id": run_id})
        data_jobs[stage] = {"id": job["id"], "status": job_status}
        if stage == "watch_history":
            wh_job = job["id"]
    payload = values.pop("payload", None) or {"email": f"{run_id}@example.com", "data_jobs": data_jobs}
    row = {
        "id": run_id,
        "app_user_id": user_id,
        "sec_user_id": f"sec-{run_id}",
        "status": status,
        "email": f"{run_id}@example.com",
        "payload": payload,
        "watch_history_job_id": wh_job,
        "updated_at": naive_utc_now(minutes=-5),
        **values,
    }
    return seeding.insert_model(WrappedRun, row)
