-- A tag's name ignores capitals: "VIP" typed where "vip" exists is that tag (crm/services/contacts.py
-- find_tag), so the name column compares, sorts and is unique with NOCASE (letters A-Z; the
-- service also folds other letters' capitals). Tags an older version let differ only in capitals
-- become one first: the one most contacts have stays, with its spelling (the older one on a tie),
-- its cadence, or else the shortest of the others'; their contacts get it instead.
CREATE TEMP TABLE "tag_fold" AS
  SELECT "t"."id" AS "id",
         (SELECT "k"."id" FROM "tag" AS "k" WHERE "k"."name" = "t"."name" COLLATE NOCASE
          ORDER BY (SELECT count(*) FROM "contact_tag" WHERE "tag_id" = "k"."id") DESC, "k"."id"
          LIMIT 1) AS "keep"
  FROM "tag" AS "t";
DELETE FROM "tag_fold" WHERE "id" = "keep";
UPDATE "tag" SET "cadence_days" = (
    SELECT min("o"."cadence_days") FROM "tag" AS "o" JOIN "tag_fold" AS "f" ON "f"."id" = "o"."id"
    WHERE "f"."keep" = "tag"."id")
  WHERE "cadence_days" IS NULL AND "id" IN (SELECT "keep" FROM "tag_fold");
-- The links move (keeping their ids, which an import's undo log names); a contact that had both
-- keeps the one link it already had.
UPDATE OR IGNORE "contact_tag" SET "tag_id" = (SELECT "keep" FROM "tag_fold" WHERE "id" = "contact_tag"."tag_id")
  WHERE "tag_id" IN (SELECT "id" FROM "tag_fold");
DELETE FROM "contact_tag" WHERE "tag_id" IN (SELECT "id" FROM "tag_fold");
CREATE TABLE "tag_nocase" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL COLLATE NOCASE, "cadence_days" INTEGER);
INSERT INTO "tag_nocase" ("id", "name", "cadence_days")
  SELECT "id", "name", "cadence_days" FROM "tag" WHERE "id" NOT IN (SELECT "id" FROM "tag_fold");
DROP TABLE "tag";
ALTER TABLE "tag_nocase" RENAME TO "tag";
CREATE UNIQUE INDEX "tag_name" ON "tag" ("name");
DROP TABLE "tag_fold";
