-- "Merge all pairs where nothing differs" on the duplicates screen merges hundreds of pairs at
-- once (an address book imported after LinkedIn brings one per shared person), and one Undo
-- must split them all again. Each merge of such a batch carries the id of the batch's first
-- merge; a merge made on its own has none.
ALTER TABLE "merge" ADD COLUMN "batch_id" INTEGER;
CREATE INDEX "merge_batch_id" ON "merge" ("batch_id");
