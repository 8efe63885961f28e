"""The floor of Rapport's own schema: what SQLite alone must do to hold an export the way the app
stores it, with no import logic at all.

The same two CSVs as the issue's floor are read by csv.reader, but written where the app keeps
them: connections into `contact`, every message row into `activity` (its indexes, including the
unique source key), the full-text index and its term list (search), one `activity_contact` link
each (the per-contact index the Today and contact pages read), then one synced commit. Every
value is a plain SQL expression of the CSV cells: no dates parsed, no HTML turned into text,
only drafts left out (sponsored and system rows are written), no matching, no undo log, no
scores. An import that does all of those cannot be faster than this, so its time divided by the
issue's floor is the lowest ratio any import into this schema can reach on this machine.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import time
import zipfile

from crm import migrations
from crm.db import PRAGMAS
from crm.services.imports import LINK_INDEX
from crm.services.search import KEY_SQL

NOW = "2000-01-01 00:00:00"


def bulk_connection(db_path: str) -> sqlite3.Connection:
    """A connection to `db_path` with the app's pragmas, foreign keys unchecked as the import's
    bulk write has them, inside a write transaction (the caller commits)."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    for key, value in PRAGMAS.items():
        conn.execute(f"PRAGMA {key}={value}")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("BEGIN IMMEDIATE")
    return conn


def _rows(zf: zipfile.ZipFile, name: str):
    """(column positions by lower-case header, the rows after the header) of one member."""
    raw = zf.open(name)
    reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
    for header in reader:  # the Connections.csv "Notes:" preamble ends at the header line
        at = {h.strip().lower(): i for i, h in enumerate(header)}
        if "first name" in at or "conversation id" in at:
            return at, reader
    raise ValueError(f"no header in {name}")


def schema_floor(zip_path: str, db_path: str) -> dict:
    """Time the export written into the database at `db_path` (migrated first if new), SQL doing
    all the shaping. Into a database that holds an earlier snapshot, rows already there are
    ignored by the unique URL and source-key indexes, and only new activities are indexed and
    linked."""
    migrations.migrate(db_path)
    start = time.perf_counter()
    conn = bulk_connection(db_path)

    def drop(kind: str, name: str) -> str:
        """Drop a trigger or index for the bulk write; returns the SQL that makes it again."""
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
        conn.execute(f'DROP {kind.upper()} "{name}"')
        return sql

    base = conn.execute("SELECT coalesce(max(id), 0) FROM activity").fetchone()[0]
    trigger = drop("trigger", "activity_search_insert")  # the search index is built in one pass
    with zipfile.ZipFile(zip_path) as zf:
        at, rows = _rows(zf, "Connections.csv")
        first, last, url = at["first name"], at["last name"], at["url"]
        conn.executemany(
            "INSERT OR IGNORE INTO contact (first_name, last_name, full_name, name_key, linkedin_url,"
            " title, location, website, notes, stage, source, is_connection, connected, value_deal,"
            " value_referrals, value_advocate, value_feedback, score, score_reasons, created_at,"
            " updated_at) VALUES (?1, ?2, ?1 || ' ' || ?2, lower(?1 || ' ' || ?2), nullif(?3, ''),"
            " ?4, '', '', '', 'lead', 'linkedin', 1, 1, 0, 0, 0, 0, 0, '[]', ?5, ?5)",
            ((r[first], r[last], r[url], r[at["position"]], NOW) for r in rows if len(r) == len(at)),
        )
        at, rows = _rows(zf, "messages.csv")
        conn.execute("CREATE TEMP TABLE m (convo, sender_url, date, content, draft)")
        picks = [at["conversation id"], at["sender profile url"], at["date"], at["content"]]
        picks.append(at.get("is message draft", at["content"]))
        conn.executemany(
            "INSERT INTO temp.m VALUES (?, ?, ?, ?, ?)",
            ([r[i] for i in picks] for r in rows if len(r) == len(at)),
        )
    conn.execute(
        "INSERT OR IGNORE INTO activity (kind, occurred_at, direction, origin, source, source_key,"
        " summary, body, created_at, updated_at) SELECT 'message', substr(date, 1, 19), 'in',"
        " 'imported', 'linkedin', 'linkedin:message:' || substr(date, 1, 19) || ':' || convo"
        " || sender_url, substr(content, 1, 140), content, ?1, ?1 FROM temp.m WHERE draft != 'Yes'"
        " ORDER BY date",
        (NOW,),
    )
    key = KEY_SQL.format(t="activity")
    conn.execute(
        f"INSERT INTO activity_search (rowid, summary, body) SELECT {key}, summary, body FROM activity"
        " WHERE id > ?",
        (base,),
    )
    conn.execute('CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, "activity_search", row)')
    conn.execute("INSERT OR IGNORE INTO activity_search_term (term) SELECT term FROM temp.vocab")
    # the import's rule: a batch that at least doubles the links rebuilds their index from a sort
    new = conn.execute("SELECT coalesce(max(id), 0) - ? FROM activity", (base,)).fetchone()[0]
    index = drop("index", LINK_INDEX) if new >= base else None
    conn.execute(
        "INSERT INTO activity_contact (activity_id, contact_id, occurred_at, touch)"
        " SELECT id, 1 + id % (SELECT count(*) FROM contact), occurred_at, 1 FROM activity"
        " WHERE id > ?",
        (base,),
    )
    if index:
        conn.execute(index)
    conn.execute(trigger)
    conn.execute("COMMIT")
    conn.close()
    return {"seconds": time.perf_counter() - start}


def addressbook_schema_floor(data: bytes, db_path: str) -> float:
    """Seconds to write a Google Contacts CSV into the database at `db_path` (a copy of the one
    the import runs on) the same way: csv.reader rows into a staging table, then every person
    a new contact with the first two emails and phones, and one synced commit. No matching (every
    row is new, so no updates), no normalising, no tags, no undo log, no scores."""
    start = time.perf_counter()
    conn = bulk_connection(db_path)
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    at = {h: i for i, h in enumerate(next(rows))}
    names = ("First Name", "Last Name", "Organization Title", "Notes", "E-mail 1 - Value",
             "E-mail 2 - Value", "Phone 1 - Value", "Phone 2 - Value")  # fmt: skip
    picks = [at[n] for n in names]
    conn.execute("CREATE TEMP TABLE p (first, last, title, notes, email1, email2, phone1, phone2)")
    conn.executemany(
        "INSERT INTO temp.p VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ([r[i] for i in picks] for r in rows if len(r) == len(at)),
    )
    base = conn.execute("SELECT coalesce(max(id), 0) FROM contact").fetchone()[0]
    conn.execute(
        "INSERT INTO contact (id, first_name, last_name, full_name, name_key, title, location, website,"
        " notes, stage, source, is_connection, connected, value_deal, value_referrals, value_advocate,"
        " value_feedback, score, score_reasons, created_at, updated_at) SELECT ?1 + rowid, first, last,"
        " first || ' ' || last, lower(first || ' ' || last), title, '', '', notes, 'lead', 'google', 0,"
        " 0, 0, 0, 0, 0, 0, '[]', ?2, ?2 FROM temp.p",
        (base, NOW),
    )
    for position, cell in enumerate(("email1", "email2")):
        conn.execute(
            "INSERT OR IGNORE INTO contact_email (contact_id, email, label, position)"
            f" SELECT ? + rowid, lower({cell}), '', ? FROM temp.p WHERE {cell} != ''",
            (base, position),
        )
    for position, cell in enumerate(("phone1", "phone2")):
        conn.execute(
            "INSERT OR IGNORE INTO contact_phone (contact_id, phone, phone_key, label, position)"
            f" SELECT ? + rowid, {cell}, {cell}, '', ? FROM temp.p WHERE {cell} != ''",
            (base, position),
        )
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start
