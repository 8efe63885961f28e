-- A contact's last touch is a real exchange: a message, call, email, meeting, note or other
-- touch you logged, or a follow-up you completed. An invitation (often sent years before any
-- word was exchanged, and 40% never answered) and a recommendation (a profile text, often from
-- 2009) no longer restart the keep-in-touch clock: the LinkedIn import's rule ("the latest real
-- message in either direction") and scoring's now agree. crm/services/derived.py
-- TOUCH_ACTIVITY_KINDS is the same list; `crm init` rescores everyone after this migration.
DROP VIEW "activity_touch";
CREATE VIEW "activity_touch" AS SELECT "id", CASE
    WHEN deleted_at IS NOT NULL OR kind NOT IN ('note', 'call', 'email', 'meeting', 'message', 'other', 'followup_done') THEN 0
    WHEN direction = 'in' THEN 1
    WHEN direction = 'out' OR (direction IS NULL AND kind != 'note') THEN 2
    ELSE 3 END AS "touch"
  FROM "activity";
UPDATE "activity_contact" SET "touch" = 0
  WHERE "touch" != 0 AND "activity_id" IN (SELECT "id" FROM "activity" WHERE "kind" IN ('invitation', 'recommendation'));
