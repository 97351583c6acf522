-- A claim names the claiming connection by its pid and its start: a pid the server gives again
-- to a new connection does not keep a dead instance's claims alive.
ALTER TABLE records ADD COLUMN claimed_since timestamptz;
