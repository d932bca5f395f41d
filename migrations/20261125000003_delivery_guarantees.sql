-- Delivery under faults (issue 4): retry bookkeeping, deadlines and repeats on events, the live
-- worker replicas that share each target's rate, and the history of target pauses and circuit
-- breaker openings. Never edit this file once applied: add a migration.

ALTER TABLE events
    -- Retries scheduled in the current generation. A message that carries fewer is a stale copy
    -- (a client's repeat, a broker redelivery) and is not carried out again.
    ADD COLUMN retries integer NOT NULL DEFAULT 0,
    -- Operator replays of the event; a replay starts its retries afresh.
    ADD COLUMN generation integer NOT NULL DEFAULT 0,
    -- Copies of the event that arrived after the first: repeats of an Idempotency-Key or a
    -- natural key, and redeliveries of an event already carried out.
    ADD COLUMN repeats integer NOT NULL DEFAULT 0,
    -- Past this the event can no longer help its caller: it is not tried again, it expires.
    ADD COLUMN deadline_at timestamptz,
    -- When the scheduled retry is due (status retrying).
    ADD COLUMN next_attempt_at timestamptz;

-- What is waiting for a retry, and when it is due (the retry backlog of dashboards).
CREATE INDEX events_retrying_idx ON events (next_attempt_at) WHERE status = 'retrying';

-- One row per running worker process, refreshed every heartbeat. Each worker runs at
-- (target rate / live rows), so the deployment as a whole never exceeds the target's rate.
CREATE TABLE worker_replicas (
    id         uuid        PRIMARY KEY,
    host       text        NOT NULL,
    pid        integer     NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    seen_at    timestamptz NOT NULL DEFAULT now()
);

-- Every time a target stopped being called, and why: a Retry-After pause (rate_limited, or
-- quota when Genesys asks for more than 180 s) or a circuit breaker that opened, probed, closed.
CREATE TABLE target_events (
    id        bigserial   PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    target    text        NOT NULL,
    worker_id uuid,
    event     text        NOT NULL
        CONSTRAINT target_events_event_known
        CHECK (event IN ('paused', 'breaker_opened', 'breaker_half_open', 'breaker_closed')),
    reason    text,
    -- End of the pause, or of the breaker's cool-down.
    until     timestamptz,
    detail    jsonb       NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX target_events_at_idx ON target_events (at);
