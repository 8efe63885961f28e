-- A bulk tag action (the contact list's Add a tag / Remove a tag, `crm tag`) can be undone: it
-- records the contacts it changed, so its undo changes exactly those back, and whether it made
-- the tag (an undo then removes a tag nobody has and no cadence was set for).
CREATE TABLE "tag_action" ("id" INTEGER NOT NULL PRIMARY KEY, "tag_id" INTEGER NOT NULL, "added" INTEGER NOT NULL, "created_tag" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "undone_at" DATETIME, FOREIGN KEY ("tag_id") REFERENCES "tag" ("id") ON DELETE CASCADE);
CREATE INDEX "tag_action_tag_id" ON "tag_action" ("tag_id");
CREATE TABLE "tag_action_contact" ("action_id" INTEGER NOT NULL, "contact_id" INTEGER NOT NULL, PRIMARY KEY ("action_id", "contact_id"), FOREIGN KEY ("action_id") REFERENCES "tag_action" ("id") ON DELETE CASCADE, FOREIGN KEY ("contact_id") REFERENCES "contact" ("id") ON DELETE CASCADE);
CREATE INDEX "tag_action_contact_contact_id" ON "tag_action_contact" ("contact_id");
