-- Dashboard views (issue 5), in the schema `ops`. Their names and column names are an interface:
-- users chart them, so a change is a new view, never a rename. Never edit this file once
-- applied: add a migration.
--
-- Every view reads a bounded set by an index (a time window, named in the view's name, or what
-- is under way now), so it costs the same however many days are kept; those over attempts read one day's partition (two in the
-- first hour of a UTC day). Buckets are UTC minutes and hours (timestamptz) and UTC days
-- (date). Durations are seconds, latencies milliseconds, shares 0 to 1.
-- The views run with their owner's rights: a dashboard role needs only
-- `GRANT USAGE ON SCHEMA ops` and `GRANT SELECT ON ALL TABLES IN SCHEMA ops`.

CREATE SCHEMA ops;
COMMENT ON SCHEMA ops IS 'cxrelay dashboard views: stable names and columns, bounded windows';

-- The attempts of the last hour, by index within today's partition (the operation index
-- cannot range over time alone).
CREATE INDEX attempts_started_idx ON attempts (started_at);
-- Sessions of the last day; active ones of any age are found by sessions_bot_active_idx.
CREATE INDEX sessions_started_idx ON sessions (started_at);
-- Conversations by the day they ended, read from the index alone (a conversation's row is
-- written once, so its page soon stays all-visible).
CREATE INDEX conversation_metrics_end_idx ON conversation_metrics (conversation_end)
    INCLUDE (media_type, disconnect_type, duration_ms, escalated, segment_count);
-- Dead events of the last days, read from the index alone: a dead event does not change until
-- it is replayed.
CREATE INDEX events_dead_idx ON events (finished_at)
    INCLUDE (kind, target, reason, last_http_status) WHERE status = 'dead';

-- Events that reached a final state, per minute, kind and outcome, over the last 60 minutes
-- (the current minute included, so it grows until the minute is over).
CREATE VIEW ops.throughput_per_minute AS
SELECT date_trunc('minute', finished_at, 'UTC') AS minute,
       kind,
       status AS outcome,
       count(*) AS events
  FROM events
 WHERE status IN ('succeeded', 'dead', 'expired')
   AND finished_at >= date_trunc('minute', now(), 'UTC') - interval '59 minutes'
 GROUP BY 1, 2, 3;
COMMENT ON VIEW ops.throughput_per_minute IS
    'events reaching a final state per UTC minute, kind and outcome; last 60 minutes';

-- Downstream calls of the last hour by target and HTTP status (NULL: no answer, a timeout or a
-- connection error). error_share is this status's failed calls over all of the target's calls,
-- so a target's error rate is the sum of its rows.
CREATE VIEW ops.error_rate_last_hour AS
SELECT target,
       http_status,
       count(*) AS calls,
       count(*) FILTER (WHERE outcome <> 'success') AS errors,
       round(count(*) FILTER (WHERE outcome <> 'success')::numeric
             / sum(count(*)) OVER (PARTITION BY target), 4) AS error_share
  FROM attempts
 WHERE started_at >= now() - interval '1 hour'
   AND outcome IS NOT NULL
 GROUP BY target, http_status;
COMMENT ON VIEW ops.error_rate_last_hour IS
    'finished downstream calls of the last hour by target and HTTP status, with their error share';

-- Latency of the finished calls of the last hour per downstream operation. Percentiles are
-- nearest-rank (values that occurred).
CREATE VIEW ops.call_latency_last_hour AS
SELECT target,
       operation,
       count(*) AS calls,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50_ms,
       percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95_ms,
       percentile_disc(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99_ms,
       max(latency_ms) AS max_ms
  FROM attempts
 WHERE started_at >= now() - interval '1 hour'
   AND latency_ms IS NOT NULL
 GROUP BY target, operation;
COMMENT ON VIEW ops.call_latency_last_hour IS
    'p50/p95/p99/max latency of the finished downstream calls of the last hour, per operation';

-- What is under way now, per kind: events a worker is carrying out, and events waiting in a
-- broker delay queue for their retry. Events still queued and not yet taken by a worker are
-- in RabbitMQ, not here.
CREATE VIEW ops.backlog AS
SELECT kind,
       target,
       count(*) FILTER (WHERE status = 'processing') AS in_flight,
       count(*) FILTER (WHERE status = 'retrying') AS retrying,
       count(*) FILTER (WHERE status = 'retrying' AND next_attempt_at < now()) AS retries_overdue,
       min(updated_at) FILTER (WHERE status = 'processing') AS oldest_in_flight_since,
       min(next_attempt_at) FILTER (WHERE status = 'retrying') AS next_retry_at
  FROM events
 WHERE status IN ('processing', 'retrying')
 GROUP BY kind, target;
COMMENT ON VIEW ops.backlog IS
    'events in flight and waiting for a retry, now, per kind';

-- Events that died in the last 7 days, by kind and reason, with how many of them in the last
-- 24 hours and the HTTP status of the latest. (Every dead event still kept, for replay:
-- `SELECT ... FROM events WHERE status = 'dead'`.)
CREATE VIEW ops.dead_letters_last_7d AS
SELECT kind,
       target,
       reason,
       count(*) AS events,
       count(*) FILTER (WHERE finished_at >= now() - interval '24 hours') AS last_24h,
       min(finished_at) AS first_at,
       max(finished_at) AS last_at,
       (array_agg(last_http_status ORDER BY finished_at DESC))[1] AS last_http_status
  FROM events
 WHERE status = 'dead'
   AND finished_at >= now() - interval '7 days'
 GROUP BY kind, target, reason;
COMMENT ON VIEW ops.dead_letters_last_7d IS
    'events dead in the last 7 days by kind, target and reason: count, last 24 hours, first and last, latest HTTP status';

-- Rate-limit pauses and circuit-breaker openings per UTC hour over the last 24 hours (the
-- current hour included). Each worker records the pauses it sees, so a 429 seen by two workers
-- counts twice. longest_secs: the longest pause, or the breaker's cool-down.
CREATE VIEW ops.target_incidents_per_hour AS
SELECT date_trunc('hour', at, 'UTC') AS hour,
       target,
       event AS incident,
       reason,
       count(*) AS occurrences,
       round(max(extract(epoch FROM until - at)), 3) AS longest_secs,
       max(at) AS last_at
  FROM target_events
 WHERE event IN ('paused', 'breaker_opened')
   AND at >= date_trunc('hour', now(), 'UTC') - interval '23 hours'
 GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW ops.target_incidents_per_hour IS
    'Retry-After pauses (reason rate_limited or quota) and breaker openings per UTC hour; last 24 hours';

-- Bot sessions started in the last 24 hours, and every session still active whenever it
-- started, by kind, bot (the virtual agent's botId, or the Cognigy Endpoint) and status.
-- Duration: until now for an active session, until its last turn for an expired one, until
-- its end for an ended one. Virtual-agent reservations freed because the conversation could
-- not be started are not sessions and are left out. (No percentile: it would sort every
-- session of the day, which costs more than the rest of the view.)
CREATE VIEW ops.bot_sessions_last_24h AS
WITH recent AS (
    SELECT kind,
           coalesce(bot_id, endpoint) AS bot,
           status,
           turns,
           date_part('epoch', CASE status
                                  WHEN 'active' THEN now()
                                  WHEN 'expired' THEN last_turn_at
                                  ELSE ended_at
                              END - started_at) AS duration_secs
      FROM sessions
     WHERE (started_at >= now() - interval '24 hours' OR status = 'active')
       AND NOT (kind = 'virtual_agent' AND path IS NULL AND status <> 'active')
)
SELECT kind,
       bot,
       status,
       count(*) AS sessions,
       round(avg(duration_secs)::numeric, 1) AS avg_duration_secs,
       round(max(duration_secs)::numeric, 1) AS max_duration_secs,
       round(avg(turns), 2) AS avg_turns,
       max(turns) AS max_turns
  FROM recent
 GROUP BY kind, bot, status;
COMMENT ON VIEW ops.bot_sessions_last_24h IS
    'bot sessions started in the last 24 hours or still active: count, duration, turns';

-- Virtual-agent conversations started in the last 24 hours by bot and path: the bot answered
-- (agentless) or handed the customer to the human queue (escalated).
CREATE VIEW ops.escalations_last_24h AS
SELECT bot_id AS bot,
       count(*) AS conversations,
       count(*) FILTER (WHERE path = 'agentless') AS agentless,
       count(*) FILTER (WHERE path = 'escalated') AS escalated,
       round(count(*) FILTER (WHERE path = 'escalated')::numeric / count(*), 4) AS escalated_share
  FROM sessions
 WHERE kind = 'virtual_agent'
   AND path IS NOT NULL
   AND started_at >= now() - interval '24 hours'
 GROUP BY bot_id;
COMMENT ON VIEW ops.escalations_last_24h IS
    'virtual-agent conversations of the last 24 hours by bot: agentless, escalated, escalated share';

-- Resolution of the conversations whose end was reported (genesys.conversation_end), per UTC
-- day of their end over the last 7 days (today included), media type and how the customer's
-- side disconnected (NULL when analytics did not say).
CREATE VIEW ops.conversation_resolution_per_day AS
SELECT (conversation_end AT TIME ZONE 'UTC')::date AS day,
       media_type,
       disconnect_type,
       count(*) AS conversations,
       round((avg(duration_ms::float8) / 1000.0)::numeric, 1) AS avg_duration_secs,
       count(*) FILTER (WHERE escalated) AS escalated,
       round(count(*) FILTER (WHERE escalated)::numeric / count(*), 4) AS escalated_share,
       round(avg(segment_count::float8)::numeric, 2) AS avg_segments
  FROM conversation_metrics
 WHERE conversation_end >= date_trunc('day', now(), 'UTC') - interval '6 days'
 GROUP BY 1, 2, 3;
COMMENT ON VIEW ops.conversation_resolution_per_day IS
    'ended conversations per UTC day, media and disconnect type: duration, escalated share, segments; last 7 days';
