"""Demo data for the Posters source: set-based SQL, ~5k posters and ~5k logs at scale 1.

Every job_status and log_level value appears; metadata is as messy as the real service's:
user_id as int, as a string, as null, or missing ('{}'), and completed jobs whose posters partly
lack user_id. Timestamps spread over the last ~60 days. setseed() keeps runs repeatable.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from backoffice.demo import bulk

TABLES = ("batch_jobs", "generated_posters", "job_logs", "poster_failure_details")

TEMPLATES = [
    '<div style="width:1080px;height:1080px;background:#111"><h1>{{display_name}}</h1>'
    '<img src="{{profile_pic}}"></div>',
    '<html><body><section class="poster"><p>{{bio}}</p></section></body></html>',
    '<div class="card"><script>alert("template script")</script><b>{{username}}</b></div>',
    '<div onmouseover="alert(1)"><img src=x onerror="alert(2)">{{display_name}}</div>',
]

JOB_ID = "'job_' || substr(md5(({n})::text || ':posters'), 1, 12)"


BULK_ROWS = 100_000  # from this many rows, secondary indexes are rebuilt after the load


def generate(conn: psycopg.Connection, scale: float = 1.0) -> dict[str, int]:
    """Fill the empty Posters tables; returns {table: rows inserted}."""
    n_jobs = max(12, round(200 * scale))
    n_posters = max(30, round(5000 * scale))
    n_logs = max(30, round(5000 * scale))
    counts = dict.fromkeys(TABLES, 0)
    conn.execute("SELECT setseed(0.4242)")
    # No query parameters below (so `%` is the modulo operator): ints are inlined, text is quoted.
    templates = sql.SQL("ARRAY[{}]::text[]").format(sql.SQL(", ").join(map(sql.Literal, TEMPLATES))).as_string(conn)

    if bulk.is_empty(conn, "batch_jobs"):
        cur = conn.execute(
            f"""
            INSERT INTO batch_jobs (job_id, campaign_name, status, template_html, template_url, poster_size,
                                    model, metadata, error_message, created_at, started_at, completed_at, updated_at)
            SELECT {JOB_ID.format(n="g")},
                   (ARRAY['Q1 Marketing Campaign', 'Creator Spotlight', 'Diwali Wishes', 'Year in Review',
                          'Mentor Month', 'Launch Week', 'Webinar Promo', 'Top 100 Creators'])[1 + g % 8]
                       || ' #' || g,
                   s.status::job_status,
                   CASE WHEN g % 11 = 0 THEN NULL ELSE ({templates})[1 + g % {len(TEMPLATES)}] END,
                   CASE WHEN g % 5 = 0 THEN 'https://templates.example.com/t/' || g || '.html' END,
                   (ARRAY['instagram-square', 'instagram-story', 'linkedin-post', 'twitter-card'])[1 + g % 4],
                   (ARRAY['flash', 'pro'])[1 + g % 2],
                   CASE g % 6
                       WHEN 0 THEN '{{}}'::jsonb
                       WHEN 1 THEN '{{"skip_overlays": true, "dimensions": {{"width": 1080, "height": 1080}}}}'
                       WHEN 2 THEN '{{"skip_overlays": "yes", "dimensions": "1080x1080"}}'
                       WHEN 3 THEN '{{"source": "csv", "uploaded_by": "ops@topmate.io"}}'
                       WHEN 4 THEN '{{"dimensions": {{"width": 1080}}, "retry_of": null}}'
                       ELSE '{{"skip_overlays": false}}'
                   END::jsonb,
                   CASE WHEN s.status = 'failed' THEN
                       (ARRAY['Template rendering failed: timeout after 300s', 'S3 upload denied',
                              'Topmate API rate limited'])[1 + g % 3] END,
                   t.created_at,
                   CASE WHEN s.status IN ('pending', 'queued') THEN NULL
                        ELSE t.created_at + (2 + random() * 20) * interval '1 second' END,
                   CASE WHEN s.status IN ('completed', 'failed', 'cancelled')
                        THEN t.created_at + (60 + random() * 900) * interval '1 second' END,
                   t.created_at + interval '16 minutes'
              FROM generate_series(1, {n_jobs}) AS g
             CROSS JOIN LATERAL (SELECT CASE
                     WHEN g <= 6 THEN (ARRAY['pending', 'queued', 'processing', 'completed', 'failed',
                                             'cancelled'])[g]
                     WHEN g > {n_jobs} - 3 THEN (ARRAY['processing', 'queued', 'pending'])[{n_jobs} - g + 1]
                     WHEN random() < 0.62 THEN 'completed'
                     WHEN random() < 0.45 THEN 'failed'
                     WHEN random() < 0.5 THEN 'cancelled'
                     ELSE 'completed' END AS status) AS s
             CROSS JOIN LATERAL (SELECT now() - ({n_jobs} - g)::float / {n_jobs} * interval '60 days'
                                        - random() * interval '2 hours' AS created_at) AS t
            """
        )
        counts["batch_jobs"] = cur.rowcount

    big = n_posters + n_logs >= BULK_ROWS
    with bulk.indexes_deferred(conn, ("generated_posters", "job_logs", "poster_failure_details"), big):
        _fill_children(conn, counts, n_jobs, n_posters, n_logs)

    for table in TABLES:
        conn.execute(f"ANALYZE {table}")
    return counts


def _fill_children(conn: psycopg.Connection, counts: dict, n_jobs: int, n_posters: int, n_logs: int) -> None:
    if bulk.is_empty(conn, "generated_posters"):
        cur = conn.execute(
            f"""
            INSERT INTO generated_posters (job_id, user_identifier, username, display_name, poster_url, s3_key,
                                           status, processing_time_ms, error_message, metadata, created_at,
                                           updated_at)
            SELECT b.job_id, p.username, p.username, p.display_name,
                   CASE WHEN p.status = 'completed' THEN
                       'https://topmate-staging.s3.ap-south-1.amazonaws.com/' || b.job_id || '/' || p.username
                       || '_' || substr(md5(g::text), 1, 8) || '.png' END,
                   CASE WHEN p.status = 'completed' THEN
                       b.job_id || '/' || p.username || '_' || substr(md5(g::text), 1, 8) || '.png' END,
                   p.status::job_status,
                   CASE WHEN p.status IN ('completed', 'failed') THEN (700 + random() * 6000)::int END,
                   CASE WHEN p.status = 'failed' THEN
                       (ARRAY['Topmate API returned 502', 'Timed out rendering poster after 30000ms',
                              'Invalid username in CSV row', 'Image fetch failed: 404 profile_pic'])[1 + g % 4]
                   END,
                   CASE WHEN m.r < 0.52 THEN jsonb_build_object(
                            'user_id', 1000000 + g, 'display_name', p.display_name,
                            'profile_pic', 'https://topmate-assets.com/u/' || g || '.jpg',
                            'bio', 'Mentor and creator #' || g, 'fetched_from_api', true)
                        WHEN m.r < 0.68 THEN jsonb_build_object('user_id', 1000000 + g)
                        WHEN m.r < 0.76 THEN jsonb_build_object('user_id', (1000000 + g)::text,
                                                                'fetched_from_api', 'true')
                        WHEN m.r < 0.80 THEN jsonb_build_object('user_id', NULL, 'fetched_from_api', false)
                        WHEN m.r < 0.90 THEN '{{}}'::jsonb
                        ELSE jsonb_build_object('display_name', p.display_name, 'fetched_from_api', false,
                                                'error', 'user not found')
                   END,
                   b.created_at + (5 + random() * 600) * interval '1 second',
                   b.created_at + (10 + random() * 900) * interval '1 second'
              FROM generate_series(1, {n_posters}) AS g
              JOIN batch_jobs b ON b.job_id = {JOB_ID.format(n=f"1 + g % {n_jobs}")}
             CROSS JOIN LATERAL (SELECT
                     (ARRAY['phase', 'anika', 'rohit', 'meera', 'dev', 'sana', 'kabir', 'isha'])[1 + g % 8]
                         || '_' || g AS username,
                     (ARRAY['Phase', 'Anika Rao', 'Rohit S', 'Meera K', 'Dev P', 'Sana M', 'Kabir', 'Isha'])
                         [1 + g % 8] AS display_name,
                     CASE b.status
                         WHEN 'completed' THEN CASE WHEN random() < 0.93 THEN 'completed' ELSE 'failed' END
                         WHEN 'failed' THEN CASE WHEN random() < 0.6 THEN 'failed' ELSE 'completed' END
                         WHEN 'processing' THEN (ARRAY['completed', 'processing', 'pending', 'failed'])
                                                 [1 + floor(random() * 4)::int]
                         WHEN 'queued' THEN 'queued'
                         WHEN 'pending' THEN 'pending'
                         ELSE CASE WHEN random() < 0.5 THEN 'cancelled' ELSE 'completed' END
                     END AS status) AS p
             CROSS JOIN LATERAL (SELECT random() + 0 * g AS r) AS m
            """
        )
        counts["generated_posters"] = cur.rowcount
        # Job-level counters and the CSV usernames follow from the posters.
        conn.execute(
            """
            UPDATE batch_jobs b
               SET total_items = a.total, processed_items = a.processed, success_count = a.ok,
                   failure_count = a.failed, user_identifiers = a.names
              FROM (SELECT job_id, count(*) AS total,
                           count(*) FILTER (WHERE status IN ('completed', 'failed')) AS processed,
                           count(*) FILTER (WHERE status = 'completed') AS ok,
                           count(*) FILTER (WHERE status = 'failed') AS failed,
                           string_agg(username, ',') AS names
                      FROM generated_posters GROUP BY job_id) AS a
             WHERE a.job_id = b.job_id
            """
        )

    if bulk.is_empty(conn, "job_logs"):
        cur = conn.execute(
            f"""
            INSERT INTO job_logs (job_id, level, message, details, created_at)
            SELECT b.job_id, l.level::log_level,
                   CASE l.level
                       WHEN 'DEBUG' THEN 'Rendering batch ' || g % 17 || ' with model ' || coalesce(b.model, '?')
                       WHEN 'INFO' THEN (ARRAY['CSV job processing started - ' || coalesce(b.total_items, 0)
                                                   || ' posters to generate',
                                               'Fetched profile from Topmate API',
                                               'Uploaded poster to S3',
                                               'Job completed'])[1 + g % 4]
                       WHEN 'WARNING' THEN (ARRAY['[FRONTEND ERROR] sse_error: Connection failed',
                                                  'Retrying Topmate API call (attempt 2)',
                                                  'user_id missing for username, saving without it'])[1 + g % 3]
                       WHEN 'ERROR' THEN (ARRAY['Poster generation failed: timeout',
                                                'S3 upload failed: AccessDenied'])[1 + g % 2]
                       ELSE 'Worker crashed: ' || repeat('Traceback line; ', 1 + g % 40)
                   END,
                   CASE WHEN l.level = 'WARNING' AND g % 3 = 0 THEN jsonb_build_object(
                            'error_type', 'sse_error', 'error_message', 'Connection failed',
                            'user_agent', 'Mozilla/5.0 (Macintosh)', 'source', 'frontend')
                        WHEN l.level IN ('ERROR', 'CRITICAL') THEN jsonb_build_object(
                            'attempt', CASE WHEN g % 2 = 0 THEN to_jsonb(g % 4) ELSE to_jsonb((g % 4)::text) END,
                            'status_code', 502)
                        WHEN g % 9 = 0 THEN 'null'::jsonb
                        ELSE '{{}}'::jsonb END,
                   b.created_at + (g % 1000) * interval '1 second'
              FROM generate_series(1, {n_logs}) AS g
              JOIN batch_jobs b ON b.job_id = {JOB_ID.format(n=f"1 + g % {n_jobs}")}
             CROSS JOIN LATERAL (SELECT CASE WHEN g <= 5 THEN (ARRAY['DEBUG', 'INFO', 'WARNING', 'ERROR',
                                                                     'CRITICAL'])[g]
                                             WHEN random() < 0.6 THEN 'INFO'
                                             WHEN random() < 0.4 THEN 'DEBUG'
                                             WHEN random() < 0.5 THEN 'WARNING'
                                             WHEN random() < 0.8 THEN 'ERROR'
                                             ELSE 'CRITICAL' END AS level) AS l
             ORDER BY 5
            """
        )
        counts["job_logs"] = cur.rowcount

    if bulk.is_empty(conn, "poster_failure_details"):
        cur = conn.execute(
            """
            INSERT INTO poster_failure_details (job_id, poster_id, user_identifier, username, failure_type,
                                                error_message, error_details, retry_count, html_template,
                                                created_at)
            SELECT p.job_id,
                   CASE WHEN random() < 0.05 THEN NULL ELSE p.id END,
                   p.user_identifier, p.username,
                   (ARRAY['api_error', 'timeout', 'validation_error', 'api_error', 'render_error'])
                       [1 + floor(random() * 5)::int],
                   p.error_message,
                   CASE floor(random() * 4)::int
                       WHEN 0 THEN jsonb_build_object('status_code', 502, 'endpoint', '/api/users/' || p.username)
                       WHEN 1 THEN jsonb_build_object('status_code', '504', 'timeout_ms', 30000)
                       WHEN 2 THEN jsonb_build_object('field', 'username', 'reason', 'not found')
                       ELSE '{}'::jsonb END,
                   floor(random() * 4)::int,
                   b.template_html,
                   p.updated_at
              FROM generated_posters p
              JOIN batch_jobs b ON b.job_id = p.job_id
             WHERE p.status = 'failed'
            """
        )
        counts["poster_failure_details"] = cur.rowcount
