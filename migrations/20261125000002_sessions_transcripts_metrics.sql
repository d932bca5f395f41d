-- Bot and virtual-agent sessions, their transcripts, and the resolution metrics of ended
-- conversations (issue 3). Never edit this file once applied: add a migration.

CREATE TABLE sessions (
    id              bigserial   PRIMARY KEY,
    -- 'cognigy': a Cognigy Endpoint session (genesys.bot_session, cognigy.flow_run);
    -- 'virtual_agent': a Genesys messaging conversation run by a bot.
    kind            text        NOT NULL
        CONSTRAINT sessions_kind_known CHECK (kind IN ('cognigy', 'virtual_agent')),
    -- The Cognigy sessionId, or the Genesys conversationId.
    session_key     text        NOT NULL,
    endpoint        text,
    bot_id          text,
    user_id         text,
    conversation_id text,
    status          text        NOT NULL DEFAULT 'active'
        CONSTRAINT sessions_status_known CHECK (status IN ('active', 'ended', 'expired')),
    -- Virtual agent: 'agentless' (the bot answered) or 'escalated' (sent to the human queue).
    path            text,
    turns           integer     NOT NULL DEFAULT 0,
    started_at      timestamptz NOT NULL DEFAULT now(),
    last_turn_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    ended_at        timestamptz,
    started_by      uuid,
    CONSTRAINT sessions_kind_key UNIQUE (kind, session_key)
);

-- The concurrency cap counts a bot's active sessions.
CREATE INDEX sessions_bot_active_idx ON sessions (bot_id) WHERE status = 'active';
-- A conversation-end event finds its sessions by conversation.
CREATE INDEX sessions_conversation_idx ON sessions (conversation_id);

CREATE TABLE transcripts (
    id         bigserial   PRIMARY KEY,
    session_id bigint      NOT NULL REFERENCES sessions (id),
    event_id   uuid        NOT NULL,
    source     text        NOT NULL
        CONSTRAINT transcripts_source_known CHECK (source IN ('user', 'bot')),
    text       text,
    data       jsonb,
    trace_id   text,
    at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX transcripts_session_idx ON transcripts (session_id, id);

CREATE TABLE conversation_metrics (
    conversation_id    text        PRIMARY KEY,
    event_id           uuid        NOT NULL,
    conversation_start timestamptz,
    conversation_end   timestamptz,
    duration_ms        bigint,
    disconnect_type    text,
    media_type         text,
    queue_ids          text[]      NOT NULL DEFAULT '{}',
    segment_count      integer     NOT NULL DEFAULT 0,
    -- A human agent took part, or a virtual agent escalated.
    escalated          boolean     NOT NULL DEFAULT false,
    recorded_at        timestamptz NOT NULL DEFAULT now()
);
