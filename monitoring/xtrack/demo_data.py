"""Demo data for the XTrack source: set-based SQL, ~5k executions and ~3k summaries at scale 1.

Every enum value appears (userstatus, jobstatus, executionstatus, notificationchannel,
verificationcodetype); JSON is messy on purpose (topics as a list, empty, null or a bare string;
raw_data without "tweets" or with "count" as a string); timestamps (timestamptz) spread over the
last ~60 days. Ids are set explicitly (1..n) and the sequences moved past them.
"""

from __future__ import annotations

import psycopg

TABLES = (
    "users",
    "notification_targets",
    "jobs",
    "job_notification_targets",
    "job_executions",
    "summaries",
    "notification_bind_tokens",
    "verification_codes",
)

NOW = "now()"


def _empty(conn: psycopg.Connection, table: str) -> bool:
    return conn.execute(f"SELECT NOT EXISTS (SELECT 1 FROM {table})").fetchone()[0]


def _bump_sequence(conn: psycopg.Connection, table: str) -> None:
    conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1))")


def generate(conn: psycopg.Connection, scale: float = 1.0) -> dict[str, int]:
    """Fill the empty XTrack tables; returns {table: rows inserted}. No query parameters (`%` is modulo)."""
    n_users = max(12, round(300 * scale))
    n_jobs = max(12, round(600 * scale))
    n_exec = max(30, round(5000 * scale))
    n_play = max(6, round(600 * scale))
    counts = dict.fromkeys(TABLES, 0)
    conn.execute("SELECT setseed(0.1717)")

    if _empty(conn, "users"):
        counts["users"] = conn.execute(
            f"""
            INSERT INTO users (id, email, password_hash, name, status, created_at, updated_at, last_login_at)
            SELECT g,
                   (ARRAY['alex', 'priya', 'sam', 'lena', 'omar', 'yuki', 'marta', 'noah'])[1 + g % 8]
                       || '.' || g || '@' || (ARRAY['example.com', 'mail.example.org', 'corp.example.net'])[1 + g % 3],
                   '$2b$12$' || substr(md5(g::text || 'pw'), 1, 22) || substr(md5(g::text), 1, 31),
                   CASE WHEN g % 7 = 0 THEN NULL
                        ELSE (ARRAY['Alex', 'Priya', 'Sam', 'Lena', 'Omar', 'Yuki', 'Marta', 'Noah'])[1 + g % 8]
                             || ' ' || chr(65 + g % 26) || '.' END,
                   (CASE WHEN g <= 3 THEN (ARRAY['UNVERIFIED', 'ACTIVE', 'SUSPENDED'])[g]
                         WHEN random() < 0.75 THEN 'ACTIVE'
                         WHEN random() < 0.8 THEN 'UNVERIFIED'
                         ELSE 'SUSPENDED' END)::userstatus,
                   t.created_at, t.created_at + interval '1 hour',
                   CASE WHEN g % 5 = 0 THEN NULL ELSE {NOW} - random() * interval '20 days' END
              FROM generate_series(1, {n_users}) AS g
             CROSS JOIN LATERAL (SELECT {NOW} - interval '90 days'
                                        + (g::float / {n_users}) * interval '85 days' AS created_at) AS t
            """
        ).rowcount
        _bump_sequence(conn, "users")

    if _empty(conn, "notification_targets"):
        counts["notification_targets"] = conn.execute(
            """
            INSERT INTO notification_targets (id, user_id, channel, destination, meta, is_default, created_at)
            SELECT row_number() OVER (ORDER BY u.id), u.id, c.channel::notificationchannel,
                   CASE WHEN c.channel = 'EMAIL' THEN u.email ELSE (100000000 + u.id * 7)::text END,
                   CASE WHEN c.channel = 'TELEGRAM' AND u.id % 3 > 0
                        THEN json_build_object('username', 'tg_user_' || u.id) END,
                   true,
                   u.created_at + interval '10 minutes'
              FROM users u
             CROSS JOIN LATERAL (SELECT CASE WHEN u.id % 2 = 0 THEN 'EMAIL' ELSE 'TELEGRAM' END AS channel) AS c
             WHERE u.id % 10 < 7
            """
        ).rowcount
        _bump_sequence(conn, "notification_targets")

    if _empty(conn, "jobs"):
        counts["jobs"] = conn.execute(
            f"""
            INSERT INTO jobs (id, user_id, x_username, frequency, topics, language, email, is_active, status,
                              notification_target_id, created_at, last_run, updated_at)
            SELECT g, CASE WHEN g % 31 = 0 THEN NULL ELSE u.id END,
                   (ARRAY['elonmusk', 'sama', 'naval', 'paulg', 'karpathy', 'ylecun', 'lexfridman', 'balajis',
                          'pmarca', 'jack'])[1 + g % 10] || CASE WHEN g > 10 THEN '_' || g ELSE '' END,
                   (ARRAY['hourly', 'every_6_hours', 'daily', 'daily', 'weekly'])[1 + g % 5],
                   (CASE g % 7
                        WHEN 0 THEN '[]'
                        WHEN 1 THEN NULL
                        WHEN 2 THEN '"ai"'
                        WHEN 3 THEN '["ai", "startups", "funding"]'
                        WHEN 4 THEN '["crypto"]'
                        ELSE '["llm", "research"]' END)::json,
                   (ARRAY['en', 'en', 'es', 'de', 'ja'])[1 + g % 5],
                   CASE WHEN g % 4 = 0 THEN NULL ELSE u.email END,
                   s.status = 'ACTIVE' AND g % 9 > 0,
                   s.status::jobstatus,
                   first_target.id,
                   u.created_at + (g % 48) * interval '1 hour',
                   CASE WHEN g % 13 = 0 THEN NULL ELSE {NOW} - random() * interval '3 days' END,
                   {NOW} - random() * interval '10 days'
              FROM generate_series(1, {n_jobs}) AS g
              JOIN users u ON u.id = 1 + g % {n_users}
              -- joined, not looked up per job: notification_targets has no index on user_id
              LEFT JOIN (SELECT user_id, min(id) AS id FROM notification_targets GROUP BY user_id) AS first_target
                ON first_target.user_id = u.id
             CROSS JOIN LATERAL (SELECT CASE WHEN g % 8 = 0 THEN 'DELETED' ELSE 'ACTIVE' END AS status) AS s
            """
        ).rowcount
        _bump_sequence(conn, "jobs")

    if _empty(conn, "job_notification_targets"):
        counts["job_notification_targets"] = conn.execute(
            """
            INSERT INTO job_notification_targets (job_id, notification_target_id, created_at)
            SELECT id, notification_target_id, created_at FROM jobs WHERE notification_target_id IS NOT NULL
            """
        ).rowcount

    if _empty(conn, "job_executions"):
        # ids follow time, as a serial pk does in production.
        counts["job_executions"] = conn.execute(
            f"""
            INSERT INTO job_executions (id, job_id, status, started_at, completed_at, tweets_fetched,
                                        error_message, created_at)
            SELECT g, 1 + (g::bigint * 7919) % {n_jobs}, s.status::executionstatus, t.started_at,
                   CASE WHEN s.status = 'RUNNING' THEN NULL
                        ELSE t.started_at + (3 + random() * 120) * interval '1 second' END,
                   CASE WHEN s.status = 'COMPLETED' THEN floor(random() * 200)::int
                        WHEN s.status = 'FAILED' THEN 0 END,
                   CASE WHEN s.status = 'FAILED' THEN
                       (ARRAY['429 Too Many Requests from X API', 'OpenAI API timeout after 60s',
                              'User @handle not found', 'KeyError: ''data''',
                              'Telegram send failed: chat not found'])[1 + g % 5] END,
                   t.started_at
              FROM generate_series(1, {n_exec}) AS g
             CROSS JOIN LATERAL (SELECT {NOW} - interval '60 days'
                                        + (g::float / {n_exec}) * interval '60 days' AS started_at) AS t
             CROSS JOIN LATERAL (SELECT CASE WHEN g <= 3 THEN (ARRAY['RUNNING', 'COMPLETED', 'FAILED'])[g]
                                             WHEN g > {n_exec} - 4 THEN 'RUNNING'
                                             WHEN random() < 0.82 THEN 'COMPLETED'
                                             ELSE 'FAILED' END AS status) AS s
            """
        ).rowcount
        _bump_sequence(conn, "job_executions")

    if _empty(conn, "summaries"):
        counts["summaries"] = conn.execute(
            f"""
            INSERT INTO summaries (id, job_id, execution_id, is_playground, x_username, topics, hours_back, content,
                                   tweets_count, raw_data, input_tokens, output_tokens, created_at)
            SELECT gen_random_uuid()::text, e.job_id, e.id, false, j.x_username, j.topics,
                   CASE j.frequency WHEN 'hourly' THEN 1 WHEN 'every_6_hours' THEN 6 WHEN 'weekly' THEN 168
                        ELSE 24 END,
                   '## Summary for @' || j.x_username || E'\\n\\n' ||
                       repeat('- Key point about ' || coalesce(j.topics::text, 'everything') || E'.\\n',
                              1 + e.id % 8),
                   e.tweets_fetched,
                   (CASE e.id % 5
                        WHEN 0 THEN json_build_object('count', e.tweets_fetched)
                        WHEN 1 THEN json_build_object('count', e.tweets_fetched::text, 'tweets', '[]'::json)
                        ELSE json_build_object('count', e.tweets_fetched, 'tweets', json_build_array(
                            json_build_object('id', (1800000000000000000 + e.id)::text, 'text', 'First tweet'),
                            json_build_object('id', (1800000000000000001 + e.id)::text, 'text', 'Second'))) END),
                   CASE WHEN e.id % 17 = 0 THEN 0 ELSE 900 + e.tweets_fetched * 40 END,
                   CASE WHEN e.id % 17 = 0 THEN 0 ELSE 150 + e.id % 400 END,
                   e.completed_at
              FROM job_executions e
              JOIN jobs j ON j.id = e.job_id
             WHERE e.status = 'COMPLETED' AND e.id % 100 < 60
            UNION ALL
            SELECT gen_random_uuid()::text, NULL, NULL, true,
                   (ARRAY['elonmusk', 'sama', 'naval', 'vitalik', 'unknown_handle'])[1 + g % 5],
                   (CASE g % 4 WHEN 0 THEN '["ai"]' WHEN 1 THEN '[]' WHEN 2 THEN '"markets"'
                        ELSE '["ai", "policy"]' END)::json,
                   (ARRAY[6, 12, 24, 48, 168])[1 + g % 5],
                   'Playground summary #' || g || E'\\n\\n' || repeat('Something happened. ', 1 + g % 30),
                   g % 60,
                   CASE WHEN g % 6 = 0 THEN NULL
                        ELSE json_build_object('count', g % 60, 'tweets', json_build_array()) END,
                   1200 + g % 900, 200 + g % 300,
                   {NOW} - random() * interval '60 days'
              FROM generate_series(1, {n_play}) AS g
            """
        ).rowcount

    if _empty(conn, "notification_bind_tokens"):
        counts["notification_bind_tokens"] = conn.execute(
            f"""
            INSERT INTO notification_bind_tokens (user_id, token, channel, expires_at, used, created_at)
            SELECT u.id, md5(u.id::text || 'bind' || random()::text),
                   (CASE WHEN u.id % 4 = 0 THEN 'EMAIL' ELSE 'TELEGRAM' END)::notificationchannel,
                   t.created_at + interval '15 minutes',
                   u.id % 2 = 0,
                   t.created_at
              FROM users u
             CROSS JOIN LATERAL (SELECT {NOW} - (u.id % 50) * interval '1 day' AS created_at) AS t
             WHERE u.id % 3 = 0
            """
        ).rowcount

    if _empty(conn, "verification_codes"):
        counts["verification_codes"] = conn.execute(
            """
            INSERT INTO verification_codes (email, code, code_type, used, expires_at, created_at)
            SELECT u.email, lpad((floor(random() * 1000000))::int::text, 6, '0'),
                   (ARRAY['EMAIL_VERIFICATION', 'PASSWORD_RESET', 'EMAIL_CHANGE'])[1 + u.id % 3]::verificationcodetype,
                   CASE WHEN u.id % 7 = 0 THEN NULL ELSE u.status <> 'UNVERIFIED' END,
                   t.created_at + interval '10 minutes',
                   t.created_at
              FROM users u
             CROSS JOIN LATERAL (SELECT u.created_at + (u.id % 5) * interval '1 minute' AS created_at) AS t
            """
        ).rowcount

    for table in TABLES:
        conn.execute(f"ANALYZE {table}")
    return counts
