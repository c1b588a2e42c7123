"""The SQL of the Wrapped run rules, stated once and rendered two ways.

- For showing a row: json_to_record parses the payload ONCE and picks out the three top-level
  keys the list needs (every `json` operator re-parses the whole text, ~50 ms for a 5 MB payload).
- For filtering: plain `->`/`#>>` operators on the column, immutable expressions that an
  expression index can serve (RECOMMENDED_INDEXES), so a filtered page reads no payload at all
  once the index exists.

Both forms come in a `json` and a `jsonb` flavour: the service's migrations may turn the column
into jsonb, and json_typeof(jsonb) does not exist. `json_kind()` reads the column's real type
from the catalog once per process and database.

`#>>` on a missing key, or through a scalar or array, answers NULL: odd payloads never error.
A `json` value holding the escape \\u0000 does error ("unsupported Unicode escape sequence") in
every operator that de-escapes strings, which is all of them, wherever the escape sits. So the
`json` flavour reads such a value with the escape replaced by \\ufffd, only when there is one
(nul_safe: one strpos per row, ~9 µs for a 10 KB payload). jsonb cannot hold \\u0000 at all.
"""

from __future__ import annotations

import threading

from django.db import connections

from backoffice.middleware import schema_changed

JSON, JSONB = "json", "jsonb"

# (stage code, data_jobs key that must have succeeded to get past it), in the seed's order.
STAGE_RULE = (("watch_history", "watch_history"), ("analysis", "wrapped_analysis"), ("email", "email_send"))

_kinds: dict[tuple[str, str, str, str], str] = {}
_kinds_lock = threading.Lock()
KIND_SQL = """
SELECT t.typname
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
 WHERE a.attrelid = to_regclass(%s) AND a.attname = %s AND a.attnum > 0 AND NOT a.attisdropped
"""


def json_kind(table: str = "app_wrapped_runs", column_name: str = "payload", alias: str = "wrapped") -> str:
    """ "json" or "jsonb": the column's real type, read from the catalog once per process and database.

    Keyed by database name so a retargeted alias (tests, failover to another server) asks again.
    A missing column answers "json": the query then fails on the column itself, which the error
    page explains, rather than on a function name.
    """
    connection = connections[alias]
    key = (alias, str(connection.settings_dict.get("NAME")), table, column_name)
    kind = _kinds.get(key)
    if kind is None:
        with connection.cursor() as cursor:
            cursor.execute(KIND_SQL, [table, column_name])
            row = cursor.fetchone()
        kind = JSONB if row and row[0] == JSONB else JSON
        with _kinds_lock:
            _kinds[key] = kind
    return kind


def forget_json_kinds(sender=None, **kwargs) -> None:
    """Drop what json_kind() learned: the column's type changed under a running process."""
    if sender in (None, "wrapped"):
        with _kinds_lock:
            _kinds.clear()


# The page that met the change explains it; the next request reads the type again.
schema_changed.connect(forget_json_kinds, dispatch_uid="wrapped-json-kinds")


def nul_safe(render, value: str, kind: str = JSON) -> str:
    """render(value), made to survive a \\u0000 escape in a json value (see the module docstring).

    One strpos per row decides; only a value that holds the escape is rewritten. The check sits
    at the top, not at each reference to the value: every reference reads the (TOASTed) value
    again, so a per-reference check costs a fetch and a scan each.
    """
    if kind == JSONB:
        return render(value)
    fixed = f"replace({value}::text, '\\u0000', '\\ufffd')::json"
    return f"(CASE WHEN strpos({value}::text, '\\u0000') > 0 THEN {render(fixed)} ELSE {render(value)} END)"


def _stage_case(status: str, job_status) -> str:
    whens = "\n".join(
        f"    WHEN COALESCE({job_status(key)}, '') <> 'succeeded' THEN '{stage}'" for stage, key in STAGE_RULE
    )
    return f"(CASE WHEN {status} = 'ready' THEN 'ready'\n{whens}\n    ELSE 'unknown' END)"


def _has_warnings(warnings_json: str, warnings_text: str, kind: str) -> str:
    # An array with items, a non-empty string or an object: the worker's `_analysis_warnings`.
    return (
        f"(CASE {kind}_typeof({warnings_json}) WHEN 'array' THEN {kind}_array_length({warnings_json}) > 0"
        f" WHEN 'string' THEN {warnings_text} <> '' WHEN 'object' THEN true ELSE false END)"
    )


def column(table: str | None, name: str) -> str:
    return f'"{table}".{name}' if table else name


# -- filter forms (indexable) -----------------------------------------------------------------------
def stage_filter_sql(table: str | None = "app_wrapped_runs", kind: str = JSON) -> str:
    def render(payload: str) -> str:
        return _stage_case(column(table, "status"), lambda key: f"({payload} #>> '{{data_jobs,{key},status}}')")

    return nul_safe(render, column(table, "payload"), kind)


def email_status_sql(table: str | None = "app_wrapped_runs", kind: str = JSON) -> str:
    """payload.data_jobs.email_send.status as text (NULL when missing or oddly shaped)."""

    def render(payload: str) -> str:
        return f"({payload} #>> '{{data_jobs,email_send,status}}')"

    return nul_safe(render, column(table, "payload"), kind)


def has_warnings_filter_sql(table: str | None = "app_wrapped_runs", kind: str = JSON) -> str:
    def render(payload: str) -> str:
        return _has_warnings(f"({payload} -> '_analysis_warnings')", f"({payload} ->> '_analysis_warnings')", kind)

    return nul_safe(render, column(table, "payload"), kind)


class IndexExpression(str):
    """Index columns over the payload: the json form as text, and `for_columns` renders the form
    for the table's real payload type (a health check suggests an index the table can take)."""

    def __new__(cls, render):
        text = super().__new__(cls, render(JSON))
        text.render = render
        return text

    def for_columns(self, columns: dict) -> str:
        payload = columns.get("payload")
        return self.render(JSONB) if getattr(payload, "typname", None) == JSONB else str(self)


def indexable(render) -> IndexExpression:
    return IndexExpression(render)


# -- display form (one parse per row) -----------------------------------------------------------------
PROGRESS_KEYS = ("completed_data_jobs", "videos_fetched_total", "has_more", "cursor_ms")
# A list row needs four numbers from the payload; for a multi-MB payload (an `_analysis_debug`
# dump) that costs ~50 ms a row, so the list shows only its stage and says why (the detail page
# shows everything). pg_column_size reads the stored size without detoasting.
HUGE_PAYLOAD_BYTES = 512 * 1024


def digest_sql(table: str = "app_wrapped_runs", kind: str = JSON) -> str:
    """{stage, warnings, <progress keys>} as one json value, parsing the payload once."""
    raw, status = column(table, "payload"), column(table, "status")
    stage = _stage_case(status, lambda key: f"(x.data_jobs #>> '{{{key},status}}')")
    warnings = (
        f"(CASE {kind}_typeof(x._analysis_warnings) WHEN 'array' THEN {kind}_array_length(x._analysis_warnings)"
        " WHEN 'string' THEN CASE WHEN x._analysis_warnings #>> '{}' = '' THEN 0 ELSE 1 END"
        " WHEN 'object' THEN 1 ELSE 0 END)"
    )
    progress = ", ".join(f"'{key}', x._watch_history_progress #>> '{{{key}}}'" for key in PROGRESS_KEYS)

    def full(payload: str) -> str:
        record = (
            f"{kind}_to_record(CASE WHEN {kind}_typeof({payload}) = 'object' THEN {payload} ELSE '{{}}'::{kind} END)"
            f" AS x(data_jobs {kind}, _watch_history_progress {kind}, _analysis_warnings {kind})"
        )
        fields = f"'stage', {stage}, 'warnings', {warnings}, 'email', x.data_jobs #>> '{{email_send,status}}'"
        return f"(SELECT json_build_object({fields}, {progress}) FROM {record})"

    return (
        f"(CASE WHEN pg_column_size({raw}) > {HUGE_PAYLOAD_BYTES} THEN json_build_object("
        f"'stage', {stage_filter_sql(table, kind)}, 'huge_payload', pg_column_size({raw})) "
        f"ELSE {nul_safe(full, raw, kind)} END)"
    )


def job_key_sql(*keys: str, kind: str = JSON) -> str:
    """The first present of these top-level keys of `"app_jobs".payload`, as text, whatever it holds."""
    for key in keys:
        if not key.replace("_", "").isalnum():
            raise ValueError(f"not a plain key: {key!r}")  # keys are written into the SQL

    def render(payload: str) -> str:
        reads = ", ".join(f"({payload} ->> '{key}')" for key in keys)
        return f"COALESCE({reads})"

    return nul_safe(render, column("app_jobs", "payload"), kind)
