-- Retention (issue 5): `attempts` and `audit_log` become tables partitioned by day, so that rows
-- past their retention go by dropping a whole day's partition: no DELETE of millions of rows, no
-- bloat, no vacuum debt, and only a brief lock while the partition is dropped. Never edit this
-- file once applied: add a migration.
--
-- Partitions are daily UTC ranges named <table>_pYYYYMMDD (e.g. attempts_p20261125); the worker
-- creates the coming days and drops the expired ones (core/src/retention). A default partition
-- catches a row whose day has no partition yet, so an insert never fails for want of one.
--
-- The rows already there are moved here, in this migration's transaction: a fresh install has
-- few. A large existing install is locked for as long as the copy takes: migrate it in a quiet
-- hour.

-- attempts ------------------------------------------------------------------------------------

-- The old table's constraint and index names are freed for the new table; the old table itself
-- is only read from now on, then dropped.
ALTER TABLE attempts RENAME TO attempts_unpartitioned;
ALTER TABLE attempts_unpartitioned DROP CONSTRAINT attempts_pkey;
ALTER TABLE attempts_unpartitioned DROP CONSTRAINT attempts_event_attempt_call;
ALTER TABLE attempts_unpartitioned DROP CONSTRAINT attempts_event_id_fkey;
DROP INDEX attempts_operation_started_idx;

CREATE TABLE attempts (
    -- The ids go on from the old table's sequence.
    id             bigint      NOT NULL DEFAULT nextval('attempts_id_seq'),
    event_id       uuid        NOT NULL
        CONSTRAINT attempts_event_id_fkey REFERENCES events (id),
    -- Delivery attempt of the event (1 for the first), and the call's place within it.
    attempt        integer     NOT NULL,
    call_seq       integer     NOT NULL DEFAULT 1,
    target         text        NOT NULL,
    -- Downstream operation, e.g. genesys.flows.executions.create.
    operation      text        NOT NULL,
    -- The partition key: the worker updates a row by (id, started_at), which reaches one
    -- partition only.
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    outcome        text
        CONSTRAINT attempts_outcome_known
        CHECK (outcome IN ('success', 'retryable', 'permanent', 'auth')),
    http_status    integer,
    error_code     text,
    error_message  text,
    -- Genesys ININ-Correlation-Id (support asks for it) or Cognigy traceId.
    correlation_id text,
    latency_ms     integer,
    -- A unique constraint of a partitioned table must include the partition key. Each call's
    -- row is inserted once by the worker (the attempt number comes from the event row, the call
    -- number from the delivery), so (event, attempt, call) stays unique in practice.
    CONSTRAINT attempts_pkey PRIMARY KEY (id, started_at),
    CONSTRAINT attempts_event_attempt_call UNIQUE (event_id, attempt, call_seq, started_at)
) PARTITION BY RANGE (started_at);

ALTER SEQUENCE attempts_id_seq OWNED BY attempts.id;

-- Latency and error dashboards read attempts by operation over time.
CREATE INDEX attempts_operation_started_idx ON attempts (operation, started_at);

CREATE TABLE attempts_default PARTITION OF attempts DEFAULT;

-- audit_log -----------------------------------------------------------------------------------

ALTER TABLE audit_log RENAME TO audit_log_unpartitioned;
ALTER TABLE audit_log_unpartitioned DROP CONSTRAINT audit_log_pkey;
DROP INDEX audit_log_event_idx;
DROP INDEX audit_log_at_idx;

CREATE TABLE audit_log (
    id        bigint      NOT NULL DEFAULT nextval('audit_log_id_seq'),
    -- The partition key.
    at        timestamptz NOT NULL DEFAULT now(),
    event_id  uuid,
    -- Who acted: a process (worker, ingress) or an operator.
    actor     text        NOT NULL,
    action    text        NOT NULL,
    detail    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT audit_log_pkey PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);

ALTER SEQUENCE audit_log_id_seq OWNED BY audit_log.id;

CREATE INDEX audit_log_event_idx ON audit_log (event_id, at);
CREATE INDEX audit_log_at_idx ON audit_log (at);

CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;

-- Partitions for every day that has rows, and for today and the next 7 days, so that nothing
-- lands in the default partitions before a worker's first retention pass.
DO $$
DECLARE
    today date := (now() AT TIME ZONE 'UTC')::date;
    parent text;
    day date;
BEGIN
    FOREACH parent IN ARRAY ARRAY['attempts', 'audit_log'] LOOP
        FOR day IN
            SELECT d::date FROM generate_series(today, today + 7, interval '1 day') AS d
            UNION
            SELECT DISTINCT (started_at AT TIME ZONE 'UTC')::date FROM attempts_unpartitioned
             WHERE parent = 'attempts'
            UNION
            SELECT DISTINCT (at AT TIME ZONE 'UTC')::date FROM audit_log_unpartitioned
             WHERE parent = 'audit_log'
        LOOP
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                parent || '_p' || to_char(day, 'YYYYMMDD'),
                parent,
                day::timestamp AT TIME ZONE 'UTC',
                (day + 1)::timestamp AT TIME ZONE 'UTC'
            );
        END LOOP;
    END LOOP;
END
$$;

INSERT INTO attempts (id, event_id, attempt, call_seq, target, operation, started_at, finished_at,
                      outcome, http_status, error_code, error_message, correlation_id, latency_ms)
SELECT id, event_id, attempt, call_seq, target, operation, started_at, finished_at,
       outcome, http_status, error_code, error_message, correlation_id, latency_ms
  FROM attempts_unpartitioned;
DROP TABLE attempts_unpartitioned;

INSERT INTO audit_log (id, at, event_id, actor, action, detail)
SELECT id, at, event_id, actor, action, detail FROM audit_log_unpartitioned;
DROP TABLE audit_log_unpartitioned;

-- Retention deletes final events past `retention.events_days` oldest first, and the ops views
-- count recently finished events: both read final events by when they finished.
CREATE INDEX events_final_finished_idx ON events (finished_at)
    WHERE status IN ('succeeded', 'dead', 'expired');
