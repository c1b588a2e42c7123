"""Demo rows for the publishing source: set-based INSERT ... SELECT over generate_series.

Every status and platform appears; timestamps spread over the last 60 days; jobs.params has the
odd rows a real worker leaves behind (no "platform" key, a number, a null).
"""

from __future__ import annotations

import psycopg

from backoffice.demo import bulk

TABLES = ("video_assets", "clips", "jobs", "campaigns", "publish_logs")

# rows per table at scale 1, and the floor that keeps every enum value represented
SIZES = {
    "video_assets": (400, 10),
    "clips": (2000, 20),
    "jobs": (3000, 40),
    "campaigns": (200, 12),
    "publish_logs": (5000, 50),
}

STATEMENTS = {
    "video_assets": """
        WITH s AS (SELECT g, now() - random() * interval '60 days' AS t FROM generate_series(1, %(n)s) g)
        INSERT INTO video_assets (title, description, file_path, file_size_bytes, duration_ms, width, height,
                                  source_url, created_at, updated_at)
        SELECT (ARRAY['Money talk', 'Startup stories', 'Fitness Q&A', 'Tech news', 'Comedy hour'])[1 + g %% 5]
                   || ' #' || g,
               CASE WHEN g %% 7 = 0 THEN NULL ELSE 'Long-form recording ' || g END,
               '/data/videos/' || md5(g::text) || '.mp4',
               (50e6 + random() * 2e9)::bigint,
               (60000 + random() * 5400000)::int,
               CASE WHEN g %% 3 = 0 THEN 1080 ELSE 1920 END,
               CASE WHEN g %% 3 = 0 THEN 1920 ELSE 1080 END,
               CASE WHEN g %% 4 = 0 THEN 'https://www.youtube.com/watch?v=' || substr(md5(g::text), 1, 11) END,
               t, t + interval '7 minutes'
          FROM s
    """,
    "clips": """
        WITH v AS (SELECT array_agg(id) AS ids FROM video_assets),
             s AS (SELECT g, now() - random() * interval '60 days' AS t, (random() * 3000000)::int AS st
                     FROM generate_series(1, %(n)s) g)
        INSERT INTO clips (video_asset_id, title, start_ms, end_ms, duration_ms, file_path, visual_score,
                           created_at, updated_at)
        SELECT v.ids[1 + g %% cardinality(v.ids)],
               CASE WHEN g %% 9 = 0 THEN NULL ELSE 'Highlight ' || g END,
               st, st + 15000 + (g %% 46) * 1000, 15000 + (g %% 46) * 1000,
               '/data/clips/' || md5('clip' || g) || '.mp4',
               CASE WHEN g %% 15 = 0 THEN NULL ELSE round(random()::numeric, 3)::float8 END,
               t, t + interval '2 minutes'
          FROM s CROSS JOIN v
         WHERE cardinality(v.ids) > 0
    """,
    "jobs": """
        WITH c AS (SELECT array_agg(id) AS ids, array_agg(video_asset_id) AS vids FROM clips),
             s AS (SELECT g, now() - random() * interval '60 days' AS t FROM generate_series(1, %(n)s) g)
        INSERT INTO jobs (job_type, status, params, result, error_message, video_asset_id, clip_id,
                          started_at, completed_at, created_at, updated_at)
        SELECT (ARRAY['extract_clips', 'render_clip', 'score_clip', 'publish_clip'])[1 + g %% 4],
               (ARRAY['pending', 'processing', 'completed', 'failed'])[1 + (g / 4) %% 4],
               CASE g %% 10
                   WHEN 0 THEN '{}'::jsonb
                   WHEN 1 THEN jsonb_build_object('platform', 42)
                   WHEN 2 THEN jsonb_build_object('platform', NULL, 'aspect', '9:16')
                   ELSE jsonb_build_object('platform', (ARRAY['instagram', 'tiktok', 'youtube', 'other'])[1 + g %% 4],
                                           'aspect', '9:16', 'max_duration_s', 60)
               END,
               CASE (g / 4) %% 4
                   WHEN 2 THEN jsonb_build_object('output_path', '/data/out/' || md5(g::text) || '.mp4',
                                                  'duration_ms', 30000)
               END,
               CASE (g / 4) %% 4 WHEN 3 THEN (ARRAY['ffmpeg exited with status 1', 'Upload timeout after 120s',
                                                    'Clip shorter than minimum duration'])[1 + g %% 3] END,
               c.vids[1 + g %% cardinality(c.ids)],
               CASE WHEN g %% 5 = 0 THEN NULL ELSE c.ids[1 + g %% cardinality(c.ids)] END,
               CASE WHEN (g / 4) %% 4 > 0 THEN t + interval '5 seconds' END,
               CASE WHEN (g / 4) %% 4 >= 2 THEN t + random() * interval '10 minutes' END,
               t, t + interval '10 minutes'
          FROM s CROSS JOIN c
         WHERE cardinality(c.ids) > 0
    """,
    "campaigns": """
        WITH c AS (SELECT array_agg(id) AS ids FROM clips),
             s AS (SELECT g, now() - random() * interval '60 days' AS t FROM generate_series(1, %(n)s) g)
        INSERT INTO campaigns (name, clip_id, status, budget, targeting, start_date, end_date, created_at, updated_at)
        SELECT (ARRAY['Spring launch', 'Black Friday', 'Creator push', 'Evergreen'])[1 + g %% 4] || ' ' || g,
               CASE WHEN g %% 11 = 0 THEN NULL ELSE c.ids[1 + g %% cardinality(c.ids)] END,
               (ARRAY['draft', 'active', 'paused', 'completed'])[1 + g %% 4],
               round((random() * 5000)::numeric, 2),
               CASE WHEN g %% 6 = 0 THEN '{}'::jsonb
                    ELSE jsonb_build_object('countries', jsonb_build_array('ES', 'MX', 'US'), 'age_min', 18) END,
               t + interval '1 day', CASE WHEN g %% 4 = 3 THEN t + interval '15 days' END,
               t, t + interval '1 hour'
          FROM s CROSS JOIN c
         WHERE cardinality(c.ids) > 0
    """,
    "publish_logs": """
        WITH c AS (SELECT array_agg(id) AS ids FROM clips),
             s AS (SELECT g, now() - random() * interval '60 days' AS t FROM generate_series(1, %(n)s) g)
        INSERT INTO publish_logs (clip_id, platform, social_account_id, status, requested_at, scheduled_for,
                                  published_at, platform_post_id, post_url, error_message, retry_count,
                                  extra_metadata, created_at, updated_at)
        SELECT c.ids[1 + g %% cardinality(c.ids)],
               (ARRAY['instagram', 'tiktok', 'youtube', 'other'])[1 + g %% 4],
               ('00000000-0000-4000-8000-' || lpad(to_hex(g %% 40), 12, '0'))::uuid,
               (ARRAY['pending', 'scheduled', 'processing', 'success', 'failed'])[1 + (g / 4) %% 5],
               t,
               CASE WHEN (g / 4) %% 5 = 1 THEN t + interval '6 hours' END,
               CASE WHEN (g / 4) %% 5 = 3 THEN t + (1 + random() * 600) * interval '1 second' END,
               CASE WHEN (g / 4) %% 5 = 3 THEN '73' || lpad(g::text, 17, '0') END,
               CASE WHEN (g / 4) %% 5 = 3 THEN 'https://example.com/p/73' || lpad(g::text, 17, '0') END,
               CASE WHEN (g / 4) %% 5 = 4 THEN (ARRAY['Rate limited by platform', 'Session expired',
                                                      'Video rejected: duration'])[1 + g %% 3] END,
               CASE WHEN (g / 4) %% 5 = 4 THEN 1 + g %% 3 ELSE 0 END,
               CASE g %% 8 WHEN 0 THEN NULL WHEN 1 THEN '"caption only"'::jsonb
                    ELSE jsonb_build_object('caption', 'New clip ' || g, 'attempt', 1 + g %% 3) END,
               t, t + interval '1 minute'
          FROM s CROSS JOIN c
         WHERE cardinality(c.ids) > 0
    """,
}


def rows_for(table: str, scale: float) -> int:
    base, floor = SIZES[table]
    return max(floor, round(base * scale))


def generate(conn: psycopg.Connection, scale: float = 1.0) -> dict[str, int]:
    """Fill the empty publishing tables; return {table: rows inserted} (0 for tables left alone)."""
    counts: dict[str, int] = {}
    with bulk.without_fk_checks(conn):
        for table in TABLES:
            if not bulk.is_empty(conn, table):
                counts[table] = 0
                continue
            with bulk.indexes_deferred(conn, (table,)):
                cursor = conn.execute(STATEMENTS[table], {"n": rows_for(table, scale)})
                counts[table] = max(cursor.rowcount, 0)
    bulk.analyze(conn, TABLES)
    return counts
