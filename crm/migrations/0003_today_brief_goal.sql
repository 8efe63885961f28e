-- Today and the pre-call brief: what the owner wants from the next conversation, when a contact
-- was snoozed (a snooze today counts toward the daily goal), and an index to find expired snoozes.
ALTER TABLE "contact" ADD COLUMN "brief_goal" TEXT NOT NULL DEFAULT '';
ALTER TABLE "contact" ADD COLUMN "snoozed_at" DATETIME;
CREATE INDEX "contact_snoozed_until" ON "contact" ("snoozed_until");
