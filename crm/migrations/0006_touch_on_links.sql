-- Scoring reads every contact's touches: when each was and whether it was inbound or outbound.
-- It used to join each activity_contact row to its activity for the kind, direction and
-- deleted_at, a lookup scattered across the whole activity table (1.7-3.1 s for the 282,000
-- links of a 30,000-connection LinkedIn import; 0.2 s without the join). activity_contact.touch
-- keeps what scoring needs, and the (contact_id, occurred_at, touch) index answers it alone:
--   0 not a touch (deleted, or a kind that is no contact, such as a job change)
--   1 inbound   2 outbound (or no direction, except notes)   3 any other touch (a note)
--  -1 not worked out yet: the insert trigger below fills it in from the activity.
-- The rule is the activity_touch view; the kinds that count are crm/services/derived.py
-- TOUCH_ACTIVITY_KINDS, whose derived.touch_sql an import uses (a test holds the two equal).
ALTER TABLE "activity_contact" ADD COLUMN "touch" INTEGER NOT NULL DEFAULT -1;
CREATE VIEW "activity_touch" AS SELECT "id", CASE
    WHEN deleted_at IS NOT NULL OR kind NOT IN ('note', 'call', 'email', 'meeting', 'message', 'other', 'invitation', 'recommendation', 'followup_done') THEN 0
    WHEN direction = 'in' THEN 1
    WHEN direction = 'out' OR (direction IS NULL AND kind != 'note') THEN 2
    ELSE 3 END AS "touch"
  FROM "activity";
UPDATE "activity_contact" SET "touch" = coalesce(
  (SELECT t.touch FROM "activity_touch" t WHERE t.id = "activity_contact"."activity_id"), 0);
DROP INDEX "activity_contact_contact_id_occurred_at";
CREATE INDEX "activity_contact_contact_id_occurred_at_touch" ON "activity_contact" ("contact_id", "occurred_at", "touch");
-- Links written without a touch (every insert but an import's bulk copy, which works it out
-- itself) get it from their activity.
CREATE TRIGGER "activity_contact_touch_insert" AFTER INSERT ON "activity_contact" WHEN new.touch = -1 BEGIN
  UPDATE "activity_contact" SET "touch" = coalesce(
    (SELECT t.touch FROM "activity_touch" t WHERE t.id = new.activity_id), 0)
  WHERE id = new.id;
END;
-- An edited, deleted or restored activity updates its links (the view reads its new values).
CREATE TRIGGER "activity_touch_update" AFTER UPDATE OF kind, direction, deleted_at ON "activity"
WHEN old.kind IS NOT new.kind OR old.direction IS NOT new.direction OR (old.deleted_at IS NULL) != (new.deleted_at IS NULL) BEGIN
  UPDATE "activity_contact" SET "touch" = (SELECT t.touch FROM "activity_touch" t WHERE t.id = new.id)
  WHERE activity_id = new.id;
END;
