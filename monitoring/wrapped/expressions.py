"""The SQL of the Wrapped run rules, stated once and rendered two ways.

- For showing a row: json_to_record parses the `json` payload ONCE and picks out the three
  top-level keys the list needs (every `json` operator re-parses the whole text, ~50 ms for a
  5 MB payload).
- For filtering: plain `->`/`#>>` operators on the column, immutable expressions that an
  expression index can serve (RECOMMENDED_INDEXES), so a filtered page reads no payload at all
  once the index exists.

`#>>` on a missing key, or through a scalar or array, answers NULL: odd payloads never error.
"""

from __future__ import annotations

# (stage code, data_jobs key that must have succeeded to get past it), in the seed's order.
STAGE_RULE = (("watch_history", "watch_history"), ("analysis", "wrapped_analysis"), ("email", "email_send"))


def _stage_case(status: str, job_status) -> str:
    whens = "\n".join(
        f"    WHEN COALESCE({job_status(key)}, '') <> 'succeeded' THEN '{stage}'" for stage, key in STAGE_RULE
    )
    return f"(CASE WHEN {status} = 'ready' THEN 'ready'\n{whens}\n    ELSE 'unknown' END)"


def _has_warnings(warnings_json: str, warnings_text: str) -> str:
    # An array with items, a non-empty string or an object: the worker's `_analysis_warnings`.
    return (
        f"(CASE json_typeof({warnings_json}) WHEN 'array' THEN json_array_length({warnings_json}) > 0"
        f" WHEN 'string' THEN {warnings_text} <> '' WHEN 'object' THEN true ELSE false END)"
    )


def column(table: str | None, name: str) -> str:
    return f'"{table}".{name}' if table else name


# -- filter forms (indexable) -----------------------------------------------------------------------
def stage_filter_sql(table: str | None = "app_wrapped_runs") -> str:
    payload = column(table, "payload")
    return _stage_case(column(table, "status"), lambda key: f"({payload} #>> '{{data_jobs,{key},status}}')")


def has_warnings_filter_sql(table: str | None = "app_wrapped_runs") -> str:
    payload = column(table, "payload")
    return _has_warnings(f"({payload} -> '_analysis_warnings')", f"({payload} ->> '_analysis_warnings')")


# -- display form (one parse per row) -----------------------------------------------------------------
PROGRESS_KEYS = ("completed_data_jobs", "videos_fetched_total", "has_more", "cursor_ms")
# A list row needs four numbers from the payload; for a multi-MB payload (an `_analysis_debug`
# dump) that costs ~50 ms a row, so the list shows only its stage and says why (the detail page
# shows everything). pg_column_size reads the stored size without detoasting.
HUGE_PAYLOAD_BYTES = 512 * 1024


def digest_sql(table: str = "app_wrapped_runs") -> str:
    """{stage, warnings, <progress keys>} as one json value, parsing the payload once."""
    payload, status = column(table, "payload"), column(table, "status")
    record = (
        f"json_to_record(CASE WHEN json_typeof({payload}) = 'object' THEN {payload} ELSE '{{}}'::json END)"
        " AS x(data_jobs json, _watch_history_progress json, _analysis_warnings json)"
    )
    stage = _stage_case(status, lambda key: f"(x.data_jobs #>> '{{{key},status}}')")
    warnings = (
        "(CASE json_typeof(x._analysis_warnings) WHEN 'array' THEN json_array_length(x._analysis_warnings)"
        " WHEN 'string' THEN CASE WHEN x._analysis_warnings #>> '{}' = '' THEN 0 ELSE 1 END"
        " WHEN 'object' THEN 1 ELSE 0 END)"
    )
    progress = ", ".join(f"'{key}', x._watch_history_progress #>> '{{{key}}}'" for key in PROGRESS_KEYS)
    full = f"(SELECT json_build_object('stage', {stage}, 'warnings', {warnings}, {progress}) FROM {record})"
    return (
        f"(CASE WHEN pg_column_size({payload}) > {HUGE_PAYLOAD_BYTES} THEN json_build_object("
        f"'stage', {stage_filter_sql(table)}, 'huge_payload', pg_column_size({payload})) ELSE {full} END)"
    )
