-- A linkedin.com/company/… or /school/… address used to be accepted as a person's LinkedIn
-- profile (from the contact form or an import); importers/base.py normalize_linkedin_url now takes
-- /in/ addresses only. Such an address stops being the contact's identity and becomes their
-- website when they have none (as an address book's company page is kept on import).
UPDATE "contact"
  SET "website" = CASE WHEN "website" = '' THEN "linkedin_url" ELSE "website" END, "linkedin_url" = NULL
  WHERE "linkedin_url" LIKE '%linkedin.com/company/%' OR "linkedin_url" LIKE '%linkedin.com/school/%';
