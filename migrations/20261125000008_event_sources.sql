-- Who sent each event: the inbound source (`cognigy`, `genesys`, `api`) and the name of the key
-- or HMAC secret that authenticated it (never the secret). NULL for events accepted before
-- sources existed.
ALTER TABLE events ADD COLUMN source text, ADD COLUMN key_name text;

-- Which keys are still in use: during a rotation, the old key can be revoked once its row stops
-- growing. Over the last 30 days, read through the index on received_at.
CREATE INDEX events_received_idx ON events (received_at);

CREATE VIEW ops.key_usage_last_30d AS
SELECT source,
       key_name,
       count(*)          AS events,
       min(received_at)  AS first_received_at,
       max(received_at)  AS last_received_at
  FROM events
 WHERE received_at > now() - interval '30 days'
   AND source IS NOT NULL
 GROUP BY source, key_name;
