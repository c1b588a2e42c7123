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

    # A huge payload's stage: a ready run's is its status, decided before the payload is touched
    # (nul_safe's strpos alone would detoast megabytes); only a run still in progress reads it.
    huge_stage = f"(CASE WHEN {status} = 'ready' THEN 'ready' ELSE {stage_filter_sql(table, kind)} END)"
    return (
        f"(CASE WHEN pg_column_size({raw}) > {HUGE_PAYLOAD_BYTES} THEN json_build_object("
        f"'stage', {huge_stage}, 'huge_payload', pg_column_size({raw})) "
        f"ELSE {nul_safe(full, raw, kind)} END)"
    )


def job_error_sql(keys, kind: str = JSON) -> str:
    """The first of these top-level keys of `"app_jobs".payload` that holds something (Python's truth:
    not null, "", false, 0, [] or {}), as text cut at 2,000 characters: queries.job_error, in SQL."""
    _keys(keys)

    def read(payload: str, key: str) -> str:
        value, text = f"({payload} -> '{key}')", f"({payload} ->> '{key}')"
        held = (
            f"CASE {kind}_typeof({value}) WHEN 'string' THEN {text} <> '' WHEN 'boolean' THEN {text} = 'true'"
            f" WHEN 'number' THEN {text}::numeric <> 0 WHEN 'array' THEN {kind}_array_length({value}) > 0"
            f" WHEN 'object' THEN EXISTS (SELECT FROM {kind}_object_keys({value})) ELSE false END"
        )
        return f"(CASE WHEN {held} THEN left({text}, 2000) END)"

    def render(payload: str) -> str:
        return f"COALESCE({', '.join(read(payload, key) for key in keys)})"

    return nul_safe(render, column("app_jobs", "payload"), kind)


def job_key_sql(*keys: str, kind: str = JSON) -> str:
    """The first present of these top-level keys of `"app_jobs".payload`, as text, whatever it holds."""
    for key in keys:
        if not key.replace("_", "").isalnum():
            raise ValueError(f"not a plain key: {key!r}")  # keys are written into the SQL

    def render(payload: str) -> str:
        reads = ", ".join(f"({payload} ->> '{key}')" for key in keys)
        return f"COALESCE({reads})"

    return nul_safe(render, column("app_jobs", "payload"), kind)


# -- run detail: what the page shows of a payload, without loading it -----------------------------
# The detail reads a handful of keys; the database picks them out (one parse) and cuts each value
# down, so the row that reaches Python is a few kilobytes whatever the payload's size: a "skeleton"
# with the same shape where it matters (types, missing vs null) and values cut where they are big.
CLIP_BYTES = 4096  # a value up to this size comes whole; a bigger one is cut (clip_sql)
CLIP_CHARS = 1000  # a cut string keeps this many characters
DETAIL_DATA_JOB_KEYS = ("id", "status")
DETAIL_PROGRESS_KEYS = (
    "scrape_error",
    "scrape_error_detail",
    "scrape_truncated",
    "scrape_stop_reason",
    "coverage",
    "videos_fetched_total",
    "completed_data_jobs",
    "cursor_ms",
)
DETAIL_COVERAGE_KEYS = ("extrapolated", "extrapolation_factor", "coverage_months")
DETAIL_WARNINGS_KEPT = 50  # run_warnings shows the first 50
DETAIL_ITEMS_KEPT = 21  # the analysis summary shows 20 items of a list, and "…" past them
DETAIL_ENTRIES_KEPT = 10  # ... and 10 entries of an object


def _keys(keys) -> str:
    for key in keys:
        if not key.replace("_", "").isalnum():
            raise ValueError(f"not a plain key: {key!r}")  # keys are written into the SQL
    return ", ".join(f"'{key}'" for key in keys)


def _leaf_sql(value: str, kind: str) -> str:
    """A value whole when small; a big string cut; any other big value replaced by a short string."""
    return (
        f"(CASE WHEN octet_length({value}::text) <= {CLIP_BYTES} THEN {value}"
        f" WHEN {kind}_typeof({value}) = 'string' THEN to_{kind}(left({value} #>> '{{}}', {CLIP_CHARS}) || '…')"
        f" ELSE to_{kind}('(' || {kind}_typeof({value}) || ', ' || octet_length({value}::text) || ' bytes, cut)') END)"
    )


def clip_sql(value: str, kind: str, items: int = DETAIL_ITEMS_KEPT, entries: int = DETAIL_ENTRIES_KEPT) -> str:
    """`value` whole when small; else a big array keeps its first `items` items, a big object its first
    `entries` entries (and internal_name), each a leaf: the type survives, the size is bounded."""
    first_items = (
        f"(SELECT {kind}_agg({_leaf_sql('i.e', kind)} ORDER BY i.n) FROM {kind}_array_elements({value})"
        f" WITH ORDINALITY AS i(e, n) WHERE i.n <= {items})"
    )
    first_entries = (
        f"(SELECT {kind}_object_agg(o.key, {_leaf_sql('o.value', kind)}) FROM {kind}_each({value})"
        f" WITH ORDINALITY AS o(key, value, n) WHERE o.n <= {entries} OR o.key = 'internal_name')"
    )
    return (
        f"(CASE WHEN octet_length({value}::text) <= {CLIP_BYTES} THEN {value}"
        f" WHEN {kind}_typeof({value}) = 'array' THEN {first_items}"
        f" WHEN {kind}_typeof({value}) = 'object' THEN {first_entries}"
        f" ELSE {_leaf_sql(value, kind)} END)"
    )


def _picked_sql(value: str, keys, kind: str, pick_value) -> str:
    """An object with only `keys` of the object `value` (each through pick_value); else clipped."""
    picked = (
        f"(SELECT {kind}_object_agg(p.key, {pick_value('p.value')}) FROM {kind}_each({value}) AS p(key, value)"
        f" WHERE p.key IN ({_keys(keys)}))"
    )
    return (
        f"(CASE WHEN {kind}_typeof({value}) = 'object' THEN COALESCE({picked}, '{{}}'::{kind})"
        f" ELSE {clip_sql(value, kind)} END)"
    )


def detail_sql(table: str = "app_wrapped_runs", analysis_keys=(), kind: str = JSON) -> str:
    """{size, skeleton}: the payload's size in bytes (as text) and the bounded skeleton the detail reads.

    The skeleton keeps, of an object payload, data_jobs (its stage entries' id and status),
    _watch_history_progress (the keys the warnings read), _analysis_warnings (its first items) and
    the analysis keys, each clipped (clip_sql); a payload that is not an object becomes an empty
    value of its type. Duplicate keys stay duplicate, so the decoder keeps the last, as it would.
    """
    stage_keys = [key for _, key in STAGE_RULE]

    def data_jobs(value: str) -> str:
        return _picked_sql(value, stage_keys, kind, lambda v: _picked_sql(v, DETAIL_DATA_JOB_KEYS, kind, _clip(kind)))

    def progress(value: str) -> str:
        def pick(v: str) -> str:
            coverage = _picked_sql(v, DETAIL_COVERAGE_KEYS, kind, _clip(kind))
            return f"(CASE WHEN p.key = 'coverage' THEN {coverage} ELSE {clip_sql(v, kind)} END)"

        return _picked_sql(value, DETAIL_PROGRESS_KEYS, kind, pick)

    def top(value: str) -> str:
        return (
            "(CASE t.key"
            f" WHEN 'data_jobs' THEN {data_jobs(value)}"
            f" WHEN '_watch_history_progress' THEN {progress(value)}"
            f" WHEN '_analysis_warnings' THEN {clip_sql(value, kind, items=DETAIL_WARNINGS_KEPT)}"
            f" ELSE {clip_sql(value, kind)} END)"
        )

    wanted = ("data_jobs", "_watch_history_progress", "_analysis_warnings", *analysis_keys)

    def render(payload: str) -> str:
        skeleton = (
            f"(CASE {kind}_typeof({payload})"
            f" WHEN 'object' THEN COALESCE((SELECT {kind}_object_agg(t.key, {top('t.value')})"
            f" FROM {kind}_each({payload}) AS t(key, value) WHERE t.key IN ({_keys(wanted)})), '{{}}'::{kind})"
            f" WHEN 'array' THEN '[]'::{kind} WHEN 'string' THEN to_{kind}(''::text)"
            f" ELSE {payload} END)"
        )
        return skeleton

    raw = column(table, "payload")
    return f"json_build_object('size', octet_length({raw}::text), 'skeleton', {nul_safe(render, raw, kind)})"


def _clip(kind: str):
    return lambda value: clip_sql(value, kind)
