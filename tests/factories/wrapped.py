"""Factories for the Wrapped source: rows go in through the privileged seeding path.

    run = WrappedRunFactory()                               # ready, three succeeded stage jobs
    run = WrappedRunFactory(stage="analysis")               # watch history ok, analysis job failed
    run = WrappedRunFactory(stage="watch_history", blocking_status="running")
    run = WrappedRunFactory(failed_stage="email_send")      # same as stage="email" (failed)
    run = WrappedRunFactory(payload={"anything": 1})        # the payload exactly as given
    run = WrappedRunFactory(extra_payload={"note": "a\\x00b"})  # NUL: stored as json "\\u0000"
    run.jobs["wrapped_analysis"].status                     # the linked AppJob rows

Stages (the seed's derived stage): ready, watch_history, analysis, email, unknown.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import factory
from django.apps import apps
from psycopg.types.json import Json

from monitoring.wrapped import models
from tests.factories.base import SourceFactory


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # the service stores naive UTC


def _uuid() -> str:
    return str(uuid.uuid4())


def _secret() -> str:
    return "SECRET-" + uuid.uuid4().hex + uuid.uuid4().hex


class WrappedFactory(SourceFactory):
    """Base: secret columns (secret_columns on the AppConfig, not mapped by the models) are written alongside
    as SECRET-... values; pass e.g. token_hash="..." to choose one."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        columns = apps.get_app_config("wrapped").secret_columns.get(model_class._meta.db_table, ())
        raw = {column: kwargs.pop(column, None) or _secret() for column in columns}
        for name in ("payload",):
            # jsonb refuses \u0000, `json` keeps it: such a payload goes in as json text, as the
            # service's own writes do.
            if name in kwargs and "\\u0000" in json.dumps(kwargs[name]):
                raw[name] = Json(kwargs.pop(name))
        return cls._insert(model_class, kwargs, raw)


class AppUserFactory(WrappedFactory):
    class Meta:
        model = models.AppUser

    app_user_id = factory.LazyFunction(_uuid)
    archive_user_id = factory.Sequence(lambda n: f"68{n:017d}")
    latest_sec_user_id = factory.Sequence(lambda n: f"MS4wLjABAAAA{uuid.uuid4().hex}{n}")
    platform_username = factory.Sequence(lambda n: f"scroller_{n}")
    is_watch_history_available = "yes"
    time_zone = "Europe/Berlin"
    waitlist_opt_in = False
    waitlist_opt_in_at = None
    referred_by = None
    weekly_report_unsubscribed = False
    created_at = factory.LazyFunction(lambda: _now() - timedelta(days=3))
    updated_at = factory.LazyFunction(_now)


class AppUserEmailFactory(WrappedFactory):
    class Meta:
        model = models.AppUserEmail

    id = factory.LazyFunction(_uuid)
    app_user = factory.SubFactory(AppUserFactory)
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    created_at = factory.LazyFunction(_now)
    verified_at = None


class DeviceEmailFactory(WrappedFactory):
    class Meta:
        model = models.DeviceEmail

    device_id = factory.LazyFunction(lambda: _uuid().upper())
    email = factory.Sequence(lambda n: f"device{n}@example.com")
    referred_by = None
    waitlist_opt_in = True
    waitlist_opt_in_at = factory.LazyFunction(_now)
    created_at = factory.LazyFunction(_now)
    updated_at = factory.LazyFunction(_now)


class AppSessionFactory(WrappedFactory):
    class Meta:
        model = models.AppSession

    id = factory.LazyFunction(_uuid)
    app_user = factory.SubFactory(AppUserFactory)
    device_id = factory.LazyFunction(lambda: _uuid().upper())
    platform = "ios"
    app_version = "1.5.0"
    os_version = "18.1"
    issued_at = factory.LazyFunction(_now)
    expires_at = factory.LazyFunction(lambda: _now() + timedelta(days=30))
    revoked_at = None


class AuthJobFactory(WrappedFactory):
    class Meta:
        model = models.AuthJob

    archive_job_id = factory.LazyFunction(_uuid)
    app_user_id = None
    provider = "tiktok"
    status = models.AuthStatus.PENDING
    last_error = None
    device_id = factory.LazyFunction(lambda: _uuid().upper())
    client_ip = "203.0.113.7"
    email = factory.Sequence(lambda n: f"linker{n}@example.com")
    platform = "ios"
    app_version = "1.5.0"
    os_version = "18.1"
    finalized_at = None
    session_id = None
    redirect_clicked_at = None
    redirect_clicks = 0
    created_at = factory.LazyFunction(_now)
    updated_at = factory.LazyFunction(_now)

    class Params:
        needs_reauth = factory.Trait(status=models.AuthStatus.FAILED, last_error="token expired, needs reauth")


class AppJobFactory(WrappedFactory):
    class Meta:
        model = models.AppJob

    id = factory.LazyFunction(_uuid)
    task_name = models.TaskName.WATCH_HISTORY
    payload = factory.LazyFunction(dict)
    status = models.JobStatus.PENDING
    attempts = 0
    max_attempts = 5
    not_before = None
    idempotency_key = factory.LazyAttribute(lambda o: f"{o.task_name}:{o.id}")
    locked_by = None
    locked_at = None
    lease_seconds = 60
    created_at = factory.LazyFunction(lambda: _now() - timedelta(minutes=10))
    updated_at = factory.LazyFunction(_now)


# stage name (and accepted aliases) -> canonical stage
STAGES = {
    "ready": "ready",
    "watch_history": "watch_history",
    "fetching": "watch_history",
    "watch_history_fetch_2025": "watch_history",
    "analysis": "analysis",
    "wrapped_analysis": "analysis",
    "email": "email",
    "email_send": "email",
    "unknown": "unknown",
    "pending": "unknown",
}
STAGE_JOBS = (
    ("watch_history", models.TaskName.WATCH_HISTORY),
    ("wrapped_analysis", models.TaskName.ANALYSIS),
    ("email_send", models.TaskName.EMAIL),
)
_BLOCKED_AT = {"watch_history": 0, "analysis": 1, "email": 2}
ERRORS = {
    "watch_history": "token expired, needs reauth",
    "wrapped_analysis": "LLM JSON parse error: Expecting value: line 1 column 1 (char 0)",
    "email_send": "SMTP 550 5.1.1 mailbox unavailable",
}


def stage_job_statuses(stage: str, blocking_status: str = "failed") -> dict[str, str]:
    """{data_jobs key: job status} for the jobs a run in `stage` has (jobs after the blocker don't exist)."""
    stage = STAGES[stage]
    if stage in ("ready", "unknown"):
        return {key: "succeeded" for key, _ in STAGE_JOBS}
    blocked = _BLOCKED_AT[stage]
    return {
        key: ("succeeded" if i < blocked else blocking_status) for i, (key, _) in enumerate(STAGE_JOBS) if i <= blocked
    }


def run_payload(run_id: str, job_ids: dict[str, str], statuses: dict[str, str], email: str | None = None) -> dict:
    """A payload shaped like the worker's for these stage jobs (seed 000)."""
    wh_status = statuses.get("watch_history")
    progress_status = {"succeeded": "succeeded", "failed": "failed"}.get(wh_status, "running")
    payload: dict = {
        "data_jobs": {key: {"id": job_ids[key], "status": status} for key, status in statuses.items()},
        "_watch_history_progress": {
            "status": progress_status,
            "cursor_ms": 1735689600000,
            "next_cursor_ms": 1735603200000,
            "has_more": progress_status != "succeeded",
            "completed_data_jobs": 12,
            "videos_fetched_total": 1480,
            "scrape_truncated": False,
            "scrape_stop_reason": "reached_start_of_year" if progress_status == "succeeded" else None,
            "coverage": {
                "watched_at_min": "2025-01-02T08:00:00Z",
                "watched_at_max": "2025-11-30T23:10:00Z",
                "coverage_months": 11,
                "extrapolated": False,
                "extrapolation_factor": 1.0,
            },
        },
        "_analysis_warnings": [],
    }
    if wh_status == "failed":
        payload["_watch_history_progress"]["scrape_error"] = ERRORS["watch_history"]
    if statuses.get("wrapped_analysis") == "succeeded":
        payload.update(
            total_videos=1480,
            personality_type="The Midnight Scroller",
            personality_explanation="You came back to cat videos on 212 different days.",
            niche_journey=[{"month": "2025-01", "niche": "cat videos", "share": 0.4}],
            top_niches=["cat videos", "booktok", "cooking hacks"],
            top_niche_percentile=97.5,
            brain_rot_score=72.5,
            brain_rot_explanation="Brain rot 72.5/100",
            brainrot_intensity=0.725,
            brainrot_volume_hours=312.0,
            brainrot_confidence=0.8,
            cat_name="Mochi",
            analogy_line="Your feed is a cat video marathon with no finish line",
            scroll_time={"title": "Night Owl", "rate": "90 videos/hour", "between_time": "11pm - 2am"},
            accessory_set={
                "head": {"internal_name": "beanie", "reason": "cosy"},
                "body": {"internal_name": "hoodie", "reason": "comfort first"},
                "other": {"internal_name": "coffee_cup", "reason": "never without it"},
            },
            keyword_2026="lock in",
            thumb_roast="Your thumb scrolled 41 km this year",
            source_spans=[{"video_id": "7200000000000000001", "start_ms": 0, "end_ms": 1200, "niche": "cat videos"}],
        )
    if email:
        payload["email"] = email
    return payload


class WrappedRunFactory(WrappedFactory):
    """A run in a derived stage, with its linked stage jobs and a consistent payload.

    Extra keywords (not columns): stage (default "ready"), failed_stage (a stage whose job failed),
    blocking_status (status of the stage job that blocks: pending/running/failed, default failed),
    with_jobs (default True: create the AppJob rows), extra_payload (merged into the built payload).
    `payload=` replaces the built payload entirely. The jobs are on `run.jobs` by data_jobs key.
    """

    class Meta:
        model = models.WrappedRun

    id = factory.LazyFunction(_uuid)
    app_user = factory.SubFactory(AppUserFactory)
    sec_user_id = factory.LazyAttribute(lambda o: o.app_user.latest_sec_user_id)
    archive_user_id = factory.LazyAttribute(lambda o: o.app_user.archive_user_id)
    status = None  # derived from the stage unless given
    email = factory.Sequence(lambda n: f"wrapped{n}@example.com")
    payload = None  # built from the stage unless given
    watch_history_job = None
    created_at = factory.LazyFunction(lambda: _now() - timedelta(hours=1))
    updated_at = factory.LazyFunction(_now)

    _extra = ("stage", "failed_stage", "blocking_status", "with_jobs", "extra_payload")

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        for key in cls._extra:
            kwargs.pop(key, None)
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        stage = kwargs.pop("stage", None)
        failed_stage = kwargs.pop("failed_stage", None)
        blocking_status = kwargs.pop("blocking_status", None) or "failed"
        with_jobs = kwargs.pop("with_jobs", True)
        extra_payload = kwargs.pop("extra_payload", None)
        if failed_stage:
            stage, blocking_status = failed_stage, "failed"
        stage = STAGES[stage or "ready"]
        statuses = stage_job_statuses(stage, blocking_status)
        run_id = kwargs["id"]
        user = kwargs["app_user"]
        user_id = getattr(user, "app_user_id", user)
        job_ids = {key: _uuid() for key in statuses}
        if wh := kwargs.get("watch_history_job"):
            job_ids["watch_history"] = getattr(wh, "id", wh)

        if kwargs.get("status") is None:
            if stage == "ready":
                kwargs["status"] = models.RunStatus.READY
            elif "failed" in statuses.values():
                kwargs["status"] = models.RunStatus.FAILED
            else:
                kwargs["status"] = models.RunStatus.PENDING
        if kwargs.get("payload") is None:
            kwargs["payload"] = run_payload(run_id, job_ids, statuses, kwargs.get("email"))
            if extra_payload:
                kwargs["payload"].update(extra_payload)

        jobs = {}
        if with_jobs:
            tasks = dict(STAGE_JOBS)
            for key, status in statuses.items():
                if key == "watch_history" and kwargs.get("watch_history_job"):
                    continue
                failed = status == "failed"
                job_payload = {"wrapped_run_id": run_id, "app_user_id": user_id, "sec_user_id": kwargs["sec_user_id"]}
                if failed:
                    job_payload["last_error"] = ERRORS[key]
                jobs[key] = AppJobFactory(
                    id=job_ids[key],
                    task_name=tasks[key],
                    status=status,
                    attempts={"succeeded": 1, "failed": 5, "running": 1}.get(status, 0),
                    payload=job_payload,
                    idempotency_key=f"{tasks[key]}:{run_id}",
                    locked_by="worker-1:4242" if status == "running" else None,
                    locked_at=_now() if status == "running" else None,
                )
        if not kwargs.get("watch_history_job") and "watch_history" in job_ids:
            kwargs["watch_history_job"] = job_ids["watch_history"]
        instance = super()._create(model_class, *args, **kwargs)
        instance.jobs = jobs
        instance.stage = stage
        return instance


class ReferralFactory(WrappedFactory):
    class Meta:
        model = models.Referral

    code = factory.Sequence(lambda n: f"REF{n:05d}")
    referrer_app_user_id = factory.LazyFunction(_uuid)
    impressions = 3
    conversions = 1
    completions = 0
    created_at = factory.LazyFunction(_now)
    updated_at = factory.LazyFunction(_now)


class ReferralEventFactory(WrappedFactory):
    class Meta:
        model = models.ReferralEvent

    id = factory.LazyFunction(_uuid)
    referrer_app_user_id = factory.LazyFunction(_uuid)
    referred_app_user_id = None
    event_type = "impression"
    archive_job_id = None
    wrapped_run_id = None
    ip = "198.51.100.4"
    user_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)"
    created_at = factory.LazyFunction(_now)
