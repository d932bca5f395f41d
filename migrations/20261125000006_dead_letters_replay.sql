-- Dead letters and replay (issue 5): Postgres is the dead-letter store of record. A dead or
-- expired event row keeps its payload, kind, target, reason, last HTTP status and error code,
-- attempts, and now the correlation id of its last call; operators list those rows and replay
-- them. Never edit this file once applied: add a migration.

ALTER TABLE events
    -- Correlation id of the last call (Genesys ININ-Correlation-Id, Cognigy traceId): what
    -- support asks for about a dead event, without a join to attempts.
    ADD COLUMN last_correlation_id text;

-- Events that already ended keep the correlation id their last finished call recorded.
UPDATE events e
   SET last_correlation_id = last_call.correlation_id
  FROM (SELECT DISTINCT ON (event_id) event_id, correlation_id
          FROM attempts
         WHERE finished_at IS NOT NULL
         ORDER BY event_id, attempt DESC, call_seq DESC) AS last_call
 WHERE last_call.event_id = e.id;

-- Dead letters are listed, counted and replayed by when they ended.
CREATE INDEX events_dead_letters_idx ON events (finished_at) WHERE status IN ('dead', 'expired');
