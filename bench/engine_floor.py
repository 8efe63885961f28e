"""The floor of any address-book import engine: the leanest import of a Google Contacts CSV that
still matches, merges and can be undone, written as a set-based engine would be.

Python does only what SQL cannot do well, in one pass over csv.reader rows: trim the mapped
cells, drop sentinel empties, split ` ::: ` lists, lower-case emails and reduce phones to their
digits. The rows go into temporary tables, and SQL does the rest in a handful of statements:
- match by LinkedIn URL, then email, then phone;
- create the missing companies;
- insert the new contacts, their emails, phones and tags;
- fill the blanks of matched contacts, logging their values before;
- log every created row for undo;
- one synced commit.

It leaves out what the issue asks of the real import on top: a preview with conflicts and
skipped rows (row numbers, reasons), repeated people inside one file, name cleaning, dates and
birthdays, Excel-mangled phones, the real email and URL checks, and rescoring so Today shows the
new people. So no import that does those can be faster; `bench.bench_csv_import` prints its time
divided by the issue's floor next to the import's own.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import time

from bench.schema_floor import bulk_connection

NOW = "2000-01-01 00:00:00"
RUN = -1  # the import_change rows' run id (the benchmark's database is a throwaway copy)
SENTINELS = {"n/a", "unspecified", "0/0/00", "none", "-"}
COLUMNS = (
    "First Name", "Last Name", "Organization Name", "Organization Title", "Notes", "Labels",
    "E-mail 1 - Value", "E-mail 2 - Value", "E-mail 3 - Value", "Phone 1 - Value", "Phone 2 - Value",
    "Phone 3 - Value", "Address 1 - City", "Address 1 - Region", "Address 1 - Country",
    "Website 1 - Value",
)  # fmt: skip
PROFILE = "https://www.linkedin.com/in/"
_NON_DIGITS = re.compile(r"[^0-9]+")
# (table, the column an existing contact's row would name) for the undo log of created rows
CREATED = (("company", ""), ("contact", ""), ("tag", ""), ("contact_email", "contact_id"),
           ("contact_phone", "contact_id"), ("contact_tag", "contact_id"))  # fmt: skip
# a matched contact is updated when one of these is blank and the file has it
BLANKS = (
    "(c.title = '' AND s.title != '') OR (c.location = '' AND s.location != '')"
    " OR (c.notes = '' AND s.notes != '') OR (c.company_id IS NULL AND s.org_key IS NOT NULL)"
    " OR (c.linkedin_url IS NULL AND s.url IS NOT NULL)"
)


def _stage(conn: sqlite3.Connection, data: bytes) -> None:
    """Read the CSV into temp tables: people (s), their emails (se), phones (sp) and tags (st)."""
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    at = {name: i for i, name in enumerate(next(rows))}
    picks = [at[name] for name in COLUMNS]
    people, emails, phones, tags = [], [], [], []
    for n, row in enumerate(rows, start=2):
        if len(row) != len(at):
            continue
        cells = []
        for i in picks:
            value = row[i].strip()
            cells.append("" if value.casefold() in SENTINELS else value)
        first, last, org, title, notes, labels, *rest = cells
        e1, e2, e3, p1, p2, p3, city, region, country, web = rest
        if not (first or last):
            continue  # a company card or an empty row
        found = (e.strip().lower() for cell in (e1, e2, e3) if cell for e in cell.split(" ::: "))
        emails += [(n, email, pos) for pos, email in enumerate(found)]
        found = (p.strip() for cell in (p1, p2, p3) if cell for p in cell.split(" ::: "))
        phones += [(n, p, _NON_DIGITS.sub("", p).lstrip("0"), pos) for pos, p in enumerate(found)]
        if labels:
            tags += [(n, t.strip().lstrip("* ")) for t in labels.split(" ::: ") if t.strip("* ")]
        full = f"{first} {last}".strip()
        url = web.rstrip("/") if web.startswith(PROFILE) else None
        place = ", ".join(x for x in (city, region, country) if x)
        key = full.casefold()
        people.append((n, first, last, full, key, org, org.casefold() or None, title, notes, place, url))
    conn.execute(
        "CREATE TEMP TABLE s (n INTEGER PRIMARY KEY, first, last, full, key, org, org_key, title, notes,"
        " location, url)"
    )
    conn.execute("CREATE TEMP TABLE se (n, email, pos)")
    conn.execute("CREATE TEMP TABLE sp (n, phone, phone_key, pos)")
    conn.execute("CREATE TEMP TABLE st (n, tag)")
    conn.executemany("INSERT INTO s VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", people)
    conn.executemany("INSERT INTO se VALUES (?, ?, ?)", emails)
    conn.executemany("INSERT INTO sp VALUES (?, ?, ?, ?)", phones)
    conn.executemany("INSERT INTO st VALUES (?, ?)", tags)


def _write(conn: sqlite3.Connection) -> dict:
    """Match, create, fill blanks and log, in SQL; returns the counts."""
    conn.execute("CREATE TEMP TABLE m (n INTEGER PRIMARY KEY, contact_id)")  # first match wins
    conn.execute("INSERT OR IGNORE INTO m SELECT s.n, c.id FROM s JOIN contact c ON c.linkedin_url = s.url")
    conn.execute(
        "INSERT OR IGNORE INTO m SELECT se.n, ce.contact_id FROM se"
        " JOIN contact_email ce ON ce.email = se.email ORDER BY se.n, se.pos"
    )
    conn.execute(
        "INSERT OR IGNORE INTO m SELECT sp.n, cp.contact_id FROM sp"
        " JOIN contact_phone cp ON cp.phone_key = sp.phone_key ORDER BY sp.n, sp.pos"
    )
    base = {t: conn.execute(f'SELECT coalesce(max(id), 0) FROM "{t}"').fetchone()[0] for t, _ in CREATED}
    conn.execute(
        "INSERT OR IGNORE INTO company (name, name_key, website, notes, created_at)"
        " SELECT org, org_key, '', '', ? FROM s WHERE org_key IS NOT NULL ORDER BY n",
        (NOW,),
    )
    conn.execute("CREATE TEMP TABLE who (n INTEGER PRIMARY KEY, contact_id, new)")
    conn.execute(
        "INSERT INTO who SELECT n, ? + row_number() OVER (ORDER BY n), 1 FROM s"
        " WHERE n NOT IN (SELECT n FROM m)",
        (base["contact"],),
    )
    conn.execute(
        "INSERT INTO contact (id, first_name, last_name, full_name, name_key, linkedin_url, company_id,"
        " title, location, website, notes, stage, source, is_connection, connected, value_deal,"
        " value_referrals, value_advocate, value_feedback, score, score_reasons, created_at,"
        " updated_at) SELECT w.contact_id, s.first, s.last, s.full, s.key, s.url, co.id, s.title,"
        " s.location, '', s.notes, 'lead', 'google', 0, 0, 0, 0, 0, 0, 0, '[]', ?1, ?1 FROM who w"
        " JOIN s ON s.n = w.n LEFT JOIN company co ON co.name_key = s.org_key ORDER BY w.contact_id",
        (NOW,),
    )
    conn.execute(
        'INSERT INTO import_change (run_id, "table", row_id, action, before)'
        " SELECT ?, 'contact', c.id, 'updated', json_object('title', c.title, 'location', c.location,"
        " 'notes', c.notes, 'company_id', c.company_id, 'linkedin_url', c.linkedin_url, 'updated_at',"
        f" c.updated_at) FROM m JOIN s ON s.n = m.n JOIN contact c ON c.id = m.contact_id WHERE {BLANKS}",
        (RUN,),
    )
    updated = conn.execute(
        "UPDATE contact AS c SET title = iif(c.title = '', s.title, c.title),"
        " location = iif(c.location = '', s.location, c.location),"
        " notes = iif(c.notes = '', s.notes, c.notes),"
        " company_id = coalesce(c.company_id, (SELECT id FROM company WHERE name_key = s.org_key)),"
        " linkedin_url = coalesce(c.linkedin_url, s.url), updated_at = ?"
        f" FROM m JOIN s ON s.n = m.n WHERE c.id = m.contact_id AND ({BLANKS})",
        (NOW,),
    ).rowcount
    conn.execute("INSERT INTO who SELECT n, contact_id, 0 FROM m")
    conn.execute(
        "INSERT OR IGNORE INTO contact_email (contact_id, email, label, position)"
        " SELECT w.contact_id, se.email, '', se.pos FROM se JOIN who w ON w.n = se.n"
        " ORDER BY w.contact_id, se.pos"
    )
    conn.execute(
        "INSERT OR IGNORE INTO contact_phone (contact_id, phone, phone_key, label, position)"
        " SELECT w.contact_id, sp.phone, sp.phone_key, '', sp.pos FROM sp JOIN who w ON w.n = sp.n"
        " ORDER BY w.contact_id, sp.pos"
    )
    conn.execute("INSERT OR IGNORE INTO tag (name) SELECT DISTINCT tag FROM st")
    conn.execute(
        "INSERT OR IGNORE INTO contact_tag (contact_id, tag_id) SELECT w.contact_id, t.id FROM st"
        " JOIN who w ON w.n = st.n JOIN tag t ON t.name = st.tag ORDER BY w.contact_id"
    )
    for table, owner in CREATED:  # rows of new contacts go with them (ON DELETE CASCADE)
        owned = f" AND {owner} <= {base['contact']:d}" if owner else ""
        conn.execute(
            'INSERT INTO import_change (run_id, "table", row_id, action, before)'
            f" SELECT ?, ?, id, 'created', NULL FROM \"{table}\" WHERE id > ?{owned} ORDER BY id",
            (RUN, table, base[table]),
        )
    created = conn.execute("SELECT count(*) FROM who WHERE new").fetchone()[0]
    matched = conn.execute("SELECT count(*) FROM m").fetchone()[0]
    return {"matched": matched, "created": created, "updated": updated}


def addressbook_engine_floor(data: bytes, db_path: str) -> dict:
    """Time the Google CSV `data` imported into the database at `db_path` (a copy of the one the
    import runs on) by the leanest set-based engine; returns seconds and the counts."""
    start = time.perf_counter()
    conn = bulk_connection(db_path)
    _stage(conn, data)
    counts = _write(conn)
    conn.execute("COMMIT")
    conn.close()
    return {"seconds": time.perf_counter() - start, **counts}
