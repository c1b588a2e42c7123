"""Links to a source's worker logs, from the optional `<S>_LOG_URL_TEMPLATE` setting.

    log_url("wrapped", run_id="r1", job_id="j/2")
    -> "https://logs.example.com/search?q=run_id:r1 OR job_id:j%2F2"

The back office reads no log store: it only builds the search link. Values are URL-quoted; a
placeholder without a value is left empty; no template, or no value at all, gives no link.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings


def log_url(alias: str, **ids) -> str | None:
    template = getattr(settings, "LOG_URL_TEMPLATES", {}).get(alias)
    values = {k: "" if v in (None, "") else quote(str(v), safe="") for k, v in ids.items()}
    if not template or not any(values.values()):
        return None
    return template.format_map({name: values.get(name, "") for name in settings.LOG_URL_PLACEHOLDERS})


def _run_ids(run) -> list[tuple[str, dict]]:
    return [("worker logs", {"run_id": run.pk, "job_id": getattr(run, "watch_history_job_id", None)})]


def _job_ids(job) -> list[tuple[str, dict]]:
    payload = job.payload if isinstance(getattr(job, "payload", None), dict) else {}
    return [("worker logs", {"job_id": job.pk, "run_id": payload.get("wrapped_run_id")})]


# Which ids a detail page passes to its source's template, by model ("app_label.model_name").
# An admin may declare its own with a `log_ids(obj)` method.
LOG_IDS = {"wrapped.wrappedrun": _run_ids, "wrapped.appjob": _job_ids}


def log_links(model_admin, obj) -> list[dict]:
    """[{"label", "url"}] for the detail page of `obj` (empty when no template is configured)."""
    opts = model_admin.opts
    if opts.app_label not in getattr(settings, "LOG_URL_TEMPLATES", {}):
        return []
    ids_of = getattr(model_admin, "log_ids", None) or LOG_IDS.get(opts.label_lower)
    if ids_of is None:
        return []
    links = []
    for label, ids in ids_of(obj):
        url = log_url(opts.app_label, **ids)
        if url:
            links.append({"label": label, "url": url})
    return links
