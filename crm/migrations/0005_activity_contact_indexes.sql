-- activity_contact kept four indexes; the two single-column ones are prefixes of the composite
-- (activity_id, contact_id) and (contact_id, occurred_at) indexes, so every query can use those.
-- Dropping them makes writing 282,000 imported message links about three times faster.
DROP INDEX "activity_contact_activity_id";
DROP INDEX "activity_contact_contact_id";
