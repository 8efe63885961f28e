-- What LinkedIn said of a connection's job the last time: its company (as LinkedIn writes it) and
-- title. A new export's job change or promotion is judged against these, not against the
-- contact's company and title, which the owner may have chosen from an address book in a merge
-- (or typed): keeping the address book's employer then read as a job change on the next export.
-- NULL where no LinkedIn import has said yet (the contact's own company and title stand in, as
-- before); the LinkedIn import writes them, and a merge carries the kept profile's.
ALTER TABLE "contact" ADD COLUMN "linkedin_company" TEXT;
ALTER TABLE "contact" ADD COLUMN "linkedin_title" TEXT;
