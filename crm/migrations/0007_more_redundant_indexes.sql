-- Single-column indexes that are the leading column of a composite index on the same table
-- (as in 0005): every query can use the composite one, and each extra index slows every insert
-- (an address-book import writes tens of thousands of emails, phones, tags and undo records).
DROP INDEX "contact_email_contact_id";          -- prefix of (contact_id, email)
DROP INDEX "contact_phone_contact_id";          -- prefix of (contact_id, phone_key)
DROP INDEX "contact_tag_contact_id";            -- prefix of (contact_id, tag_id)
DROP INDEX "contact_tag_tag_id";                -- prefix of (tag_id, contact_id)
DROP INDEX "import_change_run_id";              -- prefix of (run_id, table)
DROP INDEX "duplicate_dismissal_contact_a_id";  -- prefix of (contact_a_id, contact_b_id)
