-- Pairs of contacts the owner marked "not a duplicate" (lower id first).
CREATE TABLE "duplicate_dismissal" ("id" INTEGER NOT NULL PRIMARY KEY, "contact_a_id" INTEGER NOT NULL, "contact_b_id" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("contact_a_id") REFERENCES "contact" ("id") ON DELETE CASCADE, FOREIGN KEY ("contact_b_id") REFERENCES "contact" ("id") ON DELETE CASCADE);
CREATE INDEX "duplicate_dismissal_contact_a_id" ON "duplicate_dismissal" ("contact_a_id");
CREATE INDEX "duplicate_dismissal_contact_b_id" ON "duplicate_dismissal" ("contact_b_id");
CREATE UNIQUE INDEX "duplicate_dismissal_contact_a_id_contact_b_id" ON "duplicate_dismissal" ("contact_a_id", "contact_b_id");
