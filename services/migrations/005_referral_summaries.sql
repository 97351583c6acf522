-- Lists, searches and the expiring list read an organization's referral summaries: with every
-- column they use in the index, they read the index alone, not one table page per referral.
CREATE INDEX referrals_summary_by_org ON records (org_id, seq) INCLUDE (id, direction, open, substatus, updated, expires, search) WHERE kind = 'referral';
DROP INDEX referrals_by_box;
