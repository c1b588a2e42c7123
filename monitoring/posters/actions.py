"""Posters actions (seed 001): "save posters" of a completed batch job through the poster service.

Rows are BatchJob-like objects: only `job_id` and `status` are read.
Wiring (monitoring/posters/admin.py):
    class BatchJobAdmin(SourceActionsMixin, SourceModelAdmin):
        actions = [save_posters]
"""

from __future__ import annotations

from urllib.parse import quote

from backoffice.actions import CallContext, PlannedCall, RowResult, SourceAction

SOURCE = "posters"
MAX_NAMES = 30


def posters_for_save_path(job_id: str) -> str:
    return f"/api/batch/jobs/{quote(str(job_id), safe='')}/posters-for-save"


SAVE_PATH = "/api/save-bulk-posters"


def _posters(data) -> list[dict] | None:
    """The seed documents a list of {username, posterUrl, userId}; accept {"posters": [...]} too."""
    if isinstance(data, dict):
        data = data.get("posters")
    if not isinstance(data, list):
        return None
    return [p for p in data if isinstance(p, dict)]


def _has_user_id(poster: dict) -> bool:
    value = poster.get("userId", poster.get("user_id"))
    return value not in (None, "", 0)


def _names(posters: list[dict]) -> str:
    names = [str(p.get("username") or p.get("user_identifier") or "?") for p in posters]
    shown = ", ".join(names[:MAX_NAMES])
    return shown + (f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else "")


class SavePosters(SourceAction):
    source = SOURCE
    name = "save_posters"
    description = "Save posters (completed jobs)"
    target_type = "batch job"
    confirm_intro = (
        "For each completed job: read its posters from the poster service, then save those that have a "
        "user id. Posters without a user id are not saved and are listed by username afterwards."
    )

    def row_key(self, row) -> str:
        return str(row.job_id)

    def row_label(self, row) -> str:
        return f"{row.job_id} ({row.status})"

    def skip_reason(self, row) -> str | None:
        status = str(getattr(row, "status", "") or "")
        if status != "completed":
            return f"the job is {status or 'of unknown status'}, not completed"
        return None

    def plan(self, row) -> list[PlannedCall]:
        return [
            PlannedCall("GET", posters_for_save_path(row.job_id), note="reads the job's completed posters"),
            PlannedCall(
                "POST",
                SAVE_PATH,
                {"job_id": str(row.job_id), "posters": "[the posters above that have a userId]"},
                note="only when at least one poster has a userId",
            ),
        ]

    def execute(self, ctx: CallContext, row) -> RowResult:
        key = self.row_key(row)
        read = ctx.call(row, "GET", posters_for_save_path(row.job_id))
        if not read.ok:
            return RowResult(key, False, f"reading the posters failed: {read.describe()}")
        posters = _posters(read.data)
        if posters is None:
            return RowResult(key, False, "the poster service answered posters-for-save with an unexpected shape")
        with_id = [p for p in posters if _has_user_id(p)]
        without = [p for p in posters if not _has_user_id(p)]
        missing_note = (
            f"{len(without)} poster(s) lack a user_id and were not saved: {_names(without)}" if without else ""
        )
        if not with_id:
            ctx.note_on_last_record(f"nothing to save; {missing_note}")
            return RowResult(
                key, False, f"nothing to save: none of the {len(posters)} poster(s) has a user_id", [missing_note]
            )
        body = {
            "job_id": str(row.job_id),
            "posters": [
                {"username": p.get("username"), "posterUrl": p.get("posterUrl"), "userId": p.get("userId")}
                for p in with_id
            ],
        }
        message = f"saving {len(with_id)} poster(s)" + (f"; {missing_note}" if missing_note else "")
        save = ctx.call(row, "POST", SAVE_PATH, body, audit_message=message)
        if not save.ok:
            rec_note = [missing_note] if missing_note else []
            return RowResult(key, False, f"saving failed: {save.describe()}", rec_note)
        return RowResult(key, True, notes=[missing_note] if missing_note else [])


save_posters = SavePosters().as_admin_action()
POSTER_ACTIONS = [save_posters]
