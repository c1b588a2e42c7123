"""The Posters console's pages in the benchmark (discovered by benchmarks/harness.py through
PostersConfig.bench); their stock baselines are in benchmarks/stock_admin.py."""

from urllib.parse import urlencode

from backoffice.bench_pages import BenchPage

JOBS = "/admin/posters/batchjob/"
STOCK_JOBS = "/stock-admin/posters/batchjob/"
POSTERS = "/admin/posters/generatedposter/"
STOCK_POSTERS = "/stock-admin/posters/generatedposter/"


def q(base: str, **params) -> str:
    return f"{base}?{urlencode(params)}"


PAGES = (
    BenchPage("batch jobs list", "posters", lambda s: JOBS, lambda s: STOCK_JOBS, model_admin="posters.BatchJob"),
    BenchPage(
        "batch jobs: status=failed",
        "posters",
        lambda s: q(JOBS, status__exact="failed"),
        lambda s: q(STOCK_JOBS, status__exact="failed"),
        needs=("bo_batch_jobs_status_created_at",),
        model_admin="posters.BatchJob",
    ),
    BenchPage(
        "batch jobs: model=pro, last 7 days",
        "posters",
        lambda s: q(JOBS, model="pro", created_at_from=s["week_ago"]),
        lambda s: q(STOCK_JOBS, model="pro", created_at__gte=s["week_ago"] + " 00:00:00+00:00"),
        model_admin="posters.BatchJob",
    ),
    BenchPage(
        "batch jobs search: job_id",
        "posters",
        lambda s: q(JOBS, q=s["job_id"]),
        lambda s: q(STOCK_JOBS, q=s["job_id"]),
        kind="search",
    ),
    BenchPage(
        "batch detail (largest job)",
        "posters",
        lambda s: f"{JOBS}{s['big_job']}/change/",
        lambda s: f"{STOCK_JOBS}{s['big_job']}/change/",
        kind="detail",
    ),
    BenchPage(
        "posters list",
        "posters",
        lambda s: POSTERS,
        lambda s: STOCK_POSTERS,
        needs=("bo_generated_posters_created_at_id",),
        model_admin="posters.GeneratedPoster",
    ),
    BenchPage(
        "posters: metadata.user_id missing",
        "posters",
        lambda s: q(POSTERS, has_user_id="no"),
        needs=("bo_generated_posters_created_at_id",),
        model_admin="posters.GeneratedPoster",
    ),
    BenchPage(
        "posters search: username",
        "posters",
        lambda s: q(POSTERS, q=s["username"]),
        lambda s: q(STOCK_POSTERS, q=s["username"]),
        kind="search",
    ),
)


def samples(conn) -> dict:
    """A batch with the most posters, one poster's username, and a date a week back."""
    job_pk, job_id = conn.execute(
        "SELECT b.id, b.job_id FROM batch_jobs b ORDER BY b.total_items DESC NULLS LAST, b.created_at DESC LIMIT 1"
    ).fetchone()
    username = conn.execute(
        "SELECT username FROM generated_posters WHERE job_id = %s AND username IS NOT NULL LIMIT 1", [job_id]
    ).fetchone()
    week_ago = conn.execute("SELECT (now() - interval '7 days')::date").fetchone()[0]
    return {
        "big_job": str(job_pk),
        "job_id": job_id,
        "username": username[0] if username else "",
        "week_ago": week_ago.isoformat(),
    }
