-- Virtual-agent sessions that continue a live conversation, and conversation ends that count what
-- they ended across retries. Never edit this file once applied: add a migration.

ALTER TABLE sessions
    -- Virtual agent: the customer's messenger type (`sms`, `whatsapp`, `open`). With `user_id` (the
    -- customer's address) it is what Genesys reuses a live conversation for, so a bot's next
    -- message to that customer continues the session instead of taking another slot of its cap.
    ADD COLUMN messenger_type text,
    -- The `genesys.conversation_end` event that ended the session: a retried end event (analytics
    -- lag) still reports the sessions it ended on an earlier delivery.
    ADD COLUMN ended_by uuid;

-- A redelivered event finds the turn an earlier delivery of it recorded, instead of sending the
-- message again; and an operator finds the transcript rows of one event.
CREATE INDEX transcripts_event_idx ON transcripts (event_id);
