"""The Posters console's pages in the benchmark (discovered by benchmarks/harness.py through
PostersConfig.bench).

The catalogue (benchmarks/catalogue.py) already covers every list, filter choice, identifier
search, detail and history page of the registry, with the stock and tuned baselines it generates
(benchmarks/stock_admin.py); these are the pages only the data can name: the largest batch's
detail and two filters combined over the last week.
"""

from urllib.parse import urlencode

from backoffice.bench_pages import BenchPage

JOBS = "/admin/posters/batchjob/"
STOCK_JOBS = "/stock-admin/posters/batchjob/"
TUNED_JOBS = "/tuned-admin/posters/batchjob/"


def q(base: str, **params) -> str:
    return f"{base}?{urlencode(params)}"


PAGES = (
    BenchPage(
        "batch jobs: model=pro, last 7 days",
        "posters",
        lambda s: q(JOBS, model="pro", created_at_from=s["week_ago"]),
        lambda s: q(STOCK_JOBS, model="pro", created_at__gte=s["week_ago"] + " 00:00:00+00:00"),
        tuned=lambda s: q(TUNED_JOBS, model="pro", created_at_from=s["week_ago"]),
        model_admin="posters.BatchJob",
    ),
    BenchPage(
        "batch detail (largest job)",
        "posters",
        lambda s: f"{JOBS}{s['big_job']}/change/",
        lambda s: f"{STOCK_JOBS}{s['big_job']}/change/",
        kind="detail",
    ),
)


def samples(conn) -> dict:
    """The batch with the most posters, and a date a week back."""
    job_pk, job_id = conn.execute(
        "SELECT b.id, b.job_id FROM batch_jobs b ORDER BY b.total_items DESC NULLS LAST, b.created_at DESC LIMIT 1"
    ).fetchone()
    week_ago = conn.execute("SELECT (now() - interval '7 days')::date").fetchone()[0]
    return {"big_job": str(job_pk), "job_id": job_id, "week_ago": week_ago.isoformat()}
