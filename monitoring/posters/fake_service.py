"""The Posters service's admin API, faked for the demo and the tests (backoffice.demo.fake_server)."""

from __future__ import annotations

from backoffice.demo.fake_server import FakeService, HttpError, as_dict


class PostersFake(FakeService):
    routes = [
        ("GET", r"/api/batch/jobs/([^/]+)/posters-for-save", "posters_for_save"),
        ("POST", r"/api/save-bulk-posters", "save_bulk_posters"),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved: list[dict] = []

    def posters_for_save(self, body, job_id):
        from psycopg.rows import dict_row

        with self.db() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute("SELECT 1 FROM batch_jobs WHERE job_id = %s", [job_id])
            if cur.fetchone() is None:
                raise HttpError(404, "job not found")
            cur.execute(
                "SELECT username, poster_url, metadata ->> 'user_id' AS user_id FROM generated_posters "
                "WHERE job_id = %s AND status = 'completed' ORDER BY created_at, id",
                [job_id],
            )
            rows = cur.fetchall()
        return 200, [
            {"username": r["username"], "posterUrl": r["poster_url"], "userId": _user_id(r["user_id"])} for r in rows
        ]

    def save_bulk_posters(self, body):
        posters = as_dict(body).get("posters")
        if not isinstance(posters, list):
            raise HttpError(422, [{"loc": ["body", "posters"], "msg": "field required"}])
        results, saved = [], 0
        for poster in posters:
            poster = as_dict(poster)
            if poster.get("userId") in (None, "") or not poster.get("posterUrl"):
                results.append(
                    {"username": poster.get("username"), "status": "error", "error": "userId and posterUrl required"}
                )
                continue
            saved += 1
            results.append({"username": poster.get("username"), "userId": poster.get("userId"), "status": "saved"})
        with self._lock:
            self.saved.extend(p for p in posters if isinstance(p, dict))
        return 200, {"success": True, "saved": saved, "failed": len(posters) - saved, "results": results}


def _user_id(value):
    if value is None:
        return None
    return int(value) if str(value).isdigit() else value


FAKE = PostersFake
