-- The Partner Center write queue: referrals whose last change waits to go there, by organization.
CREATE INDEX referrals_partner_center_pending ON records (org_id) WHERE kind = 'referral' AND (data -> 'partnerCenterSync' ->> 'state') = 'pending';
