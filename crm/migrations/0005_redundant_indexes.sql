-- Indexes that are the leading column of a composite index on the same table: every query can
-- use the composite one, and each extra index slows every insert (writing the 282,000 message
-- links of a big LinkedIn import took 3.0 s with activity_contact's four indexes, 1.0 s with two).
DROP INDEX "activity_contact_activity_id";  -- prefix of (activity_id, contact_id)
DROP INDEX "activity_contact_contact_id";   -- prefix of (contact_id, occurred_at)
DROP INDEX "contact_company_id";            -- prefix of (company_id, deleted_at)
DROP INDEX "contact_score";                 -- lists rank by (deleted_at, score)
