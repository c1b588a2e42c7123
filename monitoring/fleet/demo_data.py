"""Demo rows for the fleet source: set-based INSERT ... SELECT over generate_series.

Every enum value appears; timestamps spread over the last 60 days (activity_log stays inside its
monthly partitions); JSON columns carry the odd rows real writers leave (missing keys, arrays
where objects are expected, numbers as strings); secret bytea columns hold random bytes.
"""

from __future__ import annotations

import psycopg

from backoffice.demo import bulk

# rows per table at scale 1, and the floor that keeps every enum value represented
SIZES = {
    "niches": (8, 5),
    "proxies": (40, 8),
    "devices": (25, 8),
    "accounts": (1000, 60),
    "hooks": (300, 30),
    "content": (1500, 60),
    "content_assets": (3000, 60),
    "content_flags": (300, 24),
    "distributions": (3000, 60),
    "trending_topics": (300, 20),
    "niche_subreddit_map": (40, 10),
    "activity_log": (5000, 200),
    "warming_progress": (2000, 60),
    "metric_snapshots": (5000, 100),
    "account_health_snapshots": (2000, 60),
    "system_events": (3000, 80),
}

RANDOM_BYTES = "decode(md5(random()::text) || md5(random()::text), 'hex')"
SERIES = "SELECT g, now() - random() * interval '60 days' AS t FROM generate_series(1, %(n)s) g"

STATEMENTS = {
    "niches": f"""
        WITH s AS ({SERIES})
        INSERT INTO niches (name, slug, config_yaml, tier, status, created_at, updated_at)
        SELECT COALESCE((ARRAY['Personal finance', 'AI storytelling', 'Tech & AI tools', 'Motivation',
                                'True crime'])[g], 'Niche ' || g),
               COALESCE((ARRAY['personal_finance', 'ai_storytelling', 'tech_ai_tools', 'motivation',
                                'true_crime'])[g], 'niche_' || g),
               CASE WHEN g % 2 = 0 THEN NULL ELSE E'posting:\n  per_day: ' || (1 + g % 4) || E'\n' END,
               (ARRAY['1', '2', '3'])[1 + g % 3]::niche_tier,
               (CASE WHEN g % 4 = 0 THEN 'paused' ELSE 'active' END)::niche_status,
               t, t + interval '1 day'
          FROM s
    """,
    "proxies": f"""
        WITH s AS ({SERIES})
        INSERT INTO proxies (provider, type, host, port, credentials_enc, geo_country, geo_region, geo_city,
                             ip_reputation_score, is_healthy, last_health_check, created_at, updated_at)
        SELECT (ARRAY['brightdata', 'iproyal', 'soax', 'smartproxy'])[1 + g % 4],
               (ARRAY['residential', 'mobile', 'isp'])[1 + g % 3]::proxy_type,
               'gw' || g || '.proxy.example.net', 10000 + g,
               CASE WHEN g % 10 = 0 THEN NULL ELSE {RANDOM_BYTES} END,
               (ARRAY['US', 'US', 'GB', 'DE', 'CA'])[1 + g % 5],
               CASE WHEN g % 3 = 0 THEN NULL ELSE 'Region ' || (g % 7) END,
               CASE WHEN g % 3 = 0 THEN NULL ELSE 'City ' || (g % 11) END,
               CASE WHEN g % 5 = 0 THEN NULL ELSE round((random() * 99)::numeric, 2) END,
               g % 6 <> 0,
               CASE WHEN g % 8 = 0 THEN NULL ELSE now() - random() * interval '2 hours' END,
               t, t + interval '1 day'
          FROM s
    """,
    "devices": f"""
        WITH p AS (SELECT array_agg(id) AS ids FROM proxies), s AS ({SERIES})
        INSERT INTO devices (name, model, udid, ios_version, wda_port, current_proxy_id, status, connected_since,
                             battery_level, storage_free_gb, created_at, updated_at)
        SELECT CASE WHEN g % 11 = 0 THEN NULL ELSE 'iPhone-' || lpad(g::text, 3, '0') END,
               (ARRAY['iPhone 12 mini', 'iPhone 13', 'iPhone SE (3rd gen)', 'iPhone 14'])[1 + g % 4],
               '00008110-' || upper(lpad(to_hex(g * 7919), 16, '0')),
               (ARRAY['16.7.8', '17.4.1', '17.5', '18.1'])[1 + g % 4],
               8100 + g,
               CASE WHEN g % 7 = 0 OR cardinality(p.ids) = 0 THEN NULL ELSE p.ids[1 + g % cardinality(p.ids)] END,
               (ARRAY['active', 'active', 'maintenance', 'failed', 'disconnected'])[1 + g % 5]::device_status,
               CASE WHEN g % 5 IN (3, 4) THEN NULL ELSE now() - random() * interval '3 days' END,
               CASE WHEN g % 9 = 0 THEN NULL ELSE (5 + random() * 95)::smallint END,
               CASE WHEN g % 10 = 0 THEN NULL ELSE round((2 + random() * 100)::numeric, 2) END,
               t, t + interval '1 day'
          FROM s CROSS JOIN p
    """,
    "accounts": f"""
        WITH n AS (SELECT array_agg(id) AS ids FROM niches),
             d AS (SELECT array_agg(id) AS ids FROM devices),
             p AS (SELECT array_agg(id) AS ids FROM proxies),
             s AS ({SERIES})
        INSERT INTO accounts (platform, username, display_name, email_enc, password_enc, phone_number_enc,
                              totp_secret_enc, proxy_id, device_id, niche_id, current_state,
                              warming_day_count, followers, following, is_shadowbanned, bio_text, profile_pic_url,
                              last_activity_at, last_warmed_at, last_post_at, deleted_at, created_at, updated_at)
        SELECT (ARRAY['tiktok', 'instagram', 'tiktok', 'instagram', 'youtube_shorts', 'reddit',
                      'x_twitter'])[1 + g % 7]::platform_type,
               (ARRAY['money', 'story', 'ai', 'grind', 'crime', 'daily', 'tips'])[1 + g % 7] || '.'
                   || (ARRAY['hub', 'lab', 'daily', 'vault', 'zone'])[1 + g % 5] || g,
               CASE WHEN g % 8 = 0 THEN NULL ELSE 'Account ' || g END,
               {RANDOM_BYTES}, {RANDOM_BYTES},
               CASE WHEN g % 3 = 0 THEN NULL ELSE {RANDOM_BYTES} END,
               CASE WHEN g % 4 = 0 THEN NULL ELSE {RANDOM_BYTES} END,
               CASE WHEN g % 10 = 0 OR cardinality(p.ids) = 0 THEN NULL ELSE p.ids[1 + g % cardinality(p.ids)] END,
               CASE WHEN g % 13 = 0 OR cardinality(d.ids) = 0 THEN NULL ELSE d.ids[1 + g % cardinality(d.ids)] END,
               CASE WHEN cardinality(n.ids) > 0 THEN n.ids[1 + g % cardinality(n.ids)] END,
               (ARRAY['created', 'warming_p1', 'warming_p2', 'warming_p3', 'active', 'active', 'active',
                      'resting', 'cooldown', 'flagged', 'restricted', 'suspended', 'banned',
                      'shadowbanned'])[1 + g % 14]::account_state,
               g % 30, (random() * 50000)::int, (random() * 800)::int, g % 14 = 13,
               CASE WHEN g % 5 = 0 THEN NULL ELSE 'Daily tips, stories and more #' || g END,
               CASE WHEN g % 6 = 0 THEN NULL ELSE 'https://cdn.example.com/avatars/' || md5(g::text) || '.jpg' END,
               now() - random() * interval '5 days',
               CASE WHEN g % 4 = 0 THEN NULL ELSE now() - random() * interval '3 days' END,
               CASE WHEN g % 3 = 0 THEN NULL ELSE now() - random() * interval '10 days' END,
               CASE WHEN g % 25 = 0 THEN now() - random() * interval '20 days' END,
               t, t + interval '1 day'
          FROM s CROSS JOIN n CROSS JOIN d CROSS JOIN p
    """,
    "hooks": f"""
        WITH n AS (SELECT array_agg(id) AS ids FROM niches), s AS ({SERIES})
        INSERT INTO hooks (hook_text, template_text, hook_category, emotional_tone, platform, niche_id, times_used,
                           avg_3s_retention, avg_engagement_rate, performance_score, thompson_alpha, thompson_beta,
                           is_active, created_at, updated_at)
        SELECT (ARRAY['Nobody tells you this about', 'Stop doing this with', 'I tried', 'The truth about',
                      'Here is why'])[1 + g % 5] || ' topic ' || g,
               CASE WHEN g % 4 = 0 THEN NULL ELSE 'Nobody tells you this about {{topic}}' END,
               (ARRAY['curiosity_gap', 'bold_claim', 'problem_pain', 'proof_results', 'numbers_data',
                      'urgency_fomo', 'list_structure', 'personal_story', 'shock_tension',
                      'direct_callout'])[1 + g % 10]::hook_category,
               (ARRAY['intrigue', 'urgency', 'humor', 'fear', NULL])[1 + g % 5],
               CASE WHEN g % 6 = 0 THEN NULL
                    ELSE (ARRAY['tiktok', 'instagram', 'youtube_shorts', 'reddit', 'x_twitter'])[1 + g % 5]
               END::platform_type,
               CASE WHEN cardinality(n.ids) > 0 THEN n.ids[1 + g % cardinality(n.ids)] END,
               (random() * 200)::int,
               CASE WHEN g % 5 = 0 THEN NULL ELSE round(random()::numeric, 4) END,
               CASE WHEN g % 5 = 0 THEN NULL ELSE round((random() * 0.2)::numeric, 4) END,
               CASE WHEN g % 5 = 0 THEN NULL ELSE round((random() * 100)::numeric, 3) END,
               round((1 + random() * 40)::numeric, 4), round((1 + random() * 40)::numeric, 4),
               g % 9 <> 0, t, t + interval '1 day'
          FROM s CROSS JOIN n
    """,
    "content": f"""
        WITH n AS (SELECT array_agg(id) AS ids FROM niches), h AS (SELECT array_agg(id) AS ids FROM hooks),
             s AS ({SERIES})
        INSERT INTO content (niche_id, topic, script_text, hook_id, content_format, production_status,
                             quality_score, cost_usd, duration_seconds, file_paths, temporal_workflow_id,
                             source_reddit_url, created_at, updated_at)
        SELECT n.ids[1 + g % cardinality(n.ids)],
               (ARRAY['How compound interest works', 'The AI that wrote a novel', '5 tools to automate email',
                      'Discipline beats motivation', 'The case nobody solved'])[1 + g % 5] || ' (' || g || ')',
               CASE WHEN g % 6 = 0 THEN NULL ELSE 'Hook line. Three beats of story. Call to action.' END,
               CASE WHEN g % 8 = 0 OR cardinality(h.ids) = 0 THEN NULL ELSE h.ids[1 + g % cardinality(h.ids)] END,
               (ARRAY['faceless', 'reddit_story', 'ai_avatar', 'carousel', 'meme',
                      'listicle'])[1 + g % 6]::content_format,
               (ARRAY['scripting', 'generating', 'assembling', 'distributing', 'complete', 'complete',
                      'failed'])[1 + g % 7]::production_status,
               CASE WHEN g % 7 IN (0, 1) THEN NULL ELSE round((random() * 10)::numeric, 2) END,
               round((random() * 2)::numeric, 4),
               CASE WHEN g % 7 IN (0, 1) THEN NULL ELSE round((20 + random() * 60)::numeric, 2) END,
               CASE g % 10
                   WHEN 0 THEN '{{}}'::jsonb
                   WHEN 1 THEN jsonb_build_array('/out/' || g || '/final.mp4')
                   WHEN 2 THEN jsonb_build_object('video', 123, 'audio', NULL)
                   ELSE jsonb_build_object('video', '/out/' || g || '/final.mp4', 'audio', '/out/' || g || '/vo.mp3',
                                           'subtitles', '/out/' || g || '/subs.srt')
               END,
               'produce-content-' || lpad(g::text, 8, '0'),
               CASE WHEN g % 5 = 1 THEN 'https://www.reddit.com/r/tifu/comments/' || substr(md5(g::text), 1, 6) END,
               t, t + interval '20 minutes'
          FROM s CROSS JOIN n CROSS JOIN h
         WHERE cardinality(n.ids) > 0
    """,
    "content_assets": f"""
        WITH c AS (SELECT array_agg(id) AS ids FROM content), s AS ({SERIES})
        INSERT INTO content_assets (content_id, asset_type, model_used, cost_usd, file_path, duration_seconds,
                                    metadata_json, created_at)
        SELECT c.ids[1 + g % cardinality(c.ids)],
               (ARRAY['voiceover', 'image', 'video_clip', 'music', 'caption_file'])[1 + g % 5]::asset_type,
               (ARRAY['kling_3_std', 'kling_3_pro', 'hailuo_02', 'hunyuan', 'flux2', 'elevenlabs', 'openai_tts',
                      'suno', 'deepgram', 'stock', 'seedance', 'pika', 'runway', 'sora',
                      'luma'])[1 + g % 15]::asset_model,
               round((random() * 0.5)::numeric, 4),
               '/out/assets/' || md5(g::text),
               CASE WHEN g % 6 IN (3, 4) THEN NULL ELSE round((random() * 60)::numeric, 2) END,
               CASE g % 7 WHEN 0 THEN NULL WHEN 1 THEN '{{"voice": 7}}'::jsonb
                    ELSE jsonb_build_object('voice', 'adam', 'bitrate', '128k') END,
               t
          FROM s CROSS JOIN c
         WHERE cardinality(c.ids) > 0
    """,
    "content_flags": f"""
        WITH d AS (SELECT array_agg(id) AS ids, array_agg(content_id) AS content_ids,
                          array_agg(platform) AS platforms FROM distributions),
             s AS ({SERIES})
        INSERT INTO content_flags (content_id, distribution_id, flag_type, platform, detail_text, resolved,
                                   flagged_at, resolved_at)
        SELECT CASE WHEN g % 3 = 1 THEN NULL ELSE d.content_ids[1 + g % cardinality(d.ids)] END,
               CASE WHEN g % 3 = 0 THEN NULL ELSE d.ids[1 + g % cardinality(d.ids)] END,
               (ARRAY['copyright', 'policy', 'spam', 'shadowban'])[1 + g % 4]::flag_type,
               CASE WHEN g % 3 = 0 THEN NULL ELSE d.platforms[1 + g % cardinality(d.ids)] END,
               CASE WHEN g % 5 = 0 THEN NULL ELSE 'Flagged by check #' || g END,
               g % 2 = 0, t, CASE WHEN g % 2 = 0 THEN t + interval '3 hours' END
          FROM s CROSS JOIN d
         WHERE cardinality(d.ids) > 0
    """,
    "distributions": f"""
        WITH c AS (SELECT array_agg(id) AS ids FROM content),
             a AS (SELECT array_agg(id) AS ids, array_agg(platform) AS platforms FROM accounts),
             s AS ({SERIES})
        INSERT INTO distributions (content_id, account_id, platform, status, posted_at, post_url,
                                   post_id_on_platform, caption_text, hashtags, scheduled_for, posted_via,
                                   error_message, retry_count, created_at, updated_at)
        SELECT c.ids[1 + g % cardinality(c.ids)],
               a.ids[1 + (g * 7) % cardinality(a.ids)],
               a.platforms[1 + (g * 7) % cardinality(a.ids)],
               (ARRAY['queued', 'posting', 'posted', 'posted', 'posted', 'failed',
                      'removed'])[1 + g % 7]::distribution_status,
               CASE WHEN g % 7 IN (2, 3, 4, 6) THEN t + interval '30 minutes' END,
               CASE WHEN g % 7 IN (2, 3, 4, 6) THEN 'https://www.tiktok.com/@acct/video/7301' || lpad(g::text, 15, '0')
               END,
               CASE WHEN g % 7 IN (2, 3, 4, 6) THEN '7301' || lpad(g::text, 15, '0') END,
               CASE WHEN g % 9 = 0 THEN NULL ELSE 'Watch till the end #' || g END,
               CASE WHEN g % 11 = 0 THEN '{{}}'::text[] WHEN g % 13 = 0 THEN NULL
                    ELSE ARRAY['fyp', (ARRAY['money', 'ai', 'motivation', 'truecrime'])[1 + g % 4], 'viral'] END,
               t + interval '10 minutes',
               CASE WHEN g % 7 IN (0, 1) THEN NULL
                    ELSE (ARRAY['late_api', 'upload_post', 'native_device'])[1 + g % 3]
               END::posting_method,
               CASE WHEN g % 7 = 5 THEN (ARRAY['Upload button not found', 'Session expired',
                                               'Video rejected by platform'])[1 + g % 3] END,
               CASE WHEN g % 7 = 5 THEN 1 + g % 3 ELSE 0 END,
               t, t + interval '40 minutes'
          FROM s CROSS JOIN c CROSS JOIN a
         WHERE cardinality(c.ids) > 0 AND cardinality(a.ids) > 0
    """,
    "trending_topics": f"""
        WITH n AS (SELECT array_agg(id) AS ids FROM niches), s AS ({SERIES})
        INSERT INTO trending_topics (platform, topic_text, hashtag, sound_id, detected_at, peak_at, trend_score,
                                     niche_id, is_active)
        SELECT (ARRAY['tiktok', 'instagram', 'youtube_shorts', 'reddit', 'x_twitter'])[1 + g % 5]::platform_type,
               CASE WHEN g % 4 = 3 THEN NULL ELSE 'Trending topic ' || g END,
               CASE WHEN g % 3 = 0 THEN NULL ELSE 'trend' || g END,
               CASE WHEN g % 5 = 0 THEN '7' || lpad(g::text, 18, '0') END,
               t, CASE WHEN g % 2 = 0 THEN t + interval '6 hours' END,
               CASE WHEN g % 7 = 0 THEN NULL ELSE round((random() * 1000)::numeric, 2) END,
               CASE WHEN g % 6 = 0 OR cardinality(n.ids) = 0 THEN NULL ELSE n.ids[1 + g % cardinality(n.ids)] END,
               g % 3 <> 0
          FROM s CROSS JOIN n
    """,
    "niche_subreddit_map": f"""
        WITH n AS (SELECT array_agg(id) AS ids FROM niches), s AS ({SERIES})
        INSERT INTO niche_subreddit_map (niche_id, subreddit_name, min_karma_required, min_account_age_days,
                                         posting_frequency_limit, automod_rules_json, is_active)
        SELECT n.ids[1 + g % cardinality(n.ids)],
               (ARRAY['personalfinance', 'WritingPrompts', 'artificial', 'GetMotivated',
                      'UnresolvedMysteries'])[1 + g % 5] || CASE WHEN g > 5 THEN g::text ELSE '' END,
               (g % 4) * 50, (g % 3) * 7,
               CASE WHEN g % 3 = 0 THEN NULL ELSE (1 + g % 24) * interval '1 hour' END,
               CASE WHEN g % 4 = 0 THEN NULL ELSE jsonb_build_object('min_title_length', 10 + g % 20) END,
               g % 7 <> 0
          FROM s CROSS JOIN n
         WHERE cardinality(n.ids) > 0
    """,
    "activity_log": f"""
        WITH a AS (SELECT id, device_id, row_number() OVER () - 1 AS rn FROM accounts),
             c AS (SELECT count(*) AS n FROM accounts),
             s AS ({SERIES})
        INSERT INTO activity_log (id, account_id, device_id, activity_type, detail_json, success, error_message,
                                  "timestamp")
        SELECT gen_random_uuid(), a.id, a.device_id,
               (ARRAY['watch', 'like', 'comment', 'follow', 'unfollow', 'post', 'share', 'save', 'search',
                      'scroll'])[1 + g % 10]::activity_type,
               CASE g % 12
                   WHEN 0 THEN NULL
                   WHEN 1 THEN jsonb_build_object('duration_s', '45')
                   ELSE jsonb_build_object('duration_s', (random() * 120)::int, 'video_id', '7301' || g)
               END,
               g % 17 <> 0,
               CASE WHEN g % 17 = 0 THEN (ARRAY['Element not found: like button', 'WDA session lost',
                                                'Captcha shown'])[1 + g % 3] END,
               t
          FROM s CROSS JOIN c JOIN a ON a.rn = s.g % NULLIF(c.n, 0)
    """,
    "warming_progress": """
        WITH a AS (SELECT array_agg(id) AS ids FROM accounts),
             s AS (SELECT g FROM generate_series(0, %(n)s - 1) g)
        INSERT INTO warming_progress (account_id, phase, day_in_phase, likes_given, comments_made, posts_created,
                                      views_received, follows_given, metrics_json, graduated_at, recorded_at,
                                      created_at)
        SELECT a.ids[1 + g % cardinality(a.ids)],
               (ARRAY['p1', 'p2', 'p3'])[1 + (g / cardinality(a.ids)) % 3]::warming_phase,
               1 + g / (cardinality(a.ids) * 3),
               (random() * 60)::int, (random() * 6)::int, (random() * 2)::int, (random() * 900)::int,
               (random() * 20)::int,
               CASE WHEN g % 10 = 0 THEN NULL WHEN g % 10 = 1 THEN '[]'::jsonb
                    ELSE jsonb_build_object('minutes_scrolled', (random() * 40)::int) END,
               CASE WHEN g % 19 = 0 THEN now() - random() * interval '30 days' END,
               (current_date - (g % 60)),
               (current_date - (g % 60)) + interval '23 hours'
          FROM s CROSS JOIN a
         WHERE cardinality(a.ids) > 0
    """,
    "metric_snapshots": f"""
        WITH d AS (SELECT array_agg(id) AS ids FROM distributions), s AS ({SERIES})
        INSERT INTO metric_snapshots (time, distribution_id, views, likes, comments, shares, saves, completion_rate,
                                      engagement_rate, follower_count_at, source_breakdown)
        SELECT t, d.ids[1 + g % cardinality(d.ids)],
               (random() * 100000)::int, (random() * 8000)::int, (random() * 400)::int, (random() * 300)::int,
               (random() * 500)::int,
               CASE WHEN g % 9 = 0 THEN NULL ELSE round(random()::numeric, 4) END,
               CASE WHEN g % 9 = 0 THEN NULL ELSE round((random() * 0.2)::numeric, 4) END,
               CASE WHEN g % 10 = 0 THEN NULL ELSE (random() * 50000)::int END,
               CASE g % 8 WHEN 0 THEN NULL WHEN 1 THEN '{{"fyp": "n/a"}}'::jsonb
                    ELSE jsonb_build_object('fyp', 0.85, 'following', 0.1, 'profile', 0.05) END
          FROM s CROSS JOIN d
         WHERE cardinality(d.ids) > 0
    """,
    "account_health_snapshots": f"""
        WITH a AS (SELECT array_agg(id) AS ids FROM accounts), s AS ({SERIES})
        INSERT INTO account_health_snapshots (time, account_id, reach_rate, engagement_rate, avg_completion_rate,
                                              growth_rate_7d, followers, following, is_shadowbanned,
                                              action_blocks_24h, content_removals_7d)
        SELECT t, a.ids[1 + g % cardinality(a.ids)],
               CASE WHEN g % 6 = 0 THEN NULL ELSE round(random()::numeric, 4) END,
               CASE WHEN g % 6 = 0 THEN NULL ELSE round((random() * 0.2)::numeric, 4) END,
               CASE WHEN g % 7 = 0 THEN NULL ELSE round(random()::numeric, 4) END,
               CASE WHEN g % 5 = 0 THEN NULL ELSE round(((random() - 0.3) * 0.5)::numeric, 4) END,
               (random() * 50000)::int, (random() * 800)::int,
               g % 12 = 11, g % 9, g % 4
          FROM s CROSS JOIN a
         WHERE cardinality(a.ids) > 0
    """,
    "system_events": f"""
        WITH d AS (SELECT array_agg(id) AS ids FROM devices),
             a AS (SELECT array_agg(id) AS ids FROM accounts),
             s AS ({SERIES})
        INSERT INTO system_events ("timestamp", category, severity, event_type, device_id, account_id, message,
                                   context, resolved, resolved_by, resolved_at)
        SELECT t,
               (ARRAY['scheduler', 'account', 'device', 'auth'])[1 + g % 4],
               (ARRAY['info', 'info', 'warning', 'error', 'critical'])[1 + g % 5],
               (ARRAY['warming_complete', 'login_failed', 'device_disconnected', 'captcha_detected',
                      'post_failed', 'account_flagged'])[1 + g % 6],
               CASE WHEN g % 3 = 0 OR cardinality(d.ids) = 0 THEN NULL ELSE d.ids[1 + g % cardinality(d.ids)] END,
               CASE WHEN g % 4 = 0 OR cardinality(a.ids) = 0 THEN NULL ELSE a.ids[1 + g % cardinality(a.ids)] END,
               'Event ' || g || ': ' || (ARRAY['warming session finished', 'login challenge',
                                               'USB connection lost', 'captcha on feed', 'upload failed',
                                               'reach dropped'])[1 + g % 6],
               CASE g % 10
                   WHEN 0 THEN NULL
                   WHEN 1 THEN '["unexpected", "array"]'::jsonb
                   WHEN 2 THEN jsonb_build_object('attempt', 'three')
                   ELSE jsonb_build_object('attempt', 1 + g % 3, 'screen', 'feed',
                                           'duration_ms', (random() * 9000)::int)
               END,
               g % 3 <> 2,
               CASE WHEN g % 3 <> 2 THEN (ARRAY['human', 'llm_agent', 'auto'])[1 + g % 3] END,
               CASE WHEN g % 3 <> 2 THEN t + interval '20 minutes' END
          FROM s CROSS JOIN d CROSS JOIN a
    """,
}

# Flags point at distributions (and their content), so they come after them.
STATEMENTS["content_flags"] = STATEMENTS.pop("content_flags")
TABLES = tuple(STATEMENTS)

FOLLOW_UPS = {
    # proxies.assigned_device_id is set once devices exist (the two reference each other)
    "devices": """
        UPDATE proxies p SET assigned_device_id = d.id
          FROM devices d
         WHERE d.current_proxy_id = p.id AND p.assigned_device_id IS NULL
    """,
}


def rows_for(table: str, scale: float) -> int:
    base, floor = SIZES[table]
    return max(floor, round(base * scale))


def generate(conn: psycopg.Connection, scale: float = 1.0) -> dict[str, int]:
    """Fill the empty fleet tables; return {table: rows inserted} (0 for tables left alone)."""
    counts: dict[str, int] = {}
    with bulk.without_fk_checks(conn):
        _fill(conn, scale, counts)
    bulk.analyze(conn, TABLES)
    return counts


def _fill(conn: psycopg.Connection, scale: float, counts: dict[str, int]) -> None:
    for table in TABLES:
        if not bulk.is_empty(conn, table):
            counts[table] = 0
            continue
        # The statements use %% only where psycopg parameters are present: all of them take %(n)s.
        with bulk.indexes_deferred(conn, (table,)):
            cursor = conn.execute(
                STATEMENTS[table].replace("%", "%%").replace("%%(n)s", "%(n)s"), {"n": rows_for(table, scale)}
            )
            counts[table] = max(cursor.rowcount, 0)
        if table in FOLLOW_UPS:
            conn.execute(FOLLOW_UPS[table])
