"""The activity stream: filters, keyset pages, safe full-text search, contact type-ahead."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from peewee import JOIN

from crm.db import db
from crm.models import ACTIVITY_KINDS, Activity, Company, Contact
from importers.base import name_key

PER_PAGE = 30
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8


@dataclass
class StreamFilters:
    """What the stream shows; every field lives in the URL."""

    q: str = ""
    kind: str = ""
    tag: str = ""
    stage: str = ""
    contact_id: int | None = None
    company_id: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    def args(self) -> dict[str, str]:
        """The non-empty filters as URL arguments."""
        out = {}
        for key, value in asdict(self).items():
            if value not in (None, ""):
                out[{"contact_id": "contact", "company_id": "company"}.get(key, key)] = str(value)
        return out


@dataclass
class Entry:
    """One stream row: the activity and the contacts it involves."""

    activity: Activity
    contacts: list[tuple[int, str]]


@dataclass
class StreamPage:
    entries: list[Entry]
    cursor: str | None


def fts_query(text: str) -> str:
    """A safe FTS5 query from what the user typed: each word quoted, all required, last a prefix.

    Quoting every word means FTS5 operators (NEAR, OR, -, ^, column filters) typed by the user
    are searched as plain words and can never make MATCH fail.
    """
    words = _WORD.findall(text or "")[:MAX_WORDS]
    if not words:
        return ""
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    if len(words[-1]) >= 2:
        quoted[-1] += "*"
    return " ".join(quoted)


def encode_cursor(activity: Activity) -> str:
    return f"{activity.occurred_at.isoformat()}_{activity.id}"


def decode_cursor(cursor: str | None) -> tuple[dt.datetime, int] | None:
    """The (occurred_at, id) a page continues after; None for a bad or missing cursor."""
    if not cursor or "_" not in cursor:
        return None
    stamp, _, ident = cursor.rpartition("_")
    try:
        return dt.datetime.fromisoformat(stamp), int(ident)
    except ValueError:
        return None


def _day_start(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC).replace(tzinfo=None)


def list_stream(
    filters: StreamFilters, tz: ZoneInfo, cursor: str | None = None, per_page: int = PER_PAGE
) -> StreamPage:
    """One page of activities, newest first, continuing after `cursor`; two queries in all.

    Keyset pagination on (occurred_at, id) walks the occurred_at index (or, for one contact,
    the (contact_id, occurred_at) index), so a page costs the same at any depth and size.
    """
    where = ["a.deleted_at IS NULL"]
    params: list = []
    if filters.contact_id:
        source = "activity_contact ac JOIN activity a ON a.id = ac.activity_id"
        at, ident = "ac.occurred_at", "ac.activity_id"
        where.append("ac.contact_id = ?")
        params.append(filters.contact_id)
    else:
        source = "activity a"
        at, ident = "a.occurred_at", "a.id"
    if filters.kind in ACTIVITY_KINDS:
        where.append("a.kind = ?")
        params.append(filters.kind)
    people, people_params = [], []
    if filters.stage:
        people.append("c.stage = ?")
        people_params.append(filters.stage)
    if filters.company_id:
        people.append("c.company_id = ?")
        people_params.append(filters.company_id)
    if filters.tag:
        people.append(
            "c.id IN (SELECT ct.contact_id FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id"
            " WHERE t.name = ?)"
        )
        people_params.append(filters.tag)
    if people:
        where.append(
            "EXISTS (SELECT 1 FROM activity_contact pc JOIN contact c ON c.id = pc.contact_id"
            f" WHERE pc.activity_id = a.id AND {' AND '.join(people)})"
        )
        params += people_params
    if filters.start:
        where.append(f"{at} >= ?")
        params.append(str(_day_start(filters.start, tz)))
    if filters.end:
        where.append(f"{at} < ?")
        params.append(str(_day_start(filters.end + dt.timedelta(days=1), tz)))
    match = fts_query(filters.q)
    prefix, prefix_params = "", []
    if match and _few_matches(match):
        # A selective search: start from its few matches (then sort) instead of walking the
        # whole occurred_at index looking for them. CROSS JOIN fixes that join order.
        prefix = "WITH m(id) AS MATERIALIZED (SELECT rowid FROM activity_fts WHERE activity_fts MATCH ?) "
        prefix_params = [match]
        source = (
            "m CROSS JOIN " + source.replace("activity a", "activity a ON a.id = m.id", 1)
            if not filters.contact_id
            else source
        )
        if filters.contact_id:
            where.append("a.id IN (SELECT id FROM m)")
    elif match:
        where.append("a.id IN (SELECT rowid FROM activity_fts WHERE activity_fts MATCH ?)")
        params.append(match)
    after = decode_cursor(cursor)
    if after:
        where.append(f"({at} < ? OR ({at} = ? AND {ident} < ?))")
        params += [str(after[0]), str(after[0]), after[1]]
    sql = (
        f"{prefix}SELECT a.* FROM {source} WHERE {' AND '.join(where)}"
        f" ORDER BY {at} DESC, {ident} DESC LIMIT ?"
    )
    rows = list(Activity.raw(sql, *prefix_params, *params, per_page + 1))
    return _page(rows, per_page)


# Below this many matches a search starts from its matches; above, from the newest activities.
FEW_MATCHES = 3000


def _few_matches(match: str) -> bool:
    """True when the search matches fewer than FEW_MATCHES activities (cost capped by the LIMIT)."""
    sql = "SELECT COUNT(*) FROM (SELECT rowid FROM activity_fts WHERE activity_fts MATCH ? LIMIT ?)"
    return db.execute_sql(sql, (match, FEW_MATCHES)).fetchone()[0] < FEW_MATCHES


def _page(rows: list[Activity], per_page: int) -> StreamPage:
    more = len(rows) > per_page
    rows = rows[:per_page]
    links = contacts_for([a.id for a in rows])
    entries = [Entry(a, links.get(a.id, [])) for a in rows]
    return StreamPage(entries, encode_cursor(rows[-1]) if more and rows else None)


def contacts_for(activity_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """(contact id, name) per activity, in one query."""
    result: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if not activity_ids:
        return result
    marks = ", ".join("?" * len(activity_ids))
    rows = db.execute_sql(
        "SELECT ac.activity_id, c.id, c.full_name FROM activity_contact ac"
        f" JOIN contact c ON c.id = ac.contact_id WHERE ac.activity_id IN ({marks}) ORDER BY c.name_key",
        tuple(activity_ids),
    )
    for activity_id, contact_id, name in rows:
        result[activity_id].append((contact_id, name))
    return result


def contact_timeline(
    contact_id: int, tz: ZoneInfo, cursor: str | None = None, per_page: int = PER_PAGE
) -> StreamPage:
    """One contact's history, newest first (the stream filtered to that contact)."""
    return list_stream(StreamFilters(contact_id=contact_id), tz, cursor, per_page)


def search_contacts(text: str, limit: int = 8) -> list[Contact]:
    """Type-ahead: contacts whose name starts with the text (indexed), then any word of it."""
    key = name_key(text or "")
    if not key:
        return []
    found = list(
        Contact.select(Contact, Company)
        .join(Company, on=(Contact.company == Company.id), join_type=JOIN.LEFT_OUTER)
        .where(Contact.deleted_at.is_null(), Contact.name_key >= key, Contact.name_key < key + "\uffff")
        .order_by(Contact.name_key)
        .limit(limit)
    )
    if len(found) < limit:
        seen = [c.id for c in found] or [0]
        found += list(
            Contact.select(Contact, Company)
            .join(Company, on=(Contact.company == Company.id), join_type=JOIN.LEFT_OUTER)
            .where(
                Contact.deleted_at.is_null(),
                Contact.name_key.contains(" " + key),
                Contact.id.not_in(seen),
            )
            .order_by(Contact.name_key)
            .limit(limit - len(found))
        )
    return found
