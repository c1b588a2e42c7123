"""Demo data for the Wrapped source (seed 000 and the service's documented behaviour), generated set-based in SQL.

Everything is INSERT ... SELECT over generate_series: no row goes through Python, so the size is
linear in `scale` (1.0 = ~4,000 runs / ~11,000 jobs; 250 = ~1M runs / ~3M jobs).

Ids that several tables share (user, device, run, job, session ids) are derived from a person or
run number with md5(salt || kind || n)::uuid::text, so every table can compute them without a
join; the salt is fresh for each call. Per-run decisions (stage, job statuses, timestamps) are
made once in a temporary plan table that both the runs and the jobs are built from, so the run
payload's `data_jobs` and the `app_jobs` rows always agree.

Secrets (latest_anchor_token, token_hash, token_encrypted) start with "SECRET-" so tests can
assert that no page ever renders them.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg

logger = logging.getLogger(__name__)

# Share of runs per intended stage (the rest of the ready share is "ready").
FETCHING, ANALYSIS, EMAIL, UNKNOWN = 0.12, 0.08, 0.07, 0.02
ODD_PAYLOADS = 0.03  # runs whose payload has missing keys or values of the wrong type
RECENT_RUNS = 20  # runs updated in the last few minutes (the live dashboard shows them)

FIRST_NAMES = [
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "Lucas",
    "Mia",
    "Mateo",
    "Isabella",
    "Levi",
    "Amelia",
    "Ezra",
    "Harper",
    "Leo",
    "Evelyn",
    "Kai",
    "Luna",
    "Aiden",
    "Camila",
    "Jayden",
    "Gianna",
    "Nova",
    "Aria",
    "Mila",
    "Zoe",
    "Ryan",
    "Chloe",
    "Nathan",
    "Priya",
    "Arjun",
    "Yuki",
    "Hana",
    "Diego",
    "Lucia",
    "Omar",
    "Fatima",
    "Kwame",
    "Ines",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Nguyen",
    "Patel",
    "Kim",
    "Okafor",
]
DOMAINS = [
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "icloud.com",
    "icloud.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "proton.me",
    "me.com",
    "aol.com",
]
TIME_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Australia/Sydney",
    "America/Sao_Paulo",
]
NICHES = [
    "cat videos",
    "gym tok",
    "booktok",
    "cooking hacks",
    "true crime",
    "skincare",
    "football edits",
    "anime edits",
    "day in my life",
    "finance bros",
    "gaming clips",
    "dance trends",
    "car tok",
    "plant parents",
    "travel vlogs",
    "study with me",
    "prank videos",
    "asmr",
    "fashion hauls",
    "conspiracy theories",
    "dog tok",
    "horror stories",
    "life hacks",
    "celebrity gossip",
    "home renovation",
    "coffee tok",
    "mukbang",
    "minecraft builds",
]
PERSONALITIES = [
    "The Midnight Scroller",
    "The Niche Explorer",
    "The Loyal Fan",
    "The Trend Surfer",
    "The Comfort Rewatcher",
    "The Chaos Goblin",
    "The Curious Learner",
    "The Aesthetic Curator",
    "The Lore Detective",
    "The Gym Rat",
]
CAT_NAMES = [
    "Sir Scrollsalot",
    "Captain Loop",
    "Mochi",
    "Professor Purr",
    "Biscuit",
    "Nugget",
    "Doomscroll Dave",
    "Pixel",
    "Miso",
]
KEYWORDS = [
    "delulu",
    "soft launch",
    "main character",
    "lock in",
    "touch grass",
    "era",
    "rizz",
    "aura",
    "slay",
    "unhinged",
]
HEAD = ["beanie", "crown", "headphones", "cowboy_hat", "halo", "bucket_hat", "tiara"]
BODY = ["hoodie", "tuxedo", "gym_tank", "cardigan", "puffer", "jersey", "apron"]
OTHER = ["coffee_cup", "skateboard", "book_stack", "dumbbell", "ring_light", "controller", "plant"]
WH_ERRORS = [
    "HTTPError 429: Too Many Requests from archive",
    "token expired, needs reauth",
    "ArchiveError: archive job expired before export",
    "ReadTimeout: archive read timed out (30s)",
    "ProviderError: watch history export returned 0 pages",
]
ANALYSIS_ERRORS = [
    "LLM JSON parse error: Expecting value: line 1 column 1 (char 0)",
    "openai.RateLimitError: 429 rate limit",
    "ValueError: not enough videos to analyze (0)",
    "TimeoutError: analysis exceeded 300s",
    "KeyError: 'top_niches'",
]
EMAIL_ERRORS = [
    "SMTP 550 5.1.1 mailbox unavailable",
    "resend API 422: invalid `to` address",
    "EmailSuppressed: address is on the suppression list",
    "ConnectionError: email provider unreachable",
]
AUTH_ERRORS = [
    "token expired, needs reauth",
    "token expired, needs reauth",
    "archive job timed out",
    "user denied authorization",
    "provider error: 500 from archive",
    "redirect state mismatch",
]
WARNINGS = [
    "top_niches: fewer than 3 niches, padded with defaults",
    "personality_explanation truncated to 600 chars",
    "scroll_time.rate missing, used fallback",
    "brainrot: enrichment coverage below 40%",
    "niche_journey: month 2025-07 had no videos",
    "accessory_set.other invalid, used default",
    "LLM response needed 1 repair pass",
]
STOP_REASONS = ["reached_start_of_year", "no_more_pages", "max_pages", "time_budget_exhausted"]
USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
]


def _arr(values) -> str:
    """A SQL text-array literal of our own constants (no user input ever reaches here)."""
    quoted = ",".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"(ARRAY[{quoted}]::text[])"


def _pick(values, n: str) -> str:
    """values[n % len] for an integer SQL expression n (deterministic)."""
    return f"{_arr(values)}[1 + (({n})::bigint % {len(values)})]"


def _rand(values) -> str:
    """A random element, evaluated per row."""
    return f"{_arr(values)}[1 + floor(random() * {len(values)})::int]"


def _kv(key: str, json_expr: str, cond: str | None = None) -> str:
    """One `"key": value` member for _obj(); omitted (NULL) when cond is false."""
    member = f"'\"{key}\":' || coalesce(({json_expr})::text, 'null')"
    return f"CASE WHEN {cond} THEN {member} END" if cond else member


def _obj(*members: str) -> str:
    """A JSON object as text assembled from _kv() members (NULL members are left out)."""
    return "('{' || concat_ws(',', " + ", ".join(members) + ") || '}')"


class _Names:
    """SQL expressions for ids and attributes derived from a person / run number."""

    def __init__(self, salt: str):
        self.salt = salt

    def uid(self, kind: str, n: str) -> str:
        return f"md5('{self.salt}:{kind}:' || ({n}))::uuid::text"

    def hexid(self, kind: str, n: str, length: int = 16) -> str:
        return f"substr(md5('{self.salt}:{kind}:' || ({n})), 1, {length})"

    def user_id(self, p: str) -> str:
        return self.uid("user", p)

    def device_id(self, p: str) -> str:
        return f"upper({self.uid('device', p)})"

    def sec_user_id(self, p: str) -> str:
        raw = f"md5('{self.salt}:sec:' || ({p})) || md5('{self.salt}:sec2:' || ({p}))"
        return f"'MS4wLjABAAAA' || rtrim(translate(encode(decode({raw}, 'hex'), 'base64'), '+/', '-_'), '=')"

    def archive_user_id(self, p: str) -> str:
        return f"'68' || lpad((({p})::bigint * 7919 + 104729)::text, 17, '0')"

    def first(self, p: str) -> str:
        return _pick(FIRST_NAMES, p)

    def last(self, p: str) -> str:
        return _pick(LAST_NAMES, f"({p}) / {len(FIRST_NAMES)}")

    def email(self, p: str) -> str:
        """Unique per person (first, last and a number decode p), lower-cased as the service stores it."""
        combos = len(FIRST_NAMES) * len(LAST_NAMES)
        suffix = f"CASE WHEN ({p}) >= {combos} THEN (({p}) / {combos})::text ELSE '' END"
        sep = f"{_arr(['.', '_', '', '.'])}[1 + (({p}) % 4)]"
        return f"lower({self.first(p)} || {sep} || {self.last(p)} || {suffix} || '@' || {_pick(DOMAINS, f'({p}) * 7')})"

    def username(self, p: str) -> str:
        return f"lower({self.first(p)} || {_arr(['_', '.', ''])}[1 + (({p}) % 3)] || {self.last(p)} || (({p}) % 997))"

    def referral_code(self, p: str) -> str:
        return f"upper({self.hexid('ref', p, 12)})"

    def secret(self, kind: str, n: str, length: int = 32) -> str:
        chunks = " || ".join(f"md5('{self.salt}:{kind}{i}:' || ({n}) || random())" for i in range((length + 31) // 32))
        return f"'SECRET-' || substr({chunks}, 1, {length})"


HELPER_TABLES = ("_wr_plan", "_wr_spans", "_wr_journey", "_wr_devices")  # unlogged, dropped at the end


def generate(conn: psycopg.Connection, scale: float = 1.0, big_payloads: int = 2, workers: int = 2) -> dict[str, int]:
    """Fill the empty Wrapped tables; return {table: rows inserted}.

    `workers` connections run independent statements side by side (PostgreSQL runs one statement
    on one core). The shared plan lives in unlogged helper tables that are dropped at the end.
    """
    users = max(5, round(3000 * scale))
    users_with_runs = max(1, users * 9 // 10)
    device_only = max(1, round(450 * scale))
    runs = max(RECENT_RUNS + 5, round(4000 * scale))
    names = _Names(secrets.token_hex(6))
    drop_helpers = f"DROP TABLE IF EXISTS {', '.join(HELPER_TABLES)}"
    conn.execute(drop_helpers)

    def task(builder, *args) -> list[tuple[str, str | None]]:
        statements: list[tuple[str, str | None]] = []
        builder(lambda statement, table=None: statements.append((statement, table)), names, *args)
        return statements

    chunks = 1 if runs < 20_000 else max(2, min(8, runs // 100_000)) * max(1, workers) // 2
    bounds = [(1 + runs * i // chunks, runs * (i + 1) // chunks) for i in range(chunks)]
    try:
        with _Workers(conn, workers) as pool:
            pool.run(
                [
                    task(_plan, runs, users_with_runs) + task(_pools),
                    task(_users, users),
                    task(_devices_and_auth, users, device_only) + task(_other_jobs),
                    task(_sessions, users),
                    task(_referrals, users, users_with_runs, runs),
                ]
            )
            pool.run(
                [*(task(_runs, lo, hi) for lo, hi in bounds)]
                + [task(_stage_jobs, stage, lo, hi) for stage in range(3) for lo, hi in bounds]
            )
            if big_payloads:
                pool.run([task(_big_payloads, big_payloads)])
            return pool.counts
    finally:
        conn.execute(drop_helpers)


class _Workers:
    """A few autocommit connections to the same database, each running whole statement lists."""

    def __init__(self, conn: psycopg.Connection, size: int):
        self.conn = conn
        self.size = max(1, size)
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._connections: list[psycopg.Connection] = []

    def __enter__(self) -> _Workers:
        params = self.conn.info.get_parameters()
        if self.conn.info.password:
            params["password"] = self.conn.info.password
        for _ in range(self.size):
            worker = psycopg.connect(**params, autocommit=True)
            worker.execute("SET synchronous_commit = off")
            worker.execute("SET work_mem = '64MB'")
            self._connections.append(worker)
        return self

    def __exit__(self, *exc) -> None:
        for worker in self._connections:
            worker.close()

    def run(self, tasks: list[list[tuple[str, str | None]]]) -> None:
        """Run the tasks (each a list of statements in order) on the workers; raise the first error."""
        pending = list(tasks)

        def work(worker: psycopg.Connection) -> None:
            while True:
                with self._lock:
                    if not pending:
                        return
                    statements = pending.pop(0)
                for statement, table in statements:
                    started = time.monotonic()
                    rows = worker.execute(statement).rowcount
                    logger.debug("%.2fs %s", time.monotonic() - started, " ".join(statement.split())[:70])
                    if table:
                        with self._lock:
                            self.counts[table] = self.counts.get(table, 0) + max(rows, 0)

        with ThreadPoolExecutor(len(self._connections)) as executor:
            for future in [executor.submit(work, worker) for worker in self._connections]:
                future.result()


def _users(run, n: _Names, users: int) -> None:
    p = "p"
    referrer = f"5 * (1 + (p * 31) % {max(1, users // 5)})"
    run(
        f"""
        INSERT INTO app_users (app_user_id, archive_user_id, latest_anchor_token, latest_sec_user_id,
            platform_username, is_watch_history_available, time_zone, waitlist_opt_in, waitlist_opt_in_at,
            referred_by, weekly_report_unsubscribed, created_at, updated_at)
        SELECT {n.user_id(p)}, {n.archive_user_id(p)}, {n.secret("anchor", p, 48)}, {n.sec_user_id(p)},
            {n.username(p)},
            {_arr(["yes", "yes", "yes", "yes", "unknown", "no"])}[1 + floor(u1 * 6)::int],
            CASE WHEN u2 < 0.9 THEN {_pick(TIME_ZONES, "p * 13")} END,
            u2 < 0.4, CASE WHEN u2 < 0.4 THEN created + interval '3 minutes' END,
            CASE WHEN p % 7 = 3 THEN {n.referral_code(referrer)} END,
            u1 < 0.08, created, created + (now_utc - created) * u2 * u2
        FROM (
            SELECT p, random() AS u1, random() AS u2, now() AT TIME ZONE 'utc' AS now_utc,
                   (now() AT TIME ZONE 'utc') - random() * interval '45 days' AS created
            FROM generate_series(1, {users}) AS p
        ) s
        """,
        "app_users",
    )
    # Everyone has their login email; one in ten added a second one.
    run(
        f"""
        INSERT INTO app_user_emails (id, app_user_id, email, created_at, verified_at)
        SELECT {n.uid("ue1", p)}, {n.user_id(p)}, {n.email(p)}, u.created_at,
            CASE WHEN random() < 0.8 THEN u.created_at + interval '2 minutes' END
        FROM generate_series(1, {users}) AS p
        JOIN app_users u ON u.app_user_id = {n.user_id(p)}
        UNION ALL
        SELECT {n.uid("ue2", p)}, {n.user_id(p)},
            lower({n.first(p)} || '.' || {n.last(p)} || '.work' || p || '@' || {_pick(DOMAINS, "p * 11 + 3")}),
            (now() AT TIME ZONE 'utc') - random() * interval '20 days',
            CASE WHEN random() < 0.5 THEN (now() AT TIME ZONE 'utc') - random() * interval '10 days' END
        FROM generate_series(1, {users}) AS p WHERE p % 10 = 4
        """,
        "app_user_emails",
    )


def _devices_and_auth(run, n: _Names, users: int, device_only: int) -> None:
    # Devices: 85% of users, plus people who never got past linking (only in device_emails/app_auth_jobs).
    devices = f"""
        SELECT p, p <= {users} AS is_user, random() AS u1, random() AS u2, random() AS u3,
               (now() AT TIME ZONE 'utc') - random() * interval '40 days' AS created
        FROM (SELECT p FROM generate_series(1, {users}) AS p WHERE p % 20 NOT IN (0, 1, 2)
              UNION ALL SELECT p FROM generate_series({users + 1}, {users + device_only}) AS p) d
    """
    run(f"CREATE UNLOGGED TABLE _wr_devices AS {devices}")
    referrer = f"5 * (1 + (p * 17) % {max(1, users // 5)})"
    run(
        f"""
        INSERT INTO device_emails (device_id, email, referred_by, waitlist_opt_in, waitlist_opt_in_at,
            created_at, updated_at)
        SELECT {n.device_id("p")}, {n.email("p")}, CASE WHEN p % 9 = 2 THEN {n.referral_code(referrer)} END,
            u1 < 0.45, CASE WHEN u1 < 0.45 THEN created + interval '1 minute' END,
            created, created + (u2 * u2) * ((now() AT TIME ZONE 'utc') - created)
        FROM _wr_devices
        """,
        "device_emails",
    )
    status = """CASE WHEN is_user THEN
            CASE WHEN u3 < 0.85 THEN 'finalized' WHEN u3 < 0.92 THEN 'failed' WHEN u3 < 0.96 THEN 'expired'
                 WHEN u3 < 0.98 THEN 'finalizing' ELSE 'pending' END
        ELSE CASE WHEN u3 < 0.35 THEN 'pending' WHEN u3 < 0.45 THEN 'finalizing' WHEN u3 < 0.75 THEN 'failed'
                  ELSE 'expired' END END"""
    email = f"CASE WHEN u2 < 0.03 THEN initcap({n.email('p')}) WHEN u2 > 0.96 THEN NULL ELSE {n.email('p')} END"
    # The current attempt per device, plus an older failed/expired one for one device in six.
    run(
        f"""
        INSERT INTO app_auth_jobs (archive_job_id, app_user_id, provider, status, last_error, device_id, client_ip,
            email, platform, app_version, os_version, finalized_at, session_id, redirect_clicked_at,
            redirect_clicks, created_at, updated_at)
        SELECT {n.uid("aj", "p")}, CASE WHEN is_user THEN {n.user_id("p")} END, 'tiktok', st,
            CASE WHEN st = 'failed' THEN {_rand(AUTH_ERRORS)}
                 WHEN st = 'expired' AND u1 < 0.5 THEN 'auth link expired before redirect' END,
            {n.device_id("p")}, ip, {email}, plat,
            {_rand(["1.4.2", "1.4.3", "1.5.0", "1.5.1"])},
            CASE plat WHEN 'ios' THEN {_rand(["17.6.1", "18.1", "18.2"])}
                      WHEN 'android' THEN {_rand(["13", "14", "15"])} END,
            CASE WHEN st = 'finalized' THEN created + interval '90 seconds' END,
            CASE WHEN st = 'finalized' THEN {n.uid("sess", "p")} END,
            CASE WHEN st <> 'pending' THEN created + interval '20 seconds' END,
            CASE WHEN st = 'pending' THEN 0 ELSE 1 + floor(u1 * 3)::int END,
            created, CASE WHEN st IN ('pending', 'finalizing') THEN created + interval '30 seconds'
                          ELSE created + interval '2 minutes' END
        FROM (SELECT *, {status} AS st,
                     {_arr(["ios", "ios", "android", "web"])}[1 + floor(u1 * 4)::int] AS plat,
                     (23 + floor(u2 * 200))::int || '.' || (floor(u3 * 255))::int || '.'
                        || (floor(u1 * 255))::int || '.' || (1 + p % 250) AS ip
              FROM _wr_devices) d
        UNION ALL
        SELECT {n.uid("aj-old", "p")}, NULL, 'tiktok', CASE WHEN u1 < 0.6 THEN 'failed' ELSE 'expired' END,
            CASE WHEN u1 < 0.6 THEN {_rand(AUTH_ERRORS)} END, {n.device_id("p")}, NULL, {n.email("p")},
            'ios', '1.4.0', '17.5', NULL, NULL, NULL, 0,
            created - interval '2 days', created - interval '2 days' + interval '10 minutes'
        FROM _wr_devices WHERE u2 BETWEEN 0.1 AND 0.27
        """,
        "app_auth_jobs",
    )


def _sessions(run, n: _Names, users: int) -> None:
    run(
        f"""
        INSERT INTO app_sessions (id, app_user_id, device_id, platform, app_version, os_version, token_hash,
            token_encrypted, issued_at, expires_at, revoked_at)
        SELECT {n.uid("sess", "p")}, {n.user_id("p")}, {n.device_id("p")},
            'ios', '1.5.0', '18.1', {n.secret("th", "p", 64)}, {n.secret("te", "p", 96)},
            issued, issued + interval '30 days', CASE WHEN random() < 0.05 THEN issued + interval '3 days' END
        FROM (SELECT p, (now() AT TIME ZONE 'utc') - random() * interval '40 days' AS issued
              FROM generate_series(1, {users}) AS p) s
        UNION ALL
        SELECT {n.uid("sess-old", "p")}, {n.user_id("p")}, {n.device_id("p")}, 'android', '1.4.2', '14',
            {n.secret("th2", "p", 64)}, {n.secret("te2", "p", 96)},
            (now() AT TIME ZONE 'utc') - interval '50 days', (now() AT TIME ZONE 'utc') - interval '20 days',
            (now() AT TIME ZONE 'utc') - interval '41 days'
        FROM generate_series(1, {users}) AS p WHERE p % 5 = 1
        """,
        "app_sessions",
    )


def _plan(run, n: _Names, runs: int, users_with_runs: int) -> None:
    """One row per run: its person, ids, intended stage, job statuses and timestamps."""
    ready_cut = 1 - FETCHING - ANALYSIS - EMAIL - UNKNOWN
    odd_every = round(1 / ODD_PAYLOADS)
    blocked = (
        f"CASE WHEN r <= {RECENT_RUNS} THEN 'running' WHEN u_sub < 0.4 THEN 'pending' "
        "WHEN u_sub < 0.6 THEN 'running' ELSE 'failed' END"
    )
    run(
        f"""
        CREATE UNLOGGED TABLE _wr_plan AS
        WITH base AS (
            SELECT r, random() AS u_stage, random() AS u_sub, random() AS u_odd, random() AS u_mail,
                   random() AS u_age, random() AS u_dur, random() AS u_misc,
                   now() AT TIME ZONE 'utc' AS now_utc
            FROM generate_series(1, {runs}) AS r
        ), staged AS (
            SELECT *, CASE WHEN r <= {RECENT_RUNS} THEN (CASE WHEN r % 2 = 0 THEN 'watch_history' ELSE 'analysis' END)
                           WHEN u_stage < {ready_cut} THEN 'ready'
                           WHEN u_stage < {ready_cut + FETCHING} THEN 'watch_history'
                           WHEN u_stage < {ready_cut + FETCHING + ANALYSIS} THEN 'analysis'
                           WHEN u_stage < {1 - UNKNOWN} THEN 'email'
                           ELSE 'unknown' END AS stage
            FROM base
        ), timed AS (
            SELECT *,
                CASE WHEN r <= {RECENT_RUNS} THEN now_utc - interval '20 minutes' - u_age * interval '40 minutes'
                     ELSE now_utc - interval '1 hour' - u_age * interval '30 days' END AS t0
            FROM staged
        ), planned AS (
            SELECT r, 1 + (r - 1) % {users_with_runs} AS p, stage,
                {n.uid("run", "r")} AS run_id, {n.uid("wh", "r")} AS wh_id,
                {n.uid("an", "r")} AS an_id, {n.uid("em", "r")} AS em_id,
                CASE WHEN stage = 'watch_history' THEN {blocked} ELSE 'succeeded' END AS wh_status,
                CASE stage WHEN 'watch_history' THEN NULL WHEN 'analysis' THEN {blocked} ELSE 'succeeded' END
                    AS an_status,
                CASE stage WHEN 'watch_history' THEN NULL WHEN 'analysis' THEN NULL WHEN 'unknown' THEN 'succeeded'
                    WHEN 'email' THEN {blocked}
                    ELSE CASE WHEN u_sub < 0.86 THEN 'succeeded' WHEN u_sub < 0.91 THEN 'pending'
                              WHEN u_sub < 0.93 THEN 'running' WHEN u_sub < 0.97 THEN 'failed' END END AS em_status,
                CASE WHEN r % {odd_every} = 0 THEN 1 + (r / {odd_every}) % 5 ELSE 0 END AS odd,
                u_mail < 0.3 AS email_null, u_misc, u_dur, u_sub, t0,
                t0 + interval '1 minute' + u_dur * interval '25 minutes' AS t1,
                t0 + interval '2 minutes' + u_dur * interval '30 minutes' AS t2,
                t0 + interval '150 seconds' + u_dur * interval '31 minutes' AS t3,
                now_utc,
                (r * 7 + floor(u_misc * 1000)::int) % 200 AS spans_idx, (r * 13) % 50 AS journey_idx
            FROM timed
        )
        SELECT *,
            {n.user_id("p")} AS user_id, {n.sec_user_id("p")} AS sec_user_id,
            {n.archive_user_id("p")} AS archive_user_id, {n.email("p")} AS email,
            CASE WHEN stage = 'ready' THEN 'ready'
                 WHEN 'failed' IN (wh_status, coalesce(an_status, ''), coalesce(em_status, '')) THEN 'failed'
                 ELSE 'pending' END AS run_status,
            -- the time of the last stage that moved
            CASE WHEN r <= {RECENT_RUNS} THEN now_utc - u_misc * interval '4 minutes'
                 WHEN stage = 'watch_history' THEN t0 + (t1 - t0) * u_misc
                 WHEN stage = 'analysis' THEN t1 + (t2 - t1) * u_misc
                 ELSE t3 END AS updated_at
        FROM planned
        """
    )


def _pools(run, n: _Names) -> None:
    """Arrays that pad payloads to realistic sizes: source_spans (0.3-15 KB) and niche_journey (~1 KB)."""
    run(
        f"""
        CREATE UNLOGGED TABLE _wr_spans AS
        SELECT i, (SELECT json_agg(json_build_object(
                    'video_id', (7200000000000000000::numeric + floor(random() * 1e17))::text,
                    'start_ms', k * 1000, 'end_ms', k * 1000 + 800 + floor(random() * 4000)::int,
                    'niche', {_rand(NICHES)},
                    'quote', (3 + floor(random() * 40))::int || ' videos about ' || {_rand(NICHES)}
                        || ' around ' || (1 + floor(random() * 4))::int || 'am',
                    'weight', round(random()::numeric, 3)))
                  FROM generate_series(1, 1 + floor(power(random(), 5) * 70)::int + i * 0) AS k) AS spans
        FROM generate_series(0, 199) AS i
        """
    )
    run(
        f"""
        CREATE UNLOGGED TABLE _wr_journey AS
        SELECT i, (SELECT json_agg(json_build_object(
                    'month', to_char(date '2025-01-01' + (k - 1) * interval '1 month', 'YYYY-MM'),
                    'niche', {_rand(NICHES)}, 'share', round((0.1 + random() * 0.6)::numeric, 2),
                    'videos', floor(50 + random() * 900)::int))
                  FROM generate_series(1, 12 + i * 0) AS k) AS journey
        FROM generate_series(0, 49) AS i
        """
    )


def _runs(run, n: _Names, lo: int, hi: int) -> None:
    def job(job_id: str, status: str) -> str:
        return f"json_build_object('id', {job_id}, 'status', {status})"

    data_jobs = _obj(
        _kv("watch_history", f"CASE WHEN odd = 2 THEN to_json(wh_id) ELSE {job('wh_id', 'wh_status')} END"),
        _kv("wrapped_analysis", job("an_id", "an_status"), "an_status IS NOT NULL"),
        _kv("email_send", job("em_id", "em_status"), "em_status IS NOT NULL"),
    )
    pages = "(1 + floor(u_dur * 40))::int"
    progress = _obj(
        _kv(
            "status",
            "to_json(CASE wh_status WHEN 'succeeded' THEN (CASE WHEN u_misc < 0.1 THEN 'scrape_done' "
            "ELSE 'succeeded' END) WHEN 'failed' THEN 'failed' ELSE 'running' END)",
        ),
        _kv("cursor_ms", "to_json((extract(epoch FROM t0) * 1000)::bigint - " + pages + " * 86400000::bigint)"),
        _kv(
            "next_cursor_ms",
            "to_json((extract(epoch FROM t0) * 1000)::bigint - (" + pages + " + 1) * 86400000::bigint)",
        ),
        _kv(
            "has_more",
            "CASE WHEN odd = 5 THEN NULL WHEN wh_status = 'succeeded' THEN to_json(false) ELSE to_json(true) END",
        ),
        _kv("completed_data_jobs", f"to_json(CASE WHEN wh_status = 'pending' THEN 0 ELSE {pages} END)"),
        _kv(
            "videos_fetched_total",
            f"CASE WHEN odd = 4 THEN to_json('12'::text) WHEN wh_status = 'pending' THEN to_json(0) "
            f"ELSE to_json({pages} * (20 + floor(u_sub * 80))::int) END",
        ),
        _kv("scrape_truncated", "to_json(u_misc > 0.85)"),
        _kv("scrape_stop_reason", f"to_json({_pick(STOP_REASONS, 'r')})", "wh_status = 'succeeded'"),
        _kv("scrape_error", f"to_json({_pick(WH_ERRORS, 'r')})", "wh_status = 'failed' OR u_misc BETWEEN 0.5 AND 0.55"),
        _kv(
            "scrape_error_detail",
            "to_json('page ' || " + pages + " || ': ' || 'archive returned HTTP 429 after 3 retries; continuing')",
            "wh_status = 'failed' OR u_misc BETWEEN 0.5 AND 0.55",
        ),
        _kv(
            "coverage",
            "json_build_object("
            "'watched_at_min', to_char(t0 - (1 + floor(u_dur * 11)) * interval '30 days' - u_sub * interval '9 days', "
            '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\'), '
            "'watched_at_max', to_char(t0 - u_sub * interval '6 hours', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
            "'coverage_months', 1 + floor(u_dur * 11)::int, 'extrapolated', u_dur < 0.4, "
            "'extrapolation_factor', CASE WHEN u_dur < 0.4 THEN round((1 + (0.4 - u_dur) * 6)::numeric, 2) "
            "ELSE 1.0 END)",
        ),
    )
    analysed = "an_status = 'succeeded'"
    brain = "round((u_misc * 100)::numeric, 1)"
    analysis = [
        ("total_videos", "to_json(CASE WHEN u_misc < 0.02 THEN 0 ELSE (200 + floor(u_sub * 9000))::int END)"),
        ("personality_type", f"to_json({_pick(PERSONALITIES, 'r * 3')})"),
        (
            "personality_explanation",
            f"to_json('You are ' || {_pick(PERSONALITIES, 'r * 3')} || ': you came back to '"
            f" || {_pick(NICHES, 'r')} || ' on ' || (3 + r % 200) || ' different days and rewatched '"
            " || (r % 40) || ' videos twice. Late nights were your peak, especially on Sundays.')",
        ),
        ("niche_journey", "j.journey"),
        (
            "top_niches",
            f"json_build_array({_pick(NICHES, 'r')}, {_pick(NICHES, 'r + 5')}, {_pick(NICHES, 'r + 11')})",
        ),
        ("top_niche_percentile", "to_json(round((u_sub * 99.9)::numeric, 1))"),
        ("brain_rot_score", f"to_json({brain})"),
        (
            "brain_rot_explanation",
            f"to_json('Brain rot ' || {brain} || '/100: ' || (1 + r % 6) || ' hours a day of short loops.')",
        ),
        ("brainrot_intensity", "to_json(round(u_misc::numeric, 3))"),
        ("brainrot_volume_hours", "to_json(round((u_dur * 900)::numeric, 1))"),
        ("brainrot_confidence", "to_json(round((0.4 + u_sub * 0.6)::numeric, 2))"),
        ("brainrot_enriched_hours", "to_json(round((u_dur * 500)::numeric, 1))"),
        ("brainrot_enriched_watch_pct", "to_json(round((u_sub * 100)::numeric, 1))"),
        ("brainrot_intensity_raw", "to_json(round((u_misc * 1.3)::numeric, 4))"),
        ("brainrot_intensity_raw_effective", "to_json(round((u_misc * 1.1)::numeric, 4))"),
        ("brainrot_intensity_linear", "to_json(round((u_misc * 0.9)::numeric, 4))"),
        ("brainrot_quality_weight", "to_json(round((0.5 + u_dur / 2)::numeric, 3))"),
        ("brainrot_normalization", "to_json(CASE WHEN r % 3 = 0 THEN 'linear' ELSE 'log' END)"),
        ("cat_name", f"to_json({_pick(CAT_NAMES, 'r * 7')})"),
        (
            "analogy_line",
            f"to_json('Your feed is like a ' || {_pick(NICHES, 'r + 2')} || ' marathon with no finish line')",
        ),
        (
            "scroll_time",
            "json_build_object('title', "
            f"{_arr(['Night Owl', 'Lunch Break Looper', 'Morning Doomscroller', 'Weekend Binger'])}[1 + r % 4], "
            "'rate', (20 + r % 180) || ' videos/hour', "
            "'between_time', (9 + r % 3) || 'pm - ' || (1 + r % 3) || 'am')",
        ),
        (
            "accessory_set",
            f"json_build_object('head', json_build_object('internal_name', {_pick(HEAD, 'r')}, "
            f"'reason', 'for all the ' || {_pick(NICHES, 'r')}), "
            f"'body', json_build_object('internal_name', {_pick(BODY, 'r * 3')}, 'reason', 'comfort first'), "
            f"'other', json_build_object('internal_name', {_pick(OTHER, 'r * 5')}, 'reason', 'never without it'))",
        ),
        ("keyword_2026", f"to_json({_pick(KEYWORDS, 'r * 11')})"),
        (
            "thumb_roast",
            f"to_json('Your thumb scrolled ' || (1 + r % 90) || ' km this year, mostly past ' || {_pick(NICHES, 'r')})",
        ),
        ("source_spans", "s.spans"),
        ("_brainrot_source", "to_json('watch_history'::text)"),
        ("_brainrot_reconciliation_status", "to_json(CASE WHEN r % 10 = 0 THEN 'mismatch' ELSE 'ok' END)"),
        ("_brainrot_watch_job_ids", "json_build_array(wh_id)"),
    ]
    warnings = (
        "CASE WHEN odd = 3 THEN to_json('LLM response needed 1 repair pass'::text) "
        "WHEN u_misc < 0.7 OR NOT (" + analysed + ") THEN '[]'::json "
        f"WHEN u_misc < 0.85 THEN json_build_array({_pick(WARNINGS, 'r')}) "
        f"WHEN u_misc < 0.95 THEN json_build_array({_pick(WARNINGS, 'r')}, {_pick(WARNINGS, 'r + 1')}) "
        f"ELSE json_build_array({_pick(WARNINGS, 'r')}, {_pick(WARNINGS, 'r + 2')}, {_pick(WARNINGS, 'r + 4')}) END"
    )
    debug = (
        "json_build_object('model', 'gpt-4.1-mini', 'prompt_tokens', 9000 + r % 20000, "
        "'completion_tokens', 600 + r % 1500, 'latency_ms', 4000 + r % 50000, 'repair_passes', r % 2)"
    )
    email = "p.email"
    payload = _obj(
        _kv("data_jobs", data_jobs, "odd <> 1"),
        _kv("_watch_history_progress", progress, "NOT (wh_status = 'pending' AND u_misc < 0.5)"),
        *(_kv(key, expr, analysed) for key, expr in analysis),
        _kv("email", f"to_json({email})", "NOT email_null"),
        _kv("_analysis_warnings", warnings),
        _kv("_analysis_debug", debug, f"{analysed} AND u_sub > 0.95"),
    )
    run(
        f"""
        INSERT INTO app_wrapped_runs (id, app_user_id, sec_user_id, archive_user_id, status, email, token_hash,
            payload, watch_history_job_id, created_at, updated_at)
        SELECT run_id, p.user_id, p.sec_user_id, p.archive_user_id, run_status,
            CASE WHEN NOT email_null THEN {email} END, {n.secret("rt", "r", 64)},
            {payload}::json, wh_id, t0, updated_at
        FROM _wr_plan p JOIN _wr_spans s ON s.i = p.spans_idx JOIN _wr_journey j ON j.i = p.journey_idx
        WHERE p.r BETWEEN {lo} AND {hi}
        """,
        "app_wrapped_runs",
    )


def _job_columns(n: _Names, task: str, job_id: str, status: str, created: str, finished: str, errors) -> str:
    """SELECT list of one app_jobs row for a run stage (the plan row is `p`)."""
    err = _pick(errors, "r")
    payload = (
        f"CASE WHEN {status} = 'failed' AND u_misc < 0.8 THEN json_build_object("
        f"'wrapped_run_id', run_id, 'app_user_id', p.user_id, 'sec_user_id', p.sec_user_id, "
        f"'last_error', {err}, 'error', split_part({err}, ':', 1)) "
        f"ELSE json_build_object('wrapped_run_id', run_id, 'app_user_id', p.user_id, "
        f"'sec_user_id', p.sec_user_id) END"
    )
    return f"""
        {job_id}, '{task}', {payload}, {status},
        CASE {status} WHEN 'succeeded' THEN 1 + (u_sub > 0.85)::int + (u_sub > 0.97)::int
            WHEN 'failed' THEN CASE WHEN u_misc < 0.8 THEN 5 ELSE 2 + floor(u_misc * 3)::int END
            WHEN 'running' THEN 1 + floor(u_dur * 3)::int
            ELSE CASE WHEN u_misc < 0.5 THEN 0 ELSE 1 + floor(u_dur * 4)::int END END,
        5,
        CASE WHEN {status} = 'pending' AND u_misc >= 0.5
             THEN now_utc + interval '30 seconds' + u_dur * interval '20 minutes'
             ELSE {created} END,
        '{task}:' || run_id,
        CASE WHEN {status} = 'running' THEN 'worker-' || (1 + r % 4) || ':' || (1000 + r % 8999) END,
        CASE WHEN {status} = 'running' THEN now_utc - u_dur * interval '50 seconds' END,
        CASE WHEN '{task}' = 'watch_history_fetch_2025' THEN 300 ELSE 60 END,
        {created},
        CASE WHEN r <= {RECENT_RUNS} THEN updated_at WHEN {status} IN ('succeeded', 'failed') THEN {finished}
             ELSE {created} END
    """


STAGE_JOBS = (
    ("watch_history_fetch_2025", "wh_id", "wh_status", "t0", "t1", WH_ERRORS),
    ("wrapped_analysis", "an_id", "an_status", "t1", "t2", ANALYSIS_ERRORS),
    ("email_send", "em_id", "em_status", "t2", "t3", EMAIL_ERRORS),
)


def _stage_jobs(run, n: _Names, stage: int, lo: int, hi: int) -> None:
    columns = (
        "id, task_name, payload, status, attempts, max_attempts, not_before, idempotency_key, "
        "locked_by, locked_at, lease_seconds, created_at, updated_at"
    )
    task, job_id, status, created, finished, errors = STAGE_JOBS[stage]
    select = _job_columns(n, task, job_id, status, created, finished, errors)
    run(
        f"INSERT INTO app_jobs ({columns}) SELECT {select} FROM _wr_plan p "
        f"WHERE {status} IS NOT NULL AND p.r BETWEEN {lo} AND {hi}",
        "app_jobs",
    )


def _other_jobs(run, n: _Names) -> None:
    """xordi_finalize jobs for some finalized/finalizing auth jobs, reauth_notify for 'needs reauth' failures."""
    run(
        f"""
        INSERT INTO app_jobs (id, task_name, payload, status, attempts, max_attempts, not_before, idempotency_key,
            locked_by, locked_at, lease_seconds, created_at, updated_at)
        SELECT {n.uid("job-x", "a.archive_job_id")}, 'xordi_finalize',
            json_build_object('archive_job_id', a.archive_job_id, 'app_user_id', a.app_user_id,
                              'device_id', a.device_id),
            CASE a.status WHEN 'finalizing' THEN 'running' ELSE 'succeeded' END,
            1, 5, a.created_at, 'xordi_finalize:' || a.archive_job_id,
            CASE WHEN a.status = 'finalizing' THEN 'worker-1:4242' END,
            CASE WHEN a.status = 'finalizing' THEN now() AT TIME ZONE 'utc' END,
            60, a.created_at, a.updated_at
        FROM app_auth_jobs a
        WHERE a.status = 'finalizing' OR (a.status = 'finalized' AND a.archive_job_id LIKE '%0')
        UNION ALL
        SELECT {n.uid("job-r", "a.archive_job_id")}, 'reauth_notify',
            CASE WHEN right(a.archive_job_id, 1) IN ('a', 'b')
                 THEN json_build_object('archive_job_id', a.archive_job_id, 'email', a.email,
                                        'last_error', 'SMTP 421 try again later')
                 ELSE json_build_object('archive_job_id', a.archive_job_id, 'email', a.email) END,
            CASE WHEN right(a.archive_job_id, 1) IN ('a', 'b') THEN 'failed'
                 WHEN right(a.archive_job_id, 1) IN ('c', 'd') THEN 'pending' ELSE 'succeeded' END,
            CASE WHEN right(a.archive_job_id, 1) IN ('a', 'b') THEN 5
                 WHEN right(a.archive_job_id, 1) IN ('c', 'd') THEN 1 ELSE 1 END,
            5,
            CASE WHEN right(a.archive_job_id, 1) = 'c' THEN (now() AT TIME ZONE 'utc') + interval '15 minutes'
                 ELSE a.updated_at END,
            'reauth_notify:' || a.archive_job_id, NULL, NULL, 60, a.updated_at, a.updated_at + interval '1 minute'
        FROM app_auth_jobs a
        WHERE a.status = 'failed' AND a.last_error LIKE '%needs reauth%'
        """,
        "app_jobs",
    )


def _referrals(run, n: _Names, users: int, users_with_runs: int, runs: int) -> None:
    run(
        f"""
        INSERT INTO referrals (code, referrer_app_user_id, impressions, conversions, completions,
            created_at, updated_at)
        SELECT {n.referral_code("p")}, {n.user_id("p")}, i, c, floor(c * u3)::int, created,
            created + (now_utc - created) * u3
        FROM (SELECT p, i, floor(i * u2 * 0.6)::int AS c, u3, created, now_utc
              FROM (SELECT p, floor(random() * 12)::int AS i, random() AS u2, random() AS u3,
                           now() AT TIME ZONE 'utc' AS now_utc,
                           (now() AT TIME ZONE 'utc') - random() * interval '40 days' AS created
                    FROM generate_series(5, {users}, 5) AS p) a) b
        """,
        "referrals",
    )
    referred = f"(1 + (k * 37 + length(r.code) * 101 + ascii(r.code)) % {users})"
    run(
        f"""
        INSERT INTO referral_events (id, referrer_app_user_id, referred_app_user_id, event_type, archive_job_id,
            wrapped_run_id, ip, user_agent, created_at)
        SELECT {n.uid("rev", "r.code || ':' || k")}, r.referrer_app_user_id,
            CASE WHEN k > r.impressions THEN {n.user_id(referred)} END,
            CASE WHEN k <= r.impressions THEN 'impression'
                 WHEN k <= r.impressions + r.conversions THEN 'conversion' ELSE 'completion' END,
            CASE WHEN k > r.impressions THEN {n.uid("aj", referred)} END,
            CASE WHEN k > r.impressions + r.conversions AND {referred} <= least({users_with_runs}, {runs})
                 THEN {n.uid("run", referred)} END,
            (23 + k % 200) || '.' || (k * 7 % 255) || '.' || (k * 13 % 255) || '.' || (1 + k % 250),
            {_rand(USER_AGENTS)},
            r.created_at + k * interval '37 minutes'
        FROM referrals r CROSS JOIN LATERAL generate_series(1, r.impressions + r.conversions + r.completions) AS k
        """,
        "referral_events",
    )


def _big_payloads(run, n: _Names, count: int) -> None:
    """A few recent ready runs whose payload carries a ~5 MB `_analysis_debug` (the benchmark's trap)."""
    run(
        f"""
        UPDATE app_wrapped_runs w SET
            payload = (w.payload::jsonb || jsonb_build_object('_analysis_debug', (
                SELECT jsonb_agg(jsonb_build_object(
                    'step', k, 'role', CASE WHEN k % 2 = 0 THEN 'assistant' ELSE 'user' END,
                    'chunk', md5(w.id || k) || ' ' || md5(k || w.id) || ' tokens ' || k * 17
                        || ' :: ' || repeat('lorem ipsum dolor sit amet ', 6)))
                FROM generate_series(1, 20000) AS k)))::json,
            updated_at = (now() AT TIME ZONE 'utc') - interval '30 seconds'
        WHERE w.id IN (SELECT run_id FROM _wr_plan WHERE stage = 'ready' AND odd = 0 ORDER BY r LIMIT {int(count)})
        """
    )
