-- What an import wrote, next to what was there before, so that undoing it takes back only that:
-- for a changed row, the row's undoable columns just after the import (a field the owner changed
-- since is left as they set it); for an email, phone or tag the import gave an existing contact,
-- what makes it that row (the contact and the address, number key or tag), so the undo finds it
-- even after the edit form wrote the contact's lists again under other ids.
-- NULL in the rows of imports from before: their undo restores and deletes as it always did.
ALTER TABLE "import_change" ADD COLUMN "after" TEXT;
