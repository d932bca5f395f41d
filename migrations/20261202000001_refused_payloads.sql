-- An event whose values Postgres refused (a NUL character in a string, which neither text nor
-- jsonb can hold; SQLSTATE class 22) is still recorded, dead with reason 'database_refused':
-- `payload` then holds the payload with each such character replaced by U+FFFD, and this column
-- the payload exactly as it came (secrets redacted, as in `payload`), as JSON text in UTF-8, so
-- that nothing accepted is lost and a replay sends what was sent. NULL for every other event.
ALTER TABLE events ADD COLUMN payload_raw bytea;
