-- Every record is a row: its kind and id, the columns the bot's queries select and order on,
-- and the record itself as the schema checked it on write.
CREATE TABLE records (
  kind text NOT NULL,
  id text NOT NULL,
  -- Insertion order: a list comes back in the order records were first written, as in the embedded store.
  seq bigserial NOT NULL,
  org_id text,
  referral_id text,
  -- Referrals not closed; outbox messages not yet sent or dropped.
  open boolean NOT NULL,
  version integer NOT NULL,
  direction text,
  substatus text,
  updated text,
  expires timestamptz,
  search text,
  data jsonb NOT NULL,
  PRIMARY KEY (kind, id)
);

CREATE INDEX records_by_org ON records (kind, org_id, seq);
CREATE INDEX records_open ON records (kind, seq) WHERE open;
-- The outbox messages of one referral (alerts update the cards they sent).
CREATE INDEX outbox_by_referral ON records (referral_id) WHERE kind = 'outbox';
-- Inbound, outbound and archive lists: an index-only scan gives what a page needs to be chosen.
CREATE INDEX referrals_by_box ON records (org_id, direction, open) INCLUDE (id, substatus, updated, expires) WHERE kind = 'referral';
-- Expiring within N days, and the deadline clock across organizations.
CREATE INDEX referrals_expiring ON records (expires) INCLUDE (org_id, substatus) WHERE kind = 'referral' AND substatus = 'Received';
-- Find by text: name, customer and CRM id.
CREATE INDEX referrals_search ON records USING gin (search public.gin_trgm_ops) WHERE kind = 'referral';
