-- The durable record of every event cxrelay carried out: one row per event, one per downstream
-- call, and an append-only audit trail. Never edit this file once applied: add a migration.

CREATE TABLE events (
    id               uuid PRIMARY KEY,
    kind             text        NOT NULL,
    target           text        NOT NULL,
    status           text        NOT NULL
        CONSTRAINT events_status_known
        CHECK (status IN ('processing', 'retrying', 'succeeded', 'dead', 'expired')),
    request_id       text,
    idempotency_key  text,
    -- The validated payload with secrets (URLToken) redacted.
    payload          jsonb       NOT NULL,
    result           jsonb,
    -- Why the event is dead or expired, as a short machine-readable class.
    reason           text,
    last_http_status integer,
    last_error_code  text,
    last_error       text,
    attempts         integer     NOT NULL DEFAULT 0,
    received_at      timestamptz NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);

-- Operators list events by state and age (what is stuck, what died recently).
CREATE INDEX events_status_updated_idx ON events (status, updated_at);
-- Dashboards chart intake per kind over time.
CREATE INDEX events_kind_received_idx ON events (kind, received_at);

CREATE TABLE attempts (
    id             bigserial   PRIMARY KEY,
    event_id       uuid        NOT NULL REFERENCES events (id),
    -- Delivery attempt of the event (1 for the first), and the call's place within it.
    attempt        integer     NOT NULL,
    call_seq       integer     NOT NULL DEFAULT 1,
    target         text        NOT NULL,
    -- Downstream operation, e.g. genesys.flows.executions.create.
    operation      text        NOT NULL,
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
    CONSTRAINT attempts_event_attempt_call UNIQUE (event_id, attempt, call_seq)
);

-- Latency and error dashboards read attempts by operation over time.
CREATE INDEX attempts_operation_started_idx ON attempts (operation, started_at);

CREATE TABLE audit_log (
    id        bigserial   PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    event_id  uuid,
    -- Who acted: a process (worker, ingress) or an operator.
    actor     text        NOT NULL,
    action    text        NOT NULL,
    detail    jsonb       NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX audit_log_event_idx ON audit_log (event_id, at);
CREATE INDEX audit_log_at_idx ON audit_log (at);
