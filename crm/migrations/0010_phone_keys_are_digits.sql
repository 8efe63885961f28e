-- Phone numbers are compared by their digits alone (README: "digits compared"): "+1 (268) 555-0017"
-- and "1-268-555-0017" are one number, so imports match them and Duplicates pairs them. The
-- stored key (contact_phone.phone_key, which matching, duplicates and merges compare) drops the
-- leading "+" it used to keep; the phone text stays as typed. crm/services/matching.py
-- digits_key is the same rule.
-- A contact that holds one number twice, with and without the "+", would hold one key twice,
-- which the unique (contact_id, phone_key) index forbids: the first listed of the two stays.
DELETE FROM "contact_phone" WHERE EXISTS (
  SELECT 1 FROM "contact_phone" AS "first"
  WHERE "first"."contact_id" = "contact_phone"."contact_id"
    AND "first"."id" != "contact_phone"."id"
    AND ltrim("first"."phone_key", '+') = ltrim("contact_phone"."phone_key", '+')
    AND ("first"."position" < "contact_phone"."position"
         OR ("first"."position" = "contact_phone"."position" AND "first"."id" < "contact_phone"."id")));
UPDATE "contact_phone" SET "phone_key" = ltrim("phone_key", '+') WHERE "phone_key" LIKE '+%';
-- A merge's undo puts the phone rows of its snapshot back as they were: with today's keys.
UPDATE "merge" SET "snapshot" = json_set("snapshot", '$.rows.contact_phone', json((
    SELECT json_group_array(json_set("p"."value", '$.phone_key', ltrim(json_extract("p"."value", '$.phone_key'), '+')))
    FROM json_each("merge"."snapshot", '$.rows.contact_phone') AS "p")))
  WHERE json_type("snapshot", '$.rows.contact_phone') = 'array'
    AND EXISTS (SELECT 1 FROM json_each("merge"."snapshot", '$.rows.contact_phone') AS "q"
                WHERE json_extract("q"."value", '$.phone_key') LIKE '+%');
