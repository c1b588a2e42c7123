"""The Wrapped console's pages in the benchmark (discovered by benchmarks/harness.py through WrappedConfig.bench)."""

from urllib.parse import urlencode

from backoffice.bench_pages import BenchPage

RUNS = "/admin/wrapped/wrappedrun/"
STOCK_RUNS = "/stock-admin/wrapped/wrappedrun/"
FIND = "/admin/wrapped/find-person/"


def q(base: str, **params) -> str:
    return f"{base}?{urlencode(params)}"


def searching(base: str, key: str):
    """A URL builder: `base` searched for the sample identifier `key`."""
    return lambda samples: q(base, q=samples[key])


ORDERED = ("bo_runs_updated_at_id",)
IDENTIFIERS = [
    ("email (mixed case)", "email_mixed"),
    ("sec_user_id", "sec_user_id"),
    ("device_id", "device_id"),
    ("app_user_id", "app_user_id"),
    ("run id", "run_id"),
]

PAGES = (
    BenchPage(
        "runs list", "wrapped", lambda s: RUNS, lambda s: STOCK_RUNS, needs=ORDERED, model_admin="wrapped.WrappedRun"
    ),
    BenchPage(
        "runs: status=failed",
        "wrapped",
        lambda s: q(RUNS, status__exact="failed"),
        lambda s: q(STOCK_RUNS, status__exact="failed"),
        needs=("bo_runs_status_updated_at",),
        model_admin="wrapped.WrappedRun",
    ),
    BenchPage("runs: stage=analysis", "wrapped", lambda s: q(RUNS, stage="analysis"), needs=("bo_runs_stage",)),
    BenchPage("runs: has warnings", "wrapped", lambda s: q(RUNS, warnings="yes"), needs=("bo_runs_warnings",)),
    BenchPage(
        "run detail (5 MB payload)",
        "wrapped",
        lambda s: f"{RUNS}{s['big_run']}/change/",
        lambda s: f"{STOCK_RUNS}{s['big_run']}/change/",
        kind="detail",
    ),
    *(
        BenchPage(f"runs search: {label}", "wrapped", searching(RUNS, key), searching(STOCK_RUNS, key), kind="search")
        for label, key in IDENTIFIERS
    ),
    *(
        BenchPage(f"find a person: {label}", "wrapped", searching(FIND, key), searching(STOCK_RUNS, key), kind="search")
        for label, key in IDENTIFIERS
    ),
    BenchPage(
        "queue view",
        "wrapped",
        lambda s: "/admin/wrapped/appjob/",
        lambda s: q("/stock-admin/wrapped/appjob/", status__exact="pending"),
        needs=("bo_jobs_status_task", "bo_jobs_updated_at_id"),
        model_admin="wrapped.AppJob",
    ),
    BenchPage(
        "queue: status=succeeded",
        "wrapped",
        lambda s: q("/admin/wrapped/appjob/", status__exact="succeeded"),
        lambda s: q("/stock-admin/wrapped/appjob/", status__exact="succeeded"),
        needs=("bo_jobs_status_updated_at",),
        model_admin="wrapped.AppJob",
    ),
    BenchPage(
        "queue: task=reauth_notify",
        "wrapped",
        lambda s: q("/admin/wrapped/appjob/", task_name__exact="reauth_notify"),
        lambda s: q("/stock-admin/wrapped/appjob/", task_name__exact="reauth_notify"),
        needs=("bo_jobs_task_updated_at",),
        model_admin="wrapped.AppJob",
    ),
    *(
        BenchPage(
            f"{name} list",
            "wrapped",
            lambda s, m=model: f"/admin/wrapped/{m}/",
            None,  # the stock admin does not register it
            needs=(index,),
            model_admin=f"wrapped.{model}",
        )
        for name, model, index in (
            ("user emails", "appuseremail", "bo_user_emails_created_at_id"),
            ("sessions", "appsession", "bo_sessions_issued_at_id"),
            ("referral events", "referralevent", "bo_referral_events_created_at_id"),
        )
    ),
    BenchPage(
        "auth / linking view",
        "wrapped",
        lambda s: "/admin/wrapped/deviceemail/",
        lambda s: "/stock-admin/wrapped/deviceemail/",
        needs=("bo_device_emails_updated_at",),
        model_admin="wrapped.DeviceEmail",
    ),
    BenchPage(
        "users list",
        "wrapped",
        lambda s: "/admin/wrapped/appuser/",
        lambda s: "/stock-admin/wrapped/appuser/",
        needs=("bo_users_created_at",),
        model_admin="wrapped.AppUser",
    ),
    BenchPage(
        "live-runs poll",
        "wrapped",
        lambda s: q(RUNS + "live/", since=s["poll_since"], seen="1"),
        lambda s: q(STOCK_RUNS, updated_at__gte=s["poll_since"]),
        kind="poll",
        needs=ORDERED,
    ),
)


def samples(conn) -> dict:
    """Identifiers of one real person in the bench data, plus a 5 MB run (through the seeding path)."""
    row = conn.execute(
        """
        SELECT r.id, r.app_user_id, r.sec_user_id, e.email, a.device_id
          FROM app_wrapped_runs r
          JOIN app_user_emails e ON e.app_user_id = r.app_user_id
          JOIN app_auth_jobs a ON a.app_user_id = r.app_user_id AND a.device_id IS NOT NULL
         WHERE r.sec_user_id IS NOT NULL
         LIMIT 1
        """
    ).fetchone()
    big = conn.execute(
        "SELECT id FROM app_wrapped_runs WHERE updated_at > (now() AT TIME ZONE 'utc') - interval '2 days' "
        "ORDER BY pg_column_size(payload) DESC LIMIT 1"
    ).fetchone()
    run_id, user_id, sec_user_id, email, device_id = row
    return {
        "run_id": run_id,
        "app_user_id": user_id,
        "sec_user_id": sec_user_id,
        "email_mixed": email.title(),  # Maria.Smith@Example.Com: stored lower-case
        "device_id": device_id,
        "big_run": big[0],
    }
