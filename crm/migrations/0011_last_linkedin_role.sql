-- What LinkedIn said of a connection's job the last time: its company (as LinkedIn writes it) and
-- title. A new export's job change or promotion is judged against these, not against the
-- contact's company and title, which the owner may have chosen from an address book in a merge
-- (or typed): keeping the address book's employer then read as a job change on the next export.
-- NULL where LinkedIn never said (people who are not connections); the LinkedIn import writes
-- them, and a merge carries the kept profile's.
ALTER TABLE "contact" ADD COLUMN "linkedin_company" TEXT;
ALTER TABLE "contact" ADD COLUMN "linkedin_title" TEXT;
-- Connections from before: their company and title are what LinkedIn last said, unless the owner
-- changed them since (which cannot be told now)...
UPDATE "contact"
  SET "linkedin_company" = coalesce((SELECT "name" FROM "company" WHERE "id" = "contact"."company_id"), ''),
      "linkedin_title" = "title"
  WHERE "is_connection" = 1;
-- ...or kept an address book's in a merge: the merge's snapshot holds the LinkedIn profile's as
-- they were, and they stand unless a LinkedIn import changed the company or title since.
UPDATE "contact"
  SET ("linkedin_company", "linkedin_title") = (
    SELECT coalesce("co"."name", ''), coalesce(json_extract("c"."value", '$.title'), '')
    FROM "merge" AS "m", json_each("m"."snapshot", '$.contacts') AS "c"
    LEFT JOIN "company" AS "co" ON "co"."id" = json_extract("c"."value", '$.company_id')
    WHERE "m"."kept_id" = "contact"."id" AND "m"."undone_at" IS NULL
      AND json_extract("c"."value", '$.is_connection') = 1
      AND json_extract("c"."value", '$.linkedin_url') = "contact"."linkedin_url"
    ORDER BY "m"."id" DESC LIMIT 1)
  WHERE "is_connection" = 1
    AND EXISTS (
      SELECT 1 FROM "merge" AS "m", json_each("m"."snapshot", '$.contacts') AS "c"
      WHERE "m"."kept_id" = "contact"."id" AND "m"."undone_at" IS NULL
        AND json_extract("c"."value", '$.is_connection') = 1
        AND json_extract("c"."value", '$.linkedin_url') = "contact"."linkedin_url")
    AND NOT EXISTS (
      SELECT 1 FROM "import_change" AS "ch" JOIN "import_run" AS "r" ON "r"."id" = "ch"."run_id"
      WHERE "ch"."table" = 'contact' AND "ch"."row_id" = "contact"."id"
        AND "r"."source" = 'linkedin' AND "r"."status" = 'committed'
        AND (json_type("ch"."before", '$.company_id') IS NOT NULL OR json_type("ch"."before", '$.title') IS NOT NULL)
        AND "r"."started_at" > (
          SELECT max("created_at") FROM "merge" WHERE "kept_id" = "contact"."id" AND "undone_at" IS NULL));
