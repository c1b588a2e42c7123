"""Read functions for the Wrapped pipeline: derived stage, stage jobs, person search, live poll.

Everything inside `payload` is read by the database (`#>>`), never by loading the payload on a
list. The SQL comes from expressions.py, in the flavour of the column's real type (json or
jsonb); it answers NULL for a missing key or a key of the wrong shape, and reads payloads holding
a \\u0000 escape, so odd payloads never break a query.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from django.db import connections, router, transaction
from django.db.models import BooleanField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable

from backoffice import compiled
from backoffice.fields import SourceJSONField
from backoffice.pagination import uncounted
from backoffice.search import EMAIL, TEXT, classify
from monitoring.wrapped import expressions
from monitoring.wrapped.models import (
    AppJob,
    AppSession,
    AppUser,
    AppUserEmail,
    AuthJob,
    DeviceEmail,
    WrappedRun,
)

# -- derived stage (seed 000, "Dashboard stage recommendation") ---------------------------------
READY, WATCH_HISTORY, ANALYSIS, EMAIL_STAGE, UNKNOWN = "ready", "watch_history", "analysis", "email", "unknown"
STAGE_LABELS = {
    READY: "Ready",
    WATCH_HISTORY: "Fetching watch history",
    ANALYSIS: "Running analysis",
    EMAIL_STAGE: "Email pending/failed",
    UNKNOWN: "Pending (unknown)",
}
# A ready run's email job (data_jobs.email_send, seed 000's "email sent?" signal), told apart.
READY_EMAIL_SENT, READY_EMAIL_FAILED = "ready_email_sent", "ready_email_failed"
EMAIL_OUTCOME_LABELS = {"succeeded": "Ready · email sent", "failed": "Ready · email failed"}
STAGE_FILTER_CHOICES = {
    READY: "Ready",
    READY_EMAIL_SENT: EMAIL_OUTCOME_LABELS["succeeded"],
    READY_EMAIL_FAILED: EMAIL_OUTCOME_LABELS["failed"],
    **{code: label for code, label in STAGE_LABELS.items() if code != READY},
}
# stage code -> the key under payload.data_jobs and the task it runs
STAGE_JOB_KEYS = {WATCH_HISTORY: "watch_history", ANALYSIS: "wrapped_analysis", EMAIL_STAGE: "email_send"}

_RUNS = '"app_wrapped_runs"'
PROGRESS_KEYS = expressions.PROGRESS_KEYS


def stage_expression() -> RawSQL:
    """The derived stage, in the indexable form (served by the bo_runs_stage index when present)."""
    return RawSQL(expressions.stage_filter_sql(kind=expressions.json_kind()), [])


def has_warnings_expression() -> RawSQL:
    return RawSQL(expressions.has_warnings_filter_sql(kind=expressions.json_kind()), [], output_field=BooleanField())


def digest_expression() -> RawSQL:
    """{stage, warnings, completed_data_jobs, videos_fetched_total, has_more, cursor_ms} in one parse."""
    return RawSQL(expressions.digest_sql(kind=expressions.json_kind()), [], output_field=SourceJSONField())


LIST_COLUMNS = ("id", "status", "updated_at", "app_user_id", "sec_user_id", "email")


def runs_for_list(runs: QuerySet[WrappedRun]) -> QuerySet[WrappedRun]:
    """Runs with their digest (stage, warnings, watch-history progress), without loading payloads."""
    return with_digest(runs.only(*LIST_COLUMNS))


def with_digest(runs: QuerySet[WrappedRun]) -> QuerySet[WrappedRun]:
    """`runs`, each with its `digest`: remembered by row version, the others read in one query."""
    return DIGESTS.on(runs)


# -- what the database derives from a payload, remembered by row version --------------------------
# Parsing each row's payload is most of a runs list's time and much of a run detail's, and what is
# read from it depends on its row alone. So each process remembers it under the row's version:
# (xmin, ctid) names one version of a row, and every update, even a second one in the same
# transaction, writes a new version with a new ctid. What is remembered is therefore never read
# from an older payload. Reading both costs nothing: they are in the row's header.
ROW_VERSION_SQL = """("app_wrapped_runs".xmin::text || '/' || "app_wrapped_runs".ctid::text)"""
REMEMBERED_CHUNK = 500  # rows read per query when an export streams the list


class Remembered:
    """Annotations over the payload (name -> RawSQL factory), kept for the last `size` row versions.

    `on(runs)` makes each run of the queryset carry them, as `annotate` would: the query reads the
    row version instead, and the versions not remembered are read in one more query (per chunk).
    A run updated between the two reads gets the values of its newer version, remembered under
    that version; a run deleted in between gets None for each.
    """

    def __init__(self, size: int, **annotations):
        self.size = size
        self.annotations = annotations
        self._entries: OrderedDict[tuple, dict] = OrderedDict()
        self._lock = threading.Lock()
        self._rows = type("RememberedRuns", (_RememberedRuns,), {"remembered": self})

    def on(self, runs: QuerySet[WrappedRun]) -> QuerySet[WrappedRun]:
        runs = runs.annotate(row_version=RawSQL(ROW_VERSION_SQL, []))
        runs._iterable_class = self._rows  # kept by every clone, as values() keeps its own
        return runs

    def attach(self, runs: list[WrappedRun], alias: str) -> None:
        database = (alias, connections[alias].settings_dict.get("NAME"))
        keys = {run.pk: (*database, run.pk, run.row_version) for run in runs}
        values = {}
        with self._lock:
            for pk, key in keys.items():
                if (found := self._entries.get(key)) is not None:
                    self._entries.move_to_end(key)
                    values[pk] = found
        missing = [pk for pk in keys if pk not in values]
        if missing:
            names = list(self.annotations)
            fresh = {}
            rows = (
                WrappedRun.objects.using(alias)
                .filter(pk__in=missing)
                .annotate(row_version=RawSQL(ROW_VERSION_SQL, []), **{n: f() for n, f in self.annotations.items()})
                .values_list("pk", "row_version", *names)
            )
            for pk, version, *read in rows:
                values[pk] = fresh[(*database, pk, version)] = dict(zip(names, read, strict=True))
            with self._lock:
                self._entries.update(fresh)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        for run in runs:
            for name in self.annotations:
                setattr(run, name, values.get(run.pk, {}).get(name))


class _RememberedRuns(ModelIterable):
    """Runs as models with their remembered annotations, a chunk at a time so an export streams."""

    remembered: Remembered

    def __iter__(self):
        rows = super().__iter__()
        while chunk := list(islice(rows, REMEMBERED_CHUNK)):
            self.remembered.attach(chunk, self.queryset.db)
            yield from chunk


def digest(run) -> dict:
    value = getattr(run, "digest", None)
    return value if isinstance(value, dict) else {}


def stage_of(run) -> str | None:
    return digest(run).get("stage")


def stage_label(run) -> str:
    stage = stage_of(run)
    if stage == READY:
        email = digest(run).get("email")
        if email in EMAIL_OUTCOME_LABELS:
            return EMAIL_OUTCOME_LABELS[email]
        if email:
            return f"Ready · email {email}"
    return STAGE_LABELS.get(stage, "—")


def stage_tone(run) -> str:
    stage = stage_of(run)
    if stage == READY:
        return "warn" if digest(run).get("email") == "failed" else "ok"
    return "warn" if stage == UNKNOWN else "run"


def email_status_expression() -> RawSQL:
    return RawSQL(expressions.email_status_sql(kind=expressions.json_kind()), [])


def filter_stage(runs: QuerySet[WrappedRun], stage: str) -> QuerySet[WrappedRun]:
    """The stage rule as a filter; `status` decides "ready" without reading any payload."""
    if stage == READY:
        return runs.filter(status="ready")
    if stage in (READY_EMAIL_SENT, READY_EMAIL_FAILED):
        # Rows in the list's order from bo_runs_email_status; not counted: a count of an expression
        # over the payload cannot be index-only, it would read thousands of payloads (or every one).
        wanted = "succeeded" if stage == READY_EMAIL_SENT else "failed"
        return uncounted(
            runs.filter(status="ready").alias(email_status=email_status_expression()).filter(email_status=wanted)
        )
    return runs.exclude(status="ready").alias(stage_filter=stage_expression()).filter(stage_filter=stage)


def filter_has_warnings(runs: QuerySet[WrappedRun], has: bool) -> QuerySet[WrappedRun]:
    """Rows from bo_runs_warnings in the list's order; not counted (as the email outcomes above)."""
    return uncounted(runs.alias(has_warnings=has_warnings_expression()).filter(has_warnings=has))


# -- run detail -----------------------------------------------------------------------------------
@dataclass
class StageJob:
    stage: str
    label: str
    job_id: str | None
    status_in_payload: str | None
    job: AppJob | None = None

    @property
    def error(self) -> str | None:
        return job_error(self.job) if self.job else None


def _as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _as_text(value) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def detail_expression() -> RawSQL:
    """{size, skeleton}: what the run detail reads of the payload, picked out and cut by the database."""
    keys = [key for key, _ in ANALYSIS_FIELDS]
    sql = expressions.detail_sql(analysis_keys=keys, kind=expressions.json_kind())
    return RawSQL(sql, [], output_field=SourceJSONField())


def for_detail(runs: QuerySet[WrappedRun]) -> QuerySet[WrappedRun]:
    """The run detail's row: every column but the payload, with its digest and detail skeleton."""
    return DETAILS.on(runs.defer("payload"))


def _detail(run) -> dict:
    detail = getattr(run, "detail", None)
    if not isinstance(detail, dict):
        found = for_detail(WrappedRun.objects.only("id")).filter(pk=run.pk).first()
        detail = run.detail = found.detail if found is not None and isinstance(found.detail, dict) else {}
    return detail


# 100 pages of 50 runs (about 6 MB a process, at 1.2 KB a digest with its key); the skeletons are
# bounded (expressions.detail_sql) and 500 of them a few MB more.
DIGESTS = Remembered(5_000, digest=digest_expression)
DETAILS = Remembered(500, digest=digest_expression, detail=detail_expression)


def detail_payload(run):
    """What the detail reads of the payload: the loaded payload when it is (a test, the compare page),
    else the bounded skeleton of expressions.detail_sql, which reads the same for every key used here."""
    if "payload" in run.__dict__:
        return run.payload
    return _detail(run).get("skeleton")


def payload_size(run) -> int:
    """The stored payload's size in bytes, as text (what the download sends to a role that sees all)."""
    return int(_detail(run).get("size") or 0)


def stage_jobs(run: WrappedRun) -> list[StageJob]:
    """The app_jobs rows behind each stage: watch_history by FK, the others by ids in payload (1 query)."""
    stages = []
    for stage, (job_id, status) in stage_entries(detail_payload(run)).items():
        if stage == WATCH_HISTORY and run.watch_history_job_id:
            job_id = run.watch_history_job_id
        stages.append(StageJob(stage, STAGE_LABELS[stage], job_id, status))
    ids = [s.job_id for s in stages if s.job_id]
    kind = expressions.json_kind("app_jobs")
    error = RawSQL(expressions.job_error_sql(JOB_ERROR_KEYS, kind=kind), [])
    jobs = {job.id: job for job in AppJob.objects.defer("payload").annotate(error=error).filter(id__in=ids)}
    for s in stages:
        s.job = jobs.get(s.job_id)
    return stages


def stage_entries(payload) -> dict[str, tuple[str | None, str | None]]:
    """{stage: (job id, status)} as payload.data_jobs states them (None where missing or odd)."""
    data_jobs = _as_dict(_as_dict(payload).get("data_jobs"))
    entries = {}
    for stage, key in STAGE_JOB_KEYS.items():
        entry = _as_dict(data_jobs.get(key))
        entries[stage] = (_as_text(entry.get("id")), _as_text(entry.get("status")))
    return entries


JOB_ERROR_KEYS = ("last_error", "error", "error_message")


def job_error(job: AppJob) -> str | None:
    """Workers leave the error inside the job payload (there is no error column): read by the
    database when the job came with its `error` annotation (stage_jobs), else from the payload."""
    if "error" in job.__dict__:
        return job.__dict__["error"]
    payload = job.__dict__.get("payload")
    if payload is None:
        payload = AppJob.objects.filter(pk=job.pk).values_list("payload", flat=True).first()
    payload = _as_dict(payload)
    for key in JOB_ERROR_KEYS:
        if payload.get(key):
            return str(payload[key])[:2000]
    return None


ANALYSIS_FIELDS = (
    ("personality_type", "Personality"),
    ("personality_explanation", "Why"),
    ("top_niches", "Top niches"),
    ("top_niche_percentile", "Top niche percentile"),
    ("niche_journey", "Niche journey"),
    ("brain_rot_score", "Brain rot score"),
    ("brain_rot_explanation", "Brain rot explanation"),
    ("brainrot_intensity", "Brainrot intensity"),
    ("brainrot_volume_hours", "Brainrot hours"),
    ("brainrot_confidence", "Brainrot confidence"),
    ("cat_name", "Cat name"),
    ("analogy_line", "Analogy"),
    ("scroll_time", "Scroll time"),
    ("accessory_set", "Accessories"),
    ("keyword_2026", "Keyword 2026"),
    ("thumb_roast", "Thumb roast"),
)


def analysis_summary(payload) -> list[tuple[str, str]]:
    """Readable (label, text) pairs of the analysis outputs present in the payload."""
    payload = _as_dict(payload)
    rows = []
    for key, label in ANALYSIS_FIELDS:
        value = payload.get(key)
        if value in (None, "", [], {}):
            continue
        rows.append((label, _readable(value)))
    return rows


def _readable(value) -> str:
    if isinstance(value, list):
        return ", ".join(_readable(v) for v in value[:20]) + (" …" if len(value) > 20 else "")
    if isinstance(value, dict):
        if "internal_name" in value:
            return str(value.get("internal_name"))
        return "; ".join(f"{k}: {_readable(v)}" for k, v in list(value.items())[:10])
    return str(value)[:500]


def run_warnings(run: WrappedRun) -> list[str]:
    """Everything a support engineer should notice about a run, in plain words."""
    return payload_warnings(detail_payload(run))


def payload_warnings(payload) -> list[str]:
    """run_warnings of a payload (whole, or the skeleton of expressions.detail_sql: the same notes)."""
    if not isinstance(payload, dict):
        return [f"The payload is a {type(payload).__name__}, not an object: nothing in it can be read."]
    notes = []
    data_jobs = payload.get("data_jobs")
    if data_jobs is None:
        notes.append("payload.data_jobs is missing: stage statuses are unknown.")
    elif not isinstance(data_jobs, dict):
        notes.append(f"payload.data_jobs is a {type(data_jobs).__name__}, expected an object.")
    else:
        for key in STAGE_JOB_KEYS.values():
            if key in data_jobs and not isinstance(data_jobs[key], dict):
                notes.append(f"payload.data_jobs.{key} is a {type(data_jobs[key]).__name__}, expected an object.")
    progress = payload.get("_watch_history_progress")
    if isinstance(progress, dict):
        if progress.get("scrape_error"):
            detail = progress.get("scrape_error_detail") or ""
            notes.append(f"Scrape error: {progress['scrape_error']} {detail}".strip())
        if progress.get("scrape_truncated"):
            notes.append(f"Watch history truncated ({progress.get('scrape_stop_reason') or 'no reason given'}).")
        coverage = progress.get("coverage")
        if isinstance(coverage, dict) and coverage.get("extrapolated"):
            notes.append(
                f"Figures extrapolated ×{coverage.get('extrapolation_factor', '?')} from "
                f"{coverage.get('coverage_months', '?')} months of history."
            )
        for key in ("videos_fetched_total", "completed_data_jobs", "cursor_ms"):
            value = progress.get(key)
            if value is not None and not isinstance(value, int | float):
                notes.append(f"_watch_history_progress.{key} is {value!r} ({type(value).__name__}), expected a number.")
    elif progress is not None:
        notes.append(f"payload._watch_history_progress is a {type(progress).__name__}, expected an object.")
    warnings = payload.get("_analysis_warnings")
    if isinstance(warnings, list):
        notes.extend(f"Analysis warning: {w}" for w in warnings[:50])
    elif warnings:
        notes.append(f"Analysis warning (not a list): {str(warnings)[:500]}")
    return notes


# -- queue -------------------------------------------------------------------------------------
OPEN_JOB_STATUSES = ("pending", "running", "failed")


# A count past this reads "1,000+" (as the runs panel's stage counts): each (task, status) count
# stops there, so the queue's counts read at most this many index entries per cell however long a
# backlog grows, and a few milliseconds in all. The list behind a count counts up to 10,000.
QUEUE_COUNT_CAP = 1_000
# The open queue in one query: the (status, task_name) pairs present, found by a skip scan of
# bo_jobs_status_task_created (one index descent per pair of any status, a few dozen in all,
# whatever task names the service uses),
# each with its count capped at QUEUE_COUNT_CAP + 1 and, for pending work, the oldest job's
# creation: index-only reads per pair however long a backlog grows.
QUEUE_SQL = """
WITH RECURSIVE pairs AS (
    (SELECT status, task_name FROM app_jobs ORDER BY status, task_name LIMIT 1)
    UNION ALL
    SELECT next.status, next.task_name FROM pairs p CROSS JOIN LATERAL (
        -- the row comparison alone is where the index scan starts; adding the status list here
        -- would make each step read the rest of its status instead of one entry
        SELECT j.status, j.task_name FROM app_jobs j
         WHERE (j.status, j.task_name) > (p.status, p.task_name)
         ORDER BY j.status, j.task_name LIMIT 1
    ) next
)
SELECT p.task_name, p.status,
       (SELECT count(*) FROM (SELECT 1 FROM app_jobs j
          WHERE j.status = p.status AND j.task_name = p.task_name LIMIT %(cap)s) capped),
       (SELECT min(j.created_at) FROM app_jobs j
         WHERE p.status = 'pending' AND j.status = p.status AND j.task_name = p.task_name)
  FROM pairs p WHERE p.status = ANY(%(statuses)s) ORDER BY 1, 2
"""


def queue_cells(statuses=OPEN_JOB_STATUSES) -> list[tuple[str, str, int, datetime | None]]:
    """(task_name, status, n capped at QUEUE_COUNT_CAP + 1, oldest pending job's created_at) per pair."""
    with connections["wrapped"].cursor() as cursor:
        cursor.execute(QUEUE_SQL, {"statuses": list(statuses), "cap": QUEUE_COUNT_CAP + 1})
        return cursor.fetchall()


def queue_counts(statuses=OPEN_JOB_STATUSES) -> dict[str, dict[str, int]]:
    """{task_name: {status: n}} for the given statuses, each n capped at QUEUE_COUNT_CAP + 1."""
    table: dict[str, dict[str, int]] = {}
    for task, status, n, _oldest in queue_cells(statuses):
        table.setdefault(task, {})[status] = n
    return table


def jobs_for_list(jobs: QuerySet[AppJob]) -> QuerySet[AppJob]:
    kind = expressions.json_kind("app_jobs")
    return jobs.defer("payload").annotate(
        payload_run_id=RawSQL(expressions.job_key_sql("wrapped_run_id", kind=kind), []),
        payload_app_user_id=RawSQL(expressions.job_key_sql("app_user_id", kind=kind), []),
        payload_error=RawSQL(expressions.job_key_sql("last_error", "error", kind=kind), []),
    )


# -- auth / linking ------------------------------------------------------------------------------
NEEDS_REAUTH_STATUSES = ("failed", "expired")


def _latest_auth_job():
    return AuthJob.objects.filter(device_id=OuterRef("device_id")).order_by("-updated_at")


def with_latest_auth_status(devices: QuerySet[DeviceEmail]) -> QuerySet[DeviceEmail]:
    """Each device with the status of its latest auth job (the "needs reauth" filter's subject)."""
    return devices.annotate(auth_status=Subquery(_latest_auth_job().values("status")[:1]))


def devices_for_linking(devices: QuerySet[DeviceEmail]) -> QuerySet[DeviceEmail]:
    """Each device with its latest auth job (one correlated, indexed subquery per shown row)."""
    latest = _latest_auth_job()
    return devices.annotate(
        auth_status=Subquery(latest.values("status")[:1]),
        auth_archive_job_id=Subquery(latest.values("archive_job_id")[:1]),
        auth_updated_at=Subquery(latest.values("updated_at")[:1]),
        auth_app_user_id=Subquery(latest.values("app_user_id")[:1]),
        auth_last_error=Subquery(latest.values("last_error")[:1]),
    )


def needs_reauth(status: str | None, last_error: str | None) -> bool:
    return status in NEEDS_REAUTH_STATUSES or "reauth" in (last_error or "").lower()


# -- find a person -----------------------------------------------------------------------------
PERSON_LIMIT = 50


@dataclass
class PersonResults:
    term: str
    kinds: set[str] = field(default_factory=set)
    users: list = field(default_factory=list)
    user_emails: list = field(default_factory=list)
    devices: list = field(default_factory=list)
    auth_jobs: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    runs: list = field(default_factory=list)
    jobs: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any((self.users, self.user_emails, self.devices, self.auth_jobs, self.runs, self.jobs))


def find_person(term: str) -> PersonResults:
    """Every user, device email, auth job, run and job matching an identifier, through indexes only.

    An email resolves through app_user_emails, device_emails and app_auth_jobs to app_user_ids and
    device_ids; those reach runs by the indexed app_user_id. A fixed number of queries.
    """
    term = term.strip()
    result = PersonResults(term=term, kinds=classify(term))
    if TEXT not in result.kinds:
        return result
    values = sorted({term, term.lower()}) if EMAIL in result.kinds else [term]

    user_ids: set[str] = set()
    device_ids: set[str] = set()
    if EMAIL in result.kinds:
        result.user_emails = list(AppUserEmail.objects.filter(email__in=values)[:PERSON_LIMIT])
        user_ids |= {e.app_user_id for e in result.user_emails}
        result.devices = list(DeviceEmail.objects.filter(email__in=values)[:PERSON_LIMIT])
        device_ids |= {d.device_id for d in result.devices}
    else:
        run_owner = WrappedRun.objects.filter(Q(id=term) | Q(sec_user_id=term)).values_list("app_user_id", flat=True)
        user_ids |= set(run_owner[:PERSON_LIMIT])
        users_by_sec = AppUser.objects.filter(Q(app_user_id=term) | Q(latest_sec_user_id=term))
        user_ids |= set(users_by_sec.values_list("app_user_id", flat=True)[:PERSON_LIMIT])
        device_ids.add(term)
        session_users = AppSession.objects.filter(device_id=term).values_list("app_user_id", flat=True)
        user_ids |= set(session_users[:PERSON_LIMIT])
        job = AppJob.objects.defer("payload").filter(id=term).first()
        if job:
            result.jobs.append(job)

    auth_match = Q(device_id__in=device_ids) | Q(app_user_id__in=user_ids) | Q(archive_job_id=term)
    if EMAIL in result.kinds:
        auth_match |= Q(email__in=values)
    result.auth_jobs = list(AuthJob.objects.filter(auth_match).order_by("-updated_at")[:PERSON_LIMIT])
    user_ids |= {a.app_user_id for a in result.auth_jobs if a.app_user_id}
    device_ids |= {a.device_id for a in result.auth_jobs if a.device_id}
    if EMAIL not in result.kinds:
        result.devices = list(DeviceEmail.objects.filter(device_id__in=device_ids)[:PERSON_LIMIT])

    result.users = list(AppUser.objects.filter(app_user_id__in=user_ids)[:PERSON_LIMIT])
    result.runs = list(
        with_digest(WrappedRun.objects.only(*LIST_COLUMNS, "created_at"))
        .filter(Q(app_user_id__in=user_ids) | Q(id=term))
        .order_by("-updated_at")[:PERSON_LIMIT]
    )
    result.sessions = list(
        AppSession.objects.filter(Q(app_user_id__in=user_ids) | Q(device_id__in=device_ids)).order_by("-issued_at")[
            :PERSON_LIMIT
        ]
    )
    for run in result.runs:
        run.stage_label = stage_label(run)
    if result.runs and not result.jobs:
        run_ids = [r.id for r in result.runs]
        result.jobs = list(AppJob.objects.defer("payload").filter(idempotency_key__in=_idempotency_guesses(run_ids)))
    return result


def _idempotency_guesses(run_ids: list[str]) -> list[str]:
    return [
        f"{task}:{run_id}"
        for run_id in run_ids
        for task in ("watch_history_fetch_2025", "wrapped_analysis", "email_send")
    ]


def person_user_ids(term: str, limit: int = 1000) -> list[str]:
    """app_user_ids an identifier points to, through every indexed path, in one query (its
    statement compiled once per kind of term: backoffice.compiled)."""
    kinds = classify(term)
    if TEXT not in kinds:
        return []
    values = {"term": term, "lowered": term.lower()} if EMAIL in kinds else {"term": term}
    found = compiled.rows(
        ("person_user_ids", EMAIL in kinds, limit),
        lambda term, lowered=None: _person_paths(term, lowered)[:limit],
        using=router.db_for_read(AppUser),
        **values,
    )
    return [user_id for (user_id,) in found]


def _person_paths(term: str, lowered: str | None) -> QuerySet:
    """The union of every indexed path from an identifier to app_user_ids (`lowered` for an email)."""
    emails = [term] if lowered is None else [term, lowered]
    auth = Q(device_id=term) | Q(archive_job_id=term) | Q(app_user_id=term)
    if lowered is not None:
        auth |= Q(email__in=emails)
    paths = [
        AppUserEmail.objects.filter(email__in=emails).values_list("app_user_id"),
        AuthJob.objects.filter(auth, app_user_id__isnull=False).values_list("app_user_id"),
        AppSession.objects.filter(device_id=term).values_list("app_user_id"),
        AppUser.objects.filter(latest_sec_user_id=term).values_list("app_user_id"),
    ]
    return paths[0].order_by().union(*(p.order_by() for p in paths[1:]))


def runs_matching(runs: QuerySet[WrappedRun], term: str) -> QuerySet[WrappedRun]:
    """The runs list's search: the run's own identifiers or its person's, all exact and indexed."""
    term = term.strip()
    if TEXT not in classify(term):
        return runs.none()
    own = Q(id=term) | Q(app_user_id=term) | Q(sec_user_id=term) | Q(archive_user_id=term)
    user_ids = person_user_ids(term)
    return runs.filter(own | Q(app_user_id__in=user_ids)) if user_ids else runs.filter(own)


# -- live poll -----------------------------------------------------------------------------------
LIVE_LIMIT = 50


def runs_changed_since(since: datetime) -> list[WrappedRun]:
    """Runs updated at or after `since`, newest first, bounded: the 5-second poll (views.live_view)."""
    return list(
        with_digest(WrappedRun.objects.only(*LIST_COLUMNS))
        .filter(updated_at__gte=since)
        .order_by("-updated_at", "-id")[:LIVE_LIMIT]
    )


# -- run detail: attempts, other runs, payloads ----------------------------------------------------
STAGE_TASKS = ("watch_history_fetch_2025", "wrapped_analysis", "email_send")
# The service keys a stage job `task:run_id`, and each forced retry `task:run_id:n` (n from 2).
MAX_RETRY_KEYS = 20
ATTEMPTS_LIMIT = 60
OTHER_RUNS_LIMIT = 10


def attempt_keys(run_id: str) -> list[str]:
    """Every idempotency key a run's stage jobs can carry, for an exact, indexed `= ANY` lookup."""
    return [
        key
        for task in STAGE_TASKS
        for key in (f"{task}:{run_id}", *(f"{task}:{run_id}:{n}" for n in range(1, MAX_RETRY_KEYS + 1)))
    ]


def attempt_history(run: WrappedRun) -> list[tuple[str, list[AppJob]]]:
    """[(task, its jobs oldest first)] across forced retries: one query, bounded."""
    jobs = (
        AppJob.objects.defer("payload")
        .filter(idempotency_key__in=attempt_keys(run.pk))
        .order_by("created_at", "id")[:ATTEMPTS_LIMIT]
    )
    by_task: dict[str, list[AppJob]] = {}
    for job in jobs:
        by_task.setdefault(job.task_name, []).append(job)
    return [(task, by_task[task]) for task in STAGE_TASKS if task in by_task] + [
        (task, found) for task, found in by_task.items() if task not in STAGE_TASKS
    ]


def other_runs(run: WrappedRun) -> list[WrappedRun]:
    """The same person's other runs, newest first, with their digest (no payload loaded)."""
    if not run.app_user_id:
        return []
    return list(
        with_digest(WrappedRun.objects.only(*LIST_COLUMNS, "created_at"))
        .filter(app_user_id=run.app_user_id)
        .exclude(pk=run.pk)
        .order_by("-updated_at")[:OTHER_RUNS_LIMIT]
    )


def run_payload(run_id: str):
    """(found, payload): the payload alone, decoded (the masked download, bounded by its caller)."""
    rows = list(WrappedRun.objects.filter(pk=run_id).values_list("payload", flat=True)[:1])
    return (True, rows[0]) if rows else (False, None)


PAYLOAD_SIZE_SQL = "SELECT octet_length(COALESCE(payload::text, 'null')) FROM \"app_wrapped_runs\" WHERE id = %s"
# One statement (one snapshot: a run the service rewrites meanwhile still downloads whole), read
# through a server-side cursor a row at a time. The text is converted to bytes once (OFFSET 0 keeps
# the subquery apart), so each chunk is a slice at a byte offset, not a re-read of the document.
PAYLOAD_CHUNKS_SQL = """
SELECT substring(s.b FROM i FOR %s)
  FROM (SELECT convert_to(COALESCE(payload::text, 'null'), 'UTF8') AS b FROM "app_wrapped_runs"
         WHERE id = %s OFFSET 0) s,
       generate_series(1, length(s.b), %s) AS i
 ORDER BY i
"""
PAYLOAD_HEAD_SQL = 'SELECT left(payload::text, %s) FROM "app_wrapped_runs" WHERE id = %s'


def payload_text_size(run_id: str) -> int | None:
    """The stored payload's size in bytes as text, or None when there is no such run."""
    with connections["wrapped"].cursor() as cursor:
        cursor.execute(PAYLOAD_SIZE_SQL, [run_id])
        row = cursor.fetchone()
    return row[0] if row else None


def payload_text_chunks(run_id: str, chunk: int):
    """The stored payload's text as UTF-8, `chunk` bytes at a time, from a server-side cursor: the
    process holds one chunk, never the document (a character may straddle two chunks)."""
    cursor = connections["wrapped"].chunked_cursor()
    try:
        cursor.execute(PAYLOAD_CHUNKS_SQL, [chunk, run_id, chunk])
        while rows := cursor.fetchmany(1):
            yield bytes(rows[0][0])
    finally:
        cursor.close()


def payload_head(run_id: str, characters: int) -> str:
    """The first `characters` characters of the stored payload's text (a preview)."""
    with connections["wrapped"].cursor() as cursor:
        cursor.execute(PAYLOAD_HEAD_SQL, [characters, run_id])
        row = cursor.fetchone()
    return (row[0] or "") if row else ""


def runs_to_compare(a: str, b: str) -> dict[str, WrappedRun]:
    """The two runs with their digest, payloads left in the database (compare_payloads reads them)."""
    return {
        run.pk: run
        for run in with_digest(WrappedRun.objects.only("id", "status", "updated_at", "app_user_id")).filter(
            pk__in=[a, b]
        )
    }


# A payload is compared key by key in the database: a top-level value whose text is the same in
# both runs (lengths first, then bytes) is never sent; a differing one is sent whole up to this
# size, and summarised past it (type, items, bytes), so comparing two 5 MB payloads sends
# kilobytes, not both documents.
COMPARE_VALUE_BYTES = 256 * 1024
COMPARE_WORK_MEM = "32MB"


@dataclass(frozen=True)
class Summary:
    """A value too big to send for comparing: what it is and how big."""

    kind: str
    length: int | None
    size: int

    def __str__(self) -> str:
        if self.kind == "array":
            return f"[array, {self.length} items]"
        if self.kind == "object":
            return f"{{object, {self.length} keys}}"
        return f"({self.kind}, {self.size:,} bytes)"


@dataclass(frozen=True)
class PayloadEntry:
    key: str | None  # None: the whole document (a payload that is not an object)
    in_a: bool
    in_b: bool
    same: bool
    a: object = None  # the value, a Summary, or None when the same in both
    b: object = None


def compare_payloads(a: str, b: str) -> list[PayloadEntry]:
    """The two payloads' top-level entries, in A's order then B's new keys (one query). A payload
    that is not an object is one entry whose key is None."""
    kind = expressions.json_kind()
    # A \u0000 escape cannot be read as text: nul_safe rewrites a payload holding one first.
    payload = expressions.nul_safe(lambda value: value, expressions.column("r", "payload"), kind)

    def small(value: str) -> str:
        return f"CASE WHEN octet_length({value}::text) <= {COMPARE_VALUE_BYTES} THEN {value}::text END"

    def summary(value: str) -> str:
        length = (
            f"CASE {kind}_typeof({value}) WHEN 'array' THEN {kind}_array_length({value})"
            f" WHEN 'object' THEN (SELECT count(*) FROM {kind}_object_keys({value})) END"
        )
        return (
            f"CASE WHEN octet_length({value}::text) > {COMPARE_VALUE_BYTES} THEN json_build_array("
            f"{kind}_typeof({value}), {length}, octet_length({value}::text))::text END"
        )

    def last_of_each_key(side: str) -> str:
        # A repeated key: the last one, as a decoder keeps. Found on keys and ordinals alone, so
        # the values are never sorted (a 5 MB value would spill the sort to disk).
        return (
            f"SELECT * FROM entry e WHERE e.id = %({side})s AND NOT EXISTS (SELECT 1 FROM entry later"
            f" WHERE later.id = e.id AND later.is_document = e.is_document AND later.key = e.key AND later.n > e.n)"
        )

    sql = f"""
        WITH doc AS (
            SELECT r.id, {payload} AS value FROM app_wrapped_runs r WHERE r.id IN (%(a)s, %(b)s)
        ), entry AS (
            SELECT d.id, false AS is_document, e.key, e.value, e.n
              FROM doc d CROSS JOIN LATERAL {kind}_each(
                   CASE WHEN {kind}_typeof(d.value) = 'object' THEN d.value ELSE '{{}}'::{kind} END
              ) WITH ORDINALITY AS e(key, value, n)
            UNION ALL
            SELECT d.id, true, '', d.value, 0 FROM doc d WHERE {kind}_typeof(d.value) IS DISTINCT FROM 'object'
        ), a AS ({last_of_each_key("a")}), b AS ({last_of_each_key("b")}),
        pair AS (
            SELECT CASE WHEN COALESCE(a.is_document, b.is_document) THEN NULL ELSE COALESCE(a.key, b.key) END AS key,
                   a.n AS a_n, b.n AS b_n, a.value AS a_value, b.value AS b_value,
                   a.id IS NOT NULL AS in_a, b.id IS NOT NULL AS in_b,
                   a.value::text IS NOT DISTINCT FROM b.value::text AS same  -- lengths first, then bytes
              FROM a FULL JOIN b ON a.is_document = b.is_document AND a.key = b.key
        )
        SELECT key, in_a, in_b, same,
               CASE WHEN NOT same THEN {small("a_value")} END, CASE WHEN NOT same THEN {summary("a_value")} END,
               CASE WHEN NOT same THEN {small("b_value")} END, CASE WHEN NOT same THEN {summary("b_value")} END
          FROM pair ORDER BY a_n NULLS LAST, b_n
    """
    with transaction.atomic(using="wrapped"), connections["wrapped"].cursor() as cursor:
        # The entries of a multi-megabyte payload are kept once, in memory rather than on disk
        # (a local setting: it ends with the transaction).
        cursor.execute("SELECT set_config('work_mem', %s, true)", [COMPARE_WORK_MEM])
        cursor.execute(sql, {"a": a, "b": b})
        rows = cursor.fetchall()
    return [
        PayloadEntry(key, in_a, in_b, same, _received(a_small, a_summary), _received(b_small, b_summary))
        for key, in_a, in_b, same, a_small, a_summary, b_small, b_summary in rows
    ]


def _received(small: str | None, summary: str | None):
    if summary is not None:
        return Summary(*json.loads(summary))
    return None if small is None else json.loads(small)


# -- related rows of a user / a device (each one bounded query) ----------------------------------------
RELATED_LIMIT = 20


def user_emails(user_id: str):
    return AppUserEmail.objects.filter(app_user_id=user_id).order_by("-created_at")[:RELATED_LIMIT]


def user_runs(user_id: str):
    return (
        with_digest(WrappedRun.objects.only(*LIST_COLUMNS))
        .filter(app_user_id=user_id)
        .order_by("-updated_at")[:RELATED_LIMIT]
    )


def auth_jobs_of(*, app_user_id: str | None = None, device_id: str | None = None):
    match = Q(app_user_id=app_user_id) if app_user_id is not None else Q(device_id=device_id)
    return AuthJob.objects.filter(match).order_by("-updated_at")[:RELATED_LIMIT]


def sessions_of(*, app_user_id: str | None = None, device_id: str | None = None):
    match = Q(app_user_id=app_user_id) if app_user_id is not None else Q(device_id=device_id)
    return AppSession.objects.filter(match).order_by("-issued_at")[:RELATED_LIMIT]


def user_ids_with_email(term: str):
    return AppUserEmail.objects.filter(email__in=sorted({term, term.lower()})).values("app_user_id")
