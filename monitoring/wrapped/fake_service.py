"""The Wrapped service's admin API, faked for the demo and the tests (backoffice.demo.fake_server)."""

from __future__ import annotations

import uuid

from backoffice.demo.fake_server import FakeService, HttpError, _now, as_dict, flag

STAGE_TASKS = {
    "watch_history": "watch_history_fetch_2025",
    "wrapped_analysis": "wrapped_analysis",
    "email_send": "email_send",
}
STAGE_ORDER = ("watch_history", "wrapped_analysis", "email_send")
ENDPOINT_STAGES = {
    "retry-watch-history": "watch_history",
    "retry-analysis": "wrapped_analysis",
    "retry-email": "email_send",
}
RUN_ID = r"([^/]+)"


class WrappedFake(FakeService):
    routes = [
        ("POST", r"/admin/wrapped/runs/retry-failed", "retry_failed"),
        ("POST", r"/admin/wrapped/runs/retry-zero-videos", "retry_zero_videos"),
        ("POST", rf"/admin/wrapped/runs/{RUN_ID}/retry", "retry_run"),
        ("POST", rf"/admin/test/runs/{RUN_ID}/(retry-watch-history|retry-analysis|retry-email)", "retry_stage"),
        ("GET", rf"/admin/test/runs/{RUN_ID}", "run_status"),
        ("GET", r"/admin/metrics", "metrics"),
    ]

    # -- helpers over the DB -------------------------------------------------------------------
    @staticmethod
    def _load_run(cur, run_id: str, *, lock: bool = True) -> dict:
        cur.execute(
            "SELECT id, app_user_id, sec_user_id, status, payload, watch_history_job_id, updated_at "
            "FROM app_wrapped_runs WHERE id = %s" + (" FOR UPDATE" if lock else ""),
            [run_id],
        )
        run = cur.fetchone()
        if run is None:
            raise HttpError(404, "run not found")
        return run

    @staticmethod
    def _stage_job_id(run: dict, stage: str) -> str | None:
        if stage == "watch_history" and run.get("watch_history_job_id"):
            return run["watch_history_job_id"]
        entry = as_dict(as_dict(as_dict(run.get("payload")).get("data_jobs")).get(stage))
        job_id = entry.get("id")
        return job_id if isinstance(job_id, str) and job_id else None

    def _stage_job(self, cur, run: dict, stage: str) -> dict | None:
        job_id = self._stage_job_id(run, stage)
        if not job_id:
            return None
        cur.execute("SELECT id, status, idempotency_key FROM app_jobs WHERE id = %s", [job_id])
        return cur.fetchone()

    @staticmethod
    def _failed_stage(run: dict) -> str | None:
        data_jobs = as_dict(as_dict(run.get("payload")).get("data_jobs"))
        for stage in STAGE_ORDER:
            if as_dict(data_jobs.get(stage)).get("status") != "succeeded":
                return stage
        return None

    def enqueue(self, cur, run: dict, stage: str, *, force_new: bool, reset_payload: bool = False) -> dict:
        """What the service does for a retried stage: a new (or reset) pending job, linked from the run."""
        from psycopg.types.json import Json

        self.mark_dirty()
        task = STAGE_TASKS[stage]
        now = _now()
        existing = None if force_new else self._stage_job(cur, run, stage)
        if existing is not None:
            cur.execute(
                "UPDATE app_jobs SET status = 'pending', attempts = 0, not_before = %s, locked_by = NULL, "
                "locked_at = NULL, updated_at = %s WHERE id = %s",
                [now, now, existing["id"]],
            )
            job_id, idem = existing["id"], existing["idempotency_key"]
        else:
            cur.execute(
                "SELECT count(*) AS n FROM app_jobs WHERE idempotency_key = %s OR idempotency_key LIKE %s",
                [f"{task}:{run['id']}", f"{task}:{run['id']}:%"],
            )
            n = cur.fetchone()["n"] + 1
            job_id, idem = str(uuid.uuid4()), f"{task}:{run['id']}:{n}"
            job_payload = {"wrapped_run_id": run["id"], "app_user_id": run["app_user_id"]}
            if run.get("sec_user_id"):
                job_payload["sec_user_id"] = run["sec_user_id"]
            cur.execute(
                "INSERT INTO app_jobs (id, task_name, payload, status, attempts, max_attempts, not_before, "
                "idempotency_key, lease_seconds, created_at, updated_at) "
                "VALUES (%s, %s, %s, 'pending', 0, 5, %s, %s, 60, %s, %s)",
                [job_id, task, Json(job_payload), now, idem, now, now],
            )
        if reset_payload:
            old = as_dict(run.get("payload"))
            kept = {k: old[k] for k in ("email",) if k in old}
            cur.execute("UPDATE app_wrapped_runs SET payload = %s WHERE id = %s", [Json(kept), run["id"]])
        # The email stage is gated on a ready run: it stays ready; other stages put the run back to pending.
        new_status = run["status"] if stage == "email_send" and run["status"] == "ready" else "pending"
        cur.execute(
            """
            UPDATE app_wrapped_runs SET
              payload = jsonb_set(
                CASE WHEN json_typeof(payload) = 'object' THEN payload::jsonb ELSE '{}'::jsonb END,
                '{data_jobs}',
                CASE WHEN json_typeof(payload -> 'data_jobs') = 'object'
                     THEN (payload -> 'data_jobs')::jsonb ELSE '{}'::jsonb END
                  || jsonb_build_object(%(stage)s::text, jsonb_build_object('id', %(job)s::text, 'status', 'pending'))
              )::json,
              status = %(status)s,
              watch_history_job_id = CASE WHEN %(is_wh)s THEN %(job)s ELSE watch_history_job_id END,
              updated_at = %(now)s
            WHERE id = %(run)s
            """,
            {
                "stage": stage,
                "job": job_id,
                "status": new_status,
                "is_wh": stage == "watch_history",
                "now": now,
                "run": run["id"],
            },
        )
        return {
            "wrapped_run_id": run["id"],
            "task_name": task,
            "job_id": job_id,
            "status": "pending",
            "idempotency_key": idem,
        }

    def _cursor(self, conn):
        from psycopg.rows import dict_row

        return conn.cursor(row_factory=dict_row)

    # -- endpoints ----------------------------------------------------------------------------
    def retry_run(self, body, run_id):
        body = as_dict(body)
        include_wh = flag(body, "include_watch_history", True)
        include_analysis = flag(body, "include_analysis", True)
        stage = "watch_history" if include_wh else ("wrapped_analysis" if include_analysis else "email_send")
        with self.db() as conn, conn.transaction(), self._cursor(conn) as cur:
            run = self._load_run(cur, run_id)
            answer = self.enqueue(
                cur,
                run,
                stage,
                force_new=flag(body, "force_new_jobs", True),
                reset_payload=flag(body, "reset_payload", True),
            )
        return 200, answer

    def retry_stage(self, body, run_id, endpoint):
        stage = ENDPOINT_STAGES[endpoint]
        with self.db() as conn, conn.transaction(), self._cursor(conn) as cur:
            run = self._load_run(cur, run_id)
            answer = self.enqueue(cur, run, stage, force_new=False)
        return 200, answer

    def _bulk(self, body, where: str, params: list, *, extra=None, stage_for=None):
        body = as_dict(body)
        try:
            limit = int(body.get("limit", 50))
        except (TypeError, ValueError) as exc:
            raise HttpError(422, [{"loc": ["body", "limit"], "msg": "value is not a valid integer"}]) from exc
        if limit < 1:
            raise HttpError(422, [{"loc": ["body", "limit"], "msg": "ensure this value is greater than 0"}])
        dry_run = flag(body, "dry_run", False)
        reset_payload = flag(body, "reset_payload", True)
        explicit = {
            stage: body.get(key)
            for stage, key in (
                ("watch_history", "include_watch_history"),
                ("wrapped_analysis", "include_analysis"),
                ("email_send", "include_email"),
            )
            if body.get(key) is not None
        }
        results, enqueued = [], 0
        with self.db() as conn, conn.transaction(), self._cursor(conn) as cur:
            cur.execute(f"SELECT count(*) AS n FROM app_wrapped_runs WHERE {where}", params)
            matched = cur.fetchone()["n"]
            cur.execute(
                "SELECT id, app_user_id, sec_user_id, status, payload, watch_history_job_id, updated_at "
                f"FROM app_wrapped_runs WHERE {where} ORDER BY updated_at DESC, id LIMIT %s"
                + ("" if dry_run else " FOR UPDATE"),
                [*params, limit],
            )
            runs = cur.fetchall()
            for run in runs:
                if explicit:
                    stage = next((s for s in STAGE_ORDER if explicit.get(s)), None)
                else:
                    stage = stage_for(run) if stage_for else self._failed_stage(run)
                item = {
                    "wrapped_run_id": run["id"],
                    "app_user_id": run["app_user_id"],
                    "sec_user_id": run["sec_user_id"],
                    "action": f"retry_{stage}" if stage else None,
                    "enqueued_task": None,
                    "job_id": None,
                    "idempotency_key": None,
                    "skipped_reason": None,
                }
                if extra:
                    item.update(extra(run))
                job = self._stage_job(cur, run, stage) if stage else None
                if stage is None:
                    item["skipped_reason"] = "no_failed_stage"
                elif job is not None and job["status"] in ("pending", "running"):
                    item["skipped_reason"] = f"job_already_{job['status']}"
                elif dry_run:
                    item["enqueued_task"] = STAGE_TASKS[stage]
                    enqueued += 1
                else:
                    answer = self.enqueue(
                        cur, run, stage, force_new=True, reset_payload=reset_payload and stage == "watch_history"
                    )
                    item.update(
                        enqueued_task=answer["task_name"],
                        job_id=answer["job_id"],
                        idempotency_key=answer["idempotency_key"],
                    )
                    enqueued += 1
                results.append(item)
        return 200, {
            "matched": matched,
            "processed": len(runs),
            "enqueued": enqueued,
            "dry_run": dry_run,
            "results": results,
        }

    def retry_failed(self, body):
        return self._bulk(body, "status = 'failed'", [])

    def retry_zero_videos(self, body):
        body = as_dict(body)
        statuses = body.get("run_status") or ["ready"]
        if not isinstance(statuses, list):
            statuses = [statuses]
        where = (
            "status = ANY(%s) AND json_typeof(payload) = 'object' "
            "AND json_typeof(payload -> 'total_videos') = 'number' AND (payload ->> 'total_videos')::numeric = 0"
        )
        if not flag(body, "include_admin_test", False):
            where += " AND coalesce(payload ->> 'admin_test', 'false') <> 'true'"

        def extra(run):
            payload = as_dict(run.get("payload"))
            return {
                "total_videos": payload.get("total_videos"),
                "watch_history_progress": payload.get("_watch_history_progress"),
            }

        return self._bulk(body, where, [[str(s) for s in statuses]], extra=extra, stage_for=lambda run: "watch_history")

    def run_status(self, body, run_id):
        with self.db() as conn, self._cursor(conn) as cur:
            run = self._load_run(cur, run_id, lock=False)
            payload = as_dict(run.get("payload"))
            job_ids = [j for j in (self._stage_job_id(run, s) for s in STAGE_ORDER) if j]
            cur.execute(
                "SELECT id, task_name, status, attempts, max_attempts, not_before, idempotency_key, updated_at "
                "FROM app_jobs WHERE id = ANY(%s) OR idempotency_key LIKE ANY(%s) ORDER BY created_at",
                [job_ids, [f"{t}:{run_id}:%" for t in STAGE_TASKS.values()]],
            )
            jobs = cur.fetchall()
        warnings = payload.get("_analysis_warnings")
        return 200, {
            "wrapped_run_id": run["id"],
            "run_status": run["status"],
            "jobs": jobs,
            "data_jobs": payload.get("data_jobs"),
            "watch_history_progress": payload.get("_watch_history_progress"),
            "analysis_warnings": warnings if isinstance(warnings, list) else [],
        }

    def metrics(self, body):
        with self.db() as conn, self._cursor(conn) as cur:
            cur.execute("SELECT status, count(*) AS n FROM app_wrapped_runs GROUP BY status")
            runs = {r["status"]: r["n"] for r in cur.fetchall()}
            cur.execute("SELECT task_name, status, count(*) AS n FROM app_jobs GROUP BY task_name, status")
            jobs: dict[str, dict[str, int]] = {}
            for r in cur.fetchall():
                jobs.setdefault(r["task_name"], {})[r["status"]] = r["n"]
        return 200, {"runs_by_status": runs, "jobs_by_task_and_status": jobs, "admin_requests": len(self.requests)}


FAKE = WrappedFake
