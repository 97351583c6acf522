-- Delivery by several instances: an outbox message is claimed by the instance sending it, Teams'
-- rate windows are counted across instances, and a card action is answered once whichever
-- instance Teams redelivers it to.

-- The backend pid of the claiming instance's own connection: a claim lasts while that connection does.
ALTER TABLE records ADD COLUMN claimed_by integer;
-- A pending message's next attempt; null: now.
ALTER TABLE records ADD COLUMN retry_at timestamptz;

CREATE INDEX outbox_pending ON records (seq) INCLUDE (retry_at, claimed_by) WHERE kind = 'outbox' AND open;
-- Sent and dropped messages past their retention, by when they were last dealt with (in `updated`).
CREATE INDEX outbox_done ON records (updated) WHERE kind = 'outbox' AND NOT open;

-- One row per proactive send, kept for an hour (the longest window).
CREATE TABLE sends (
  tenant text NOT NULL,
  conversation text NOT NULL,
  at bigint NOT NULL
);
CREATE INDEX sends_by_tenant ON sends (tenant, at);
CREATE INDEX sends_by_conversation ON sends (conversation, at);

-- Card actions answered, by activity id: a redelivery gets the same answer.
CREATE TABLE answered (
  id text PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  response jsonb
);
