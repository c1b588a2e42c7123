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

# The catalogue (benchmarks/catalogue.py) already covers every list, filter, search, detail and
# history page of the registry and the admins' own URLs that need no parameters; these are the
# pages it cannot derive: the heaviest detail, the person search of the runs list and of Find a
# person, the live-runs poll and the comparison of two runs.
PAGES = (
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
        "live-runs poll",
        "wrapped",
        lambda s: q(RUNS + "live/", since=s["poll_since"], seen="1"),
        lambda s: q(STOCK_RUNS, updated_at__gte=s["poll_since"]),
        kind="poll",
        needs=ORDERED,
    ),
    BenchPage(
        "compare two runs (5 MB payload)",
        "wrapped",
        lambda s: q(RUNS + "compare/", a=s["big_run"], b=s["run_id"]),
        kind="detail",
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
    if row is None or big is None:
        return {}  # no person in the data: the pages above are left out
    run_id, user_id, sec_user_id, email, device_id = row
    return {
        "run_id": run_id,
        "app_user_id": user_id,
        "sec_user_id": sec_user_id,
        "email_mixed": email.title(),  # Maria.Smith@Example.Com: stored lower-case
        "device_id": device_id,
        "big_run": big[0],
    }
