-- The benchmark's data: `cxrelay_bench.attempts` attempt rows and what goes with them in the
-- proportions of a busy deployment, spread evenly over the `cxrelay_bench.days` days before
-- `cxrelay_bench.now`. Everything is a function of the row number (no random()), so two runs
-- seed the same data. Each step below (a comment line naming it) is run and timed on its own.
--
-- Per event: 4 events to 5 attempt rows (one event in four makes a second call: a notify, a
-- transfer after the conversation read, a turn after the Endpoint read, or a retry); 2 audit
-- rows; a session for each bot session and virtual-agent event (a flow run is a turn of one);
-- resolution metrics for each conversation end.
--
-- Kinds, of 100 events: 35 fallbacks, 10 bot failures, 15 bot sessions, 25 flow runs, 10
-- virtual-agent conversations, 5 conversation ends. Outcomes, of 1000 calls: 930 success, 30
-- 503, 10 timeouts, 10 429, 10 404, 5 403, 5 401. Events, of 1000: 10 dead, 5 expired, the
-- rest succeeded, except in the last minutes: some in flight, some waiting for a retry.

-- Each function takes plain columns, not expressions, so that Postgres inlines it (it does not
-- inline an SQL function whose argument is an expression used more than once): a call would
-- cost microseconds, ten million times. OFFSET 0 keeps a computed column computed once per
-- row rather than again at each use the planner would inline it into.

-- step: helpers
CREATE SCHEMA bench;

CREATE FUNCTION bench.param(name text) RETURNS float8 LANGUAGE sql STABLE
    AS $$ SELECT current_setting('cxrelay_bench.' || name)::float8 $$;

-- Event j's kind, and its status when it came at `at` and the seed runs at `now`.
CREATE FUNCTION bench.kind(j bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN (j * 40503) % 100 < 35 THEN 'cognigy.fallback'
        WHEN (j * 40503) % 100 < 45 THEN 'cognigy.bot_failure'
        WHEN (j * 40503) % 100 < 60 THEN 'genesys.bot_session'
        WHEN (j * 40503) % 100 < 85 THEN 'cognigy.flow_run'
        WHEN (j * 40503) % 100 < 95 THEN 'genesys.virtual_agent'
        ELSE 'genesys.conversation_end'
    END $$;

CREATE FUNCTION bench.status(j bigint, at timestamptz, now timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN (j * 7919 + 17) % 1000 < 10 THEN 'dead'
        WHEN (j * 7919 + 17) % 1000 < 15 THEN 'expired'
        WHEN at > now - interval '15 minutes' AND (j * 7919 + 17) % 1000 < 40 THEN 'retrying'
        WHEN at > now - interval '1 minute' AND (j * 7919 + 17) % 1000 < 100 THEN 'processing'
        ELSE 'succeeded'
    END $$;

-- Event j's id: ordered by j, hence by time, as the ingress's UUID v7s are (so the primary
-- key grows at its end, as it does in production).
CREATE FUNCTION bench.event_id(j bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
    SELECT ('00000000-0000-7000-8000-' || substr(to_hex(281474976710656 + j), 2))::uuid $$;

-- Every event: its number, time, kind and status.
CREATE FUNCTION bench.events() RETURNS TABLE (j bigint, at timestamptz, kind text, status text)
LANGUAGE sql STABLE AS $$
    SELECT j, at, bench.kind(j), bench.status(j, at, now)
      FROM (SELECT j, to_timestamp(bench.param('start') + j * bench.param('step')) AS at,
                   to_timestamp(bench.param('now')) AS now
              FROM generate_series(0, bench.param('events')::bigint - 1) AS j
            OFFSET 0) numbered $$;

-- step: events
INSERT INTO events (id, kind, target, status, payload, reason, last_http_status, attempts,
                    received_at, created_at, updated_at, finished_at, next_attempt_at, deadline_at)
SELECT bench.event_id(j), kind,
       CASE WHEN kind IN ('genesys.bot_session', 'cognigy.flow_run') THEN 'cognigy' ELSE 'genesys' END,
       status,
       '{}'::jsonb,
       CASE status
           WHEN 'dead' THEN (ARRAY['rejected', 'unavailable', 'unauthorized', 'conversation_not_active'])[1 + j % 4]
           WHEN 'expired' THEN 'deadline_passed'
       END,
       CASE status
           WHEN 'dead' THEN (ARRAY[404, 503, 401, 200])[1 + j % 4]
           WHEN 'succeeded' THEN 200
       END,
       CASE WHEN status = 'retrying' THEN 2 ELSE 1 END,
       at, at, at + interval '1 second',
       CASE WHEN status IN ('succeeded', 'dead', 'expired') THEN at + interval '1 second' END,
       CASE WHEN status = 'retrying' THEN at + make_interval(secs => 30 + j % 600) END,
       at + interval '1 day'
  FROM (SELECT * FROM bench.events() OFFSET 0) e;

-- step: attempts
INSERT INTO attempts (event_id, attempt, call_seq, target, operation, started_at, finished_at,
                      outcome, http_status, latency_ms)
SELECT bench.event_id(j), 1, call_seq, split_part(operation, '.', 1), operation,
       started_at,
       CASE WHEN outcome IS NOT NULL THEN started_at + make_interval(secs => latency / 1000.0) END,
       outcome,
       CASE WHEN outcome IS NOT NULL THEN http_status END,
       CASE WHEN outcome IS NOT NULL THEN latency END
  FROM (
    SELECT i, j, call_seq,
           at + make_interval(secs => call_seq * 0.2) AS started_at,
           CASE bench.kind(j)
               WHEN 'cognigy.fallback' THEN (ARRAY['genesys.flows.executions.create', 'cognigy.endpoint.notify'])[call_seq]
               WHEN 'cognigy.bot_failure' THEN (ARRAY['genesys.conversations.get', 'genesys.conversations.participants.replace.queue'])[call_seq]
               WHEN 'genesys.bot_session' THEN 'cognigy.endpoint.turn'
               WHEN 'cognigy.flow_run' THEN (ARRAY['cognigy.endpoints.get', 'cognigy.endpoint.turn'])[call_seq]
               WHEN 'genesys.virtual_agent' THEN CASE WHEN j % 10 < 8 THEN 'genesys.conversations.messages.agentless' ELSE 'genesys.conversations.messages.create' END
               ELSE 'genesys.analytics.conversations.details.get'
           END AS operation,
           CASE
               WHEN bench.status(j, at, now) = 'processing' THEN NULL
               WHEN h < 930 THEN 'success'
               WHEN h < 980 THEN 'retryable'
               WHEN h < 995 THEN 'permanent'
               ELSE 'auth'
           END AS outcome,
           CASE
               WHEN h < 930 THEN 200
               WHEN h < 960 THEN 503
               WHEN h < 970 THEN NULL
               WHEN h < 980 THEN 429
               WHEN h < 990 THEN 404
               WHEN h < 995 THEN 403
               ELSE 401
           END AS http_status,
           CASE
               WHEN h BETWEEN 960 AND 969 THEN 10000
               WHEN h < 930 THEN 40 + (i * 31) % 300 + CASE WHEN (i * 97) % 100 = 0 THEN 2000 ELSE 0 END
               ELSE 20 + (i * 7) % 80
           END AS latency
      FROM (
        SELECT i, j, (i - (5 * j + 3) / 4 + 1)::int AS call_seq, (i * 104729 + 7) % 1000 AS h,
               to_timestamp(bench.param('start') + j * bench.param('step')) AS at,
               to_timestamp(bench.param('now')) AS now
          FROM generate_series(0, bench.param('attempts')::bigint - 1) AS i,
               LATERAL (SELECT i * 4 / 5 AS j) AS event_of
        OFFSET 0
      ) numbered
    OFFSET 0
  ) calls;

-- step: audit_log
INSERT INTO audit_log (at, event_id, actor, action, detail)
SELECT at + make_interval(secs => step), bench.event_id(j), 'worker',
       CASE step WHEN 0 THEN 'event.processing' ELSE 'event.' || status END,
       '{}'::jsonb
  FROM (SELECT * FROM bench.events() OFFSET 0) e,
       generate_series(0, 1) AS step
 WHERE step = 0 OR status <> 'processing';

-- step: sessions
INSERT INTO sessions (kind, session_key, endpoint, bot_id, user_id, conversation_id, status, path,
                      turns, started_at, last_turn_at, expires_at, ended_at, started_by)
SELECT CASE WHEN virtual THEN 'virtual_agent' ELSE 'cognigy' END,
       'bench-' || j,
       CASE WHEN NOT virtual THEN 'support' END,
       CASE WHEN virtual THEN (ARRAY['order-bot', 'faq-bot', 'billing-bot'])[1 + j % 3] END,
       'user-' || j % 100000,
       'bench-conversation-' || j,
       CASE
           WHEN virtual AND at > now - interval '30 minutes' THEN 'active'
           WHEN NOT virtual AND last_turn > now - interval '30 minutes' THEN 'active'
           WHEN NOT virtual AND j % 4 = 0 THEN 'expired'
           ELSE 'ended'
       END,
       CASE WHEN virtual THEN CASE WHEN j % 5 = 0 THEN 'escalated' ELSE 'agentless' END END,
       turns, at, last_turn, last_turn + interval '30 minutes',
       CASE WHEN NOT (last_turn > now - interval '30 minutes') THEN last_turn + interval '1 minute' END,
       bench.event_id(j)
  FROM (
    SELECT j, at, virtual, turns, at + make_interval(secs => 30 * turns + j % 600) AS last_turn,
           to_timestamp(bench.param('now')) AS now
      FROM (
        SELECT j, at, kind = 'genesys.virtual_agent' AS virtual,
               CASE WHEN kind = 'genesys.virtual_agent' THEN 1 ELSE 1 + (j % 7)::int END AS turns
          FROM bench.events()
         WHERE kind IN ('genesys.bot_session', 'genesys.virtual_agent')
        OFFSET 0
      ) bots
    OFFSET 0
  ) s;

-- step: conversation_metrics
INSERT INTO conversation_metrics (conversation_id, event_id, conversation_start, conversation_end,
                                  duration_ms, disconnect_type, media_type, queue_ids,
                                  segment_count, escalated, recorded_at)
SELECT 'bench-conversation-' || j, bench.event_id(j),
       at - make_interval(secs => duration_ms / 1000.0 + 10), at - interval '10 seconds',
       duration_ms,
       (ARRAY['client', 'peer', 'system', NULL])[1 + j % 4],
       (ARRAY['message', 'voice', 'callback'])[1 + j % 3],
       ARRAY['0d3b2a1c-1111-4a4a-9b9b-000000000001'],
       1 + (j % 5)::int, j % 5 = 0, at
  FROM (SELECT j, at, 60000 + (j * 13) % 600000 AS duration_ms
          FROM bench.events()
         WHERE kind = 'genesys.conversation_end'
        OFFSET 0) c;

-- step: target_events
INSERT INTO target_events (at, target, event, reason, until)
SELECT at, (ARRAY['genesys', 'cognigy'])[1 + k % 2], event, reason, at + make_interval(secs => lasts)
  FROM (
    SELECT k, to_timestamp(bench.param('start') + k * 360.0) AS at,
           CASE WHEN k % 20 < 14 THEN 'paused' WHEN k % 20 = 14 THEN 'paused'
                WHEN k % 20 < 18 THEN 'breaker_opened' ELSE 'breaker_closed' END AS event,
           CASE WHEN k % 20 < 14 THEN 'rate_limited' WHEN k % 20 = 14 THEN 'quota'
                WHEN k % 20 < 18 THEN 'failures' ELSE 'probe' END AS reason,
           CASE WHEN k % 20 < 14 THEN 3 + k % 30 WHEN k % 20 = 14 THEN 3600
                WHEN k % 20 < 18 THEN 30 ELSE 0 END AS lasts
      FROM generate_series(0, (bench.param('days') * 240)::bigint - 1) AS k
  ) t;
