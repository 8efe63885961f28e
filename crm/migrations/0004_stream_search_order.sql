-- Stream search reads its matches newest first and stops after one page. activity_fts (rowid =
-- activity id) had to gather every match before SQLite could sort them by time; activity_search
-- is contentless and its rowid is a time-ordered key:
--   key = max(0, min(2^32 - 1, unix seconds of occurred_at, fraction cut off)) * 2^31 + activity id
-- so `ORDER BY rowid DESC LIMIT n` is the stream's newest-first order (same second: by id), and
-- the activity id is key % 2^31. A contentless table is told the old text on every delete.
-- activity_search_term holds every term ever indexed (a superset: deletes leave their terms),
-- so a search's last word, a prefix, is expanded into its terms (an OR FTS5 reads lazily)
-- instead of FTS5 merging the whole doclist of every matching term. New terms come from
-- indexing the row's text alone in the always-empty activity_search_stage table.
DROP TRIGGER IF EXISTS "activity_fts_insert";
DROP TRIGGER IF EXISTS "activity_fts_delete";
DROP TRIGGER IF EXISTS "activity_fts_update";
DROP TABLE "activity_fts";
CREATE VIRTUAL TABLE "activity_search" USING fts5(summary, body, content='', tokenize='unicode61 remove_diacritics 2');
CREATE TABLE "activity_search_term" ("term" TEXT NOT NULL PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE "activity_search_stage" USING fts5(summary, body, content='', detail=none, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE "activity_search_stage_terms" USING fts5vocab("activity_search_stage", row);
CREATE TRIGGER "activity_search_insert" AFTER INSERT ON "activity" BEGIN
  INSERT INTO activity_search(rowid, summary, body) VALUES (max(0, min(4294967295, coalesce(CAST(strftime('%s', substr(new.occurred_at, 1, 19)) AS INTEGER), 0))) * 2147483648 + new.id, new.summary, new.body);
  INSERT INTO activity_search_stage(rowid, summary, body) VALUES (1, new.summary, new.body);
  INSERT OR IGNORE INTO activity_search_term(term) SELECT term FROM activity_search_stage_terms;
  INSERT INTO activity_search_stage(activity_search_stage) VALUES ('delete-all');
END;
CREATE TRIGGER "activity_search_delete" AFTER DELETE ON "activity" BEGIN
  INSERT INTO activity_search(activity_search, rowid, summary, body) VALUES ('delete', max(0, min(4294967295, coalesce(CAST(strftime('%s', substr(old.occurred_at, 1, 19)) AS INTEGER), 0))) * 2147483648 + old.id, old.summary, old.body);
END;
CREATE TRIGGER "activity_search_update" AFTER UPDATE OF summary, body, occurred_at ON "activity"
WHEN old.summary IS NOT new.summary OR old.body IS NOT new.body OR old.occurred_at IS NOT new.occurred_at BEGIN
  INSERT INTO activity_search(activity_search, rowid, summary, body) VALUES ('delete', max(0, min(4294967295, coalesce(CAST(strftime('%s', substr(old.occurred_at, 1, 19)) AS INTEGER), 0))) * 2147483648 + old.id, old.summary, old.body);
  INSERT INTO activity_search(rowid, summary, body) VALUES (max(0, min(4294967295, coalesce(CAST(strftime('%s', substr(new.occurred_at, 1, 19)) AS INTEGER), 0))) * 2147483648 + new.id, new.summary, new.body);
  INSERT INTO activity_search_stage(rowid, summary, body) VALUES (1, new.summary, new.body);
  INSERT OR IGNORE INTO activity_search_term(term) SELECT term FROM activity_search_stage_terms;
  INSERT INTO activity_search_stage(activity_search_stage) VALUES ('delete-all');
END;
-- Existing activities, in key order (FTS5 writes ascending rowids without extra flushes).
INSERT INTO activity_search(rowid, summary, body) SELECT max(0, min(4294967295, coalesce(CAST(strftime('%s', substr(occurred_at, 1, 19)) AS INTEGER), 0))) * 2147483648 + id AS key, summary, body FROM activity ORDER BY key;
CREATE VIRTUAL TABLE temp."activity_search_all_terms" USING fts5vocab(main, "activity_search", row);
INSERT OR IGNORE INTO activity_search_term(term) SELECT term FROM temp."activity_search_all_terms";
DROP TABLE temp."activity_search_all_terms";
