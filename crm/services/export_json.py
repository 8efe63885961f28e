"""The full export as one JSON document, written row by row so memory stays flat at any size.

Timestamps are ISO 8601 UTC with a `Z`; dates are `YYYY-MM-DD`; a birthday without a year is
`--MM-DD` (the ISO 8601 form). Trashed rows are included with their `deleted_at`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import TextIO

from crm.db import db
from crm.models import utcnow

FORMAT = "rapport-export"
VERSION = 1
BATCH = 2000


def _ts(value) -> str | None:
    """A stored naive-UTC timestamp as ISO 8601 with Z (microseconds kept when present)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.isoformat() + "Z"


def _date(value) -> str | None:
    if value is None or value == "":
        return None
    return str(value)[:10]


def _birthday(month, day, year) -> str | None:
    if not month or not day:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def _json(value):
    return None if value is None else json.loads(value)


def _rows(sql: str) -> Iterator[dict]:
    """Stream a query as dicts, fetching in batches (the cursor never holds the whole table)."""
    cursor = db.execute_sql(sql)
    names = [col[0] for col in cursor.description]
    while True:
        chunk = cursor.fetchmany(BATCH)
        if not chunk:
            return
        for row in chunk:
            yield dict(zip(names, row, strict=True))


CONTACTS = """
SELECT c.*, co.name AS company_name,
  (SELECT json_group_array(email) FROM (SELECT email FROM contact_email
     WHERE contact_id = c.id ORDER BY position, id)) AS emails,
  (SELECT json_group_array(phone) FROM (SELECT phone FROM contact_phone
     WHERE contact_id = c.id ORDER BY position, id)) AS phones,
  (SELECT json_group_array(name) FROM (SELECT t.name FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id
     WHERE ct.contact_id = c.id ORDER BY t.name)) AS tags
FROM contact c LEFT JOIN company co ON co.id = c.company_id ORDER BY c.id
"""


def _contact(r: dict) -> dict:
    return {
        "id": r["id"],
        "first_name": r["first_name"],
        "last_name": r["last_name"],
        "full_name": r["full_name"],
        "linkedin_url": r["linkedin_url"],
        "emails": json.loads(r["emails"]),
        "phones": json.loads(r["phones"]),
        "company": r["company_name"],
        "company_id": r["company_id"],
        "title": r["title"],
        "location": r["location"],
        "website": r["website"],
        "birthday": _birthday(r["birthday_month"], r["birthday_day"], r["birthday_year"]),
        "tags": json.loads(r["tags"]),
        "stage": r["stage"],
        "notes": r["notes"],
        "source": r["source"],
        "connected_on": _date(r["connected_on"]),
        "is_connection": bool(r["is_connection"]),
        "connected": bool(r["connected"]),
        "cadence_days": r["cadence_days"],
        "last_touch_at": _ts(r["last_touch_at"]),
        "next_touch_due": _date(r["next_touch_due"]),
        "snoozed_until": _ts(r["snoozed_until"]),
        "score": r["score"],
        "value_deal": r["value_deal"],
        "value_referrals": r["value_referrals"],
        "value_advocate": bool(r["value_advocate"]),
        "value_feedback": bool(r["value_feedback"]),
        "brief_goal": r["brief_goal"],
        # what LinkedIn last said of the job (null: never), which the next export is compared with
        "linkedin_company": r["linkedin_company"],
        "linkedin_title": r["linkedin_title"],
        "import_run_id": r["import_run_id"],
        "created_at": _ts(r["created_at"]),
        "updated_at": _ts(r["updated_at"]),
        "deleted_at": _ts(r["deleted_at"]),
    }


def _company(r: dict) -> dict:
    return {
        "id": r["id"],
        "name": r["name"],
        "website": r["website"],
        "notes": r["notes"],
        "created_at": _ts(r["created_at"]),
        "deleted_at": _ts(r["deleted_at"]),
    }


# The correlated subquery walks the (activity_id, contact_id) index: no GROUP BY buffering.
ACTIVITIES = """
SELECT a.*, (SELECT json_group_array(contact_id) FROM (SELECT contact_id FROM activity_contact
   WHERE activity_id = a.id ORDER BY contact_id)) AS contact_ids
FROM activity a ORDER BY a.id
"""


def _activity(r: dict) -> dict:
    return {
        "id": r["id"],
        "contact_ids": json.loads(r["contact_ids"]),
        "kind": r["kind"],
        "direction": r["direction"],
        "occurred_at": _ts(r["occurred_at"]),
        "source": r["source"],
        "origin": r["origin"],
        "source_key": r["source_key"],
        "summary": r["summary"],
        "body": r["body"],
        "import_run_id": r["import_run_id"],
        "created_at": _ts(r["created_at"]),
        "updated_at": _ts(r["updated_at"]),
        "deleted_at": _ts(r["deleted_at"]),
    }


def _followup(r: dict) -> dict:
    return {
        "id": r["id"],
        "contact_id": r["contact_id"],
        "title": r["title"],
        "due_at": _ts(r["due_at"]),
        "all_day": bool(r["all_day"]),
        "rrule": r["rrule"],
        "snoozed_until": _ts(r["snoozed_until"]),
        "done_at": _ts(r["done_at"]),
        "done_activity_id": r["done_activity_id"],
        "created_at": _ts(r["created_at"]),
        "deleted_at": _ts(r["deleted_at"]),
    }


def _signal(r: dict) -> dict:
    return {
        "id": r["id"],
        "contact_id": r["contact_id"],
        "kind": r["kind"],
        "observed_at": _ts(r["observed_at"]),
        "details": _json(r["details"]),
        "dismissed": r["dismissed_at"] is not None,
        "dismissed_at": _ts(r["dismissed_at"]),
        "weight": r["weight"],
        "half_life_days": r["half_life_days"],
        "note": r["note"],
        "activity_id": r["activity_id"],
        "import_run_id": r["import_run_id"],
        "created_at": _ts(r["created_at"]),
    }


def _import_run(r: dict) -> dict:
    return {
        "id": r["id"],
        "source": r["source"],
        "file_name": r["file_name"],
        "file_hash": r["file_hash"],
        "status": r["status"],
        "started_at": _ts(r["started_at"]),
        "finished_at": _ts(r["finished_at"]),
        "undone_at": _ts(r["undone_at"]),
        "counts": _json(r["counts"]),
        "problems": _json(r["problems"]),
    }


SECTIONS: tuple[tuple[str, str, Callable[[dict], dict]], ...] = (
    ("contacts", CONTACTS, _contact),
    ("companies", "SELECT * FROM company ORDER BY id", _company),
    ("activities", ACTIVITIES, _activity),
    ("followups", "SELECT * FROM follow_up ORDER BY id", _followup),
    ("signals", "SELECT * FROM signal ORDER BY id", _signal),
    ("import_runs", "SELECT * FROM import_run ORDER BY id", _import_run),
)


def write_json(out: TextIO) -> dict[str, int]:
    """Write the whole database as one JSON object to `out`; returns the count per section.

    One read transaction covers every section, so the export is a consistent snapshot even
    while the app keeps writing.
    """
    counts: dict[str, int] = {}
    dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with db.atomic():
        out.write(f'{{"format":{dump(FORMAT)},"version":{VERSION},"exported_at":{dump(_ts(utcnow()))}')
        for name, sql, shape in SECTIONS:
            out.write(f',\n"{name}":[')
            n = 0
            for row in _rows(sql):
                out.write(("\n" if n == 0 else ",\n") + dump(shape(row)))
                n += 1
            out.write("]")
            counts[name] = n
        out.write("}\n")
    return counts
