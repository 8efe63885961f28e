"""The activity stream: filters, keyset pages, safe full-text search, contact type-ahead."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

from peewee import JOIN

from crm.db import db
from crm.models import ACTIVITY_KINDS, Activity, Company, Contact
from crm.services import search
from crm.services.search import fts_query
from importers.base import name_key

PER_PAGE = 30
_KEY = search.KEY_SQL.format(t="a")
# An entry shows while it concerns a live contact, or nobody: one about trashed contacts only
# waits in the trash with them (their page is gone) and comes back when one is restored.
SHOWN = (
    "(EXISTS (SELECT 1 FROM activity_contact l JOIN contact c ON c.id = l.contact_id"
    " WHERE l.activity_id = a.id AND c.deleted_at IS NULL)"
    " OR NOT EXISTS (SELECT 1 FROM activity_contact l WHERE l.activity_id = a.id))"
)

# The kinds the Stream's filter offers: every kind something writes (import runs are listed,
# with their undo, on the Import page rather than as entries).
FILTER_KINDS = tuple(k for k in ACTIVITY_KINDS if k != "import")

KIND_LABELS = {
    "note": "Note",
    "call": "Call",
    "email": "Email",
    "meeting": "Meeting",
    "message": "Message",
    "invitation": "Invitation",
    "endorsement": "Endorsement",
    "recommendation": "Recommendation",
    "other": "Other touch",
    "stage_change": "Stage change",
    "followup_done": "Follow-up done",
    "signal": "Signal",
    "job_change": "Job change",
    "import": "Import",
}
DIRECTED_LABELS = {
    ("call", "in"): "Incoming call",
    ("call", "out"): "Outgoing call",
    ("email", "in"): "Email received",
    ("email", "out"): "Email sent",
    ("message", "in"): "Message received",
    ("message", "out"): "Message sent",
    ("invitation", "in"): "Invitation received",
    ("invitation", "out"): "Invitation sent",
    ("endorsement", "in"): "Endorsement received",
    ("endorsement", "out"): "Endorsement given",
    ("recommendation", "in"): "Recommendation received",
    ("recommendation", "out"): "Recommendation given",
}


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


def entry_label(kind: str, direction: str | None = None) -> str:
    """What an entry is, in words: "Outgoing call", "Message received", "Follow-up done"."""
    if (kind, direction) in DIRECTED_LABELS:
        return DIRECTED_LABELS[kind, direction]
    label = KIND_LABELS.get(kind) or kind.replace("_", " ").capitalize()
    if direction in ("in", "out"):
        return f"{label} ({'they' if direction == 'in' else 'you'} reached out)"
    return label


class Person(NamedTuple):
    """A contact an entry involves; one in the trash is named without a link."""

    id: int
    name: str
    trashed: bool


@dataclass
class Entry:
    """One stream row: the activity and the contacts it involves."""

    activity: Activity
    contacts: list[Person]


@dataclass
class StreamPage:
    entries: list[Entry]
    cursor: str | None


def encode_cursor(activity: Activity) -> str:
    return f"{activity.occurred_at.isoformat()}_{activity.id}"


def decode_cursor(cursor: str | None) -> tuple[dt.datetime, int] | None:
    """The (occurred_at, id) a page continues after; None for a bad or missing cursor."""
    if not cursor or "_" not in cursor:
        return None
    stamp, _, ident = cursor.rpartition("_")
    try:
        at, number = dt.datetime.fromisoformat(stamp), int(ident)
    except ValueError:
        return None
    if not 0 <= number < search.ID_BITS:
        return None
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at, number


def _day_start(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC).replace(tzinfo=None)


def list_stream(
    filters: StreamFilters, tz: ZoneInfo, cursor: str | None = None, per_page: int = PER_PAGE
) -> StreamPage:
    """One page of activities, newest first, continuing after `cursor`; a few queries in all.

    Keyset pagination on (occurred_at, id) walks the occurred_at index (or, for one contact,
    the (contact_id, occurred_at) index), so a page costs the same at any depth and size. A
    search without a contact walks the time-ordered search index instead (`_search_page`).
    """
    match = search.match_expression(filters.q)
    if match is search.NO_MATCH:
        return StreamPage([], None)
    plan = _contact_plan(filters.contact_id, match) if match and filters.contact_id else "scan"
    if match and plan == "probe":
        # Each of the contact's activities looked up in the index by its key.
        check = f"EXISTS (SELECT 1 FROM activity_search WHERE activity_search MATCH ? AND rowid = {_KEY})"
        return _contact_search_page(filters, tz, check, match, cursor, per_page)
    if match and plan == "gather":
        # Every match gathered once (FTS5's own prefix merge is fastest at that), then the timeline.
        # (Keys, not ids: FTS5 yields keys in order, so SQLite's temporary index fills fastest.)
        check = f"{_KEY} IN (SELECT rowid FROM activity_search WHERE activity_search MATCH ?)"
        return _contact_search_page(filters, tz, check, fts_query(filters.q), cursor, per_page)
    if match:
        return _search_page(filters, tz, match, cursor, per_page)
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
    _filter(filters, tz, at, where, params)
    after = decode_cursor(cursor)
    if after:
        where.append(f"({at} < ? OR ({at} = ? AND {ident} < ?))")
        params += [str(after[0]), str(after[0]), after[1]]
    sql = f"SELECT a.* FROM {source} WHERE {' AND '.join(where)} ORDER BY {at} DESC, {ident} DESC LIMIT ?"
    return _page(list(Activity.raw(sql, *params, per_page + 1)), per_page)


def _filter(filters: StreamFilters, tz: ZoneInfo, at: str, where: list, params: list) -> None:
    """Add the kind, people (stage, company, tag) and date filters to a query on activity a,
    and leave out entries about trashed contacts only."""
    where.append(SHOWN)
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


def _search_page(
    filters: StreamFilters, tz: ZoneInfo, match: str, cursor: str | None, per_page: int
) -> StreamPage:
    """A search page read from activity_search newest first, stopping after one page.

    The index's rowid is `search.search_key` (whole seconds, then id), so matches in the same
    second come by id rather than by their fraction of a second. Date filters and the cursor
    become key bounds; the date filters are also checked on the row (keys clamp before 1970).
    """
    where = ["activity_search MATCH ?", "a.deleted_at IS NULL"]
    params: list = [match]
    if filters.start:
        where.append("s.rowid >= ?")
        params.append(search.search_key(_day_start(filters.start, tz), 0))
    bound = (
        search.key_bound_before(_day_start(filters.end + dt.timedelta(days=1), tz)) if filters.end else None
    )
    if bound is not None:
        where.append("s.rowid < ?")
        params.append(bound)
    after = decode_cursor(cursor)
    if after:
        where.append("s.rowid < ?")
        params.append(search.search_key(*after))
    if filters.contact_id:
        where.append("EXISTS (SELECT 1 FROM activity_contact WHERE activity_id = a.id AND contact_id = ?)")
        params.append(filters.contact_id)
    _filter(filters, tz, "a.occurred_at", where, params)
    # CROSS JOIN keeps the index as the outer loop, so its rowid order needs no sort.
    sql = (
        "SELECT a.* FROM activity_search s CROSS JOIN activity a ON a.id = s.rowid % 2147483648"
        f" WHERE {' AND '.join(where)} ORDER BY s.rowid DESC LIMIT ?"
    )
    return _page(list(Activity.raw(sql, *params, per_page + 1)), per_page)


# Looking one row up in the index costs about one seek per search term (~25 us); a contact
# whose activities times the terms stay under this budget is searched row by row.
PROBE_BUDGET = 500
# Walking the matches newest first meets a contact's share of them; past this many expected
# rows read, every match is gathered at once instead.
SCAN_BUDGET = 20_000
COUNT_CAP = 50_000  # a contact's activities are counted up to this many (~1 ms)


def _contact_plan(contact_id: int, match: str) -> str:
    """How to search one contact's activities: "probe" each, "scan" the matches, or "gather" them."""
    # FTS5's own prefix query (left unexpanded) merges every matching doclist per lookup.
    terms = PROBE_BUDGET if match.endswith("*") else max(1, match.count('"') // 2)
    mine, total = db.execute_sql(
        "SELECT (SELECT count(*) FROM (SELECT 1 FROM activity_contact WHERE contact_id = ? LIMIT ?)),"
        " (SELECT max(id) FROM activity)",
        (contact_id, COUNT_CAP),
    ).fetchone()
    if mine * terms <= PROBE_BUDGET:
        return "probe"
    # FTS5 steps an OR of n terms in about n operations per match.
    return "scan" if PER_PAGE * (total or 0) * terms <= SCAN_BUDGET * mine else "gather"


def _contact_search_page(
    filters: StreamFilters, tz: ZoneInfo, check: str, match: str, cursor: str | None, per_page: int
) -> StreamPage:
    """A search in one contact's timeline, newest first, each row tested with `check`.

    Same order as `_search_page` (key: whole seconds, then id): the timeline index yields rows
    by time, so rows are read until the second after the page's last one has begun.
    """
    where = ["ac.contact_id = ?", "a.deleted_at IS NULL"]
    params: list = [filters.contact_id]
    _filter(filters, tz, "ac.occurred_at", where, params)
    after = decode_cursor(cursor)
    if after:
        where.append(f"{_KEY} < ?")
        params.append(search.search_key(*after))
    where.append(check)
    params.append(match)
    sql = (
        f"SELECT a.*, {_KEY} AS search_key FROM activity_contact ac JOIN activity a ON a.id = ac.activity_id"
        f" WHERE {' AND '.join(where)} ORDER BY ac.occurred_at DESC"
    )
    rows: list[Activity] = []
    for row in Activity.raw(sql, *params):
        if (
            len(rows) > per_page
            and row.search_key // search.ID_BITS < rows[per_page].search_key // search.ID_BITS
        ):
            break
        rows.append(row)
    rows.sort(key=lambda r: r.search_key, reverse=True)
    return _page(rows[: per_page + 1], per_page)


def _page(rows: list[Activity], per_page: int) -> StreamPage:
    more = len(rows) > per_page
    rows = rows[:per_page]
    return StreamPage(entries(rows), encode_cursor(rows[-1]) if more and rows else None)


def entries(rows: list[Activity]) -> list[Entry]:
    """The activities as stream rows, with the contacts of each (one query)."""
    links = contacts_for([a.id for a in rows])
    return [Entry(a, links.get(a.id, [])) for a in rows]


def contacts_for(activity_ids: list[int]) -> dict[int, list[Person]]:
    """The contacts of each activity, in one query."""
    result: dict[int, list[Person]] = defaultdict(list)
    if not activity_ids:
        return result
    marks = ", ".join("?" * len(activity_ids))
    rows = db.execute_sql(
        "SELECT ac.activity_id, c.id, c.full_name, c.deleted_at IS NOT NULL FROM activity_contact ac"
        f" JOIN contact c ON c.id = ac.contact_id WHERE ac.activity_id IN ({marks}) ORDER BY c.name_key",
        tuple(activity_ids),
    )
    for activity_id, contact_id, name, trashed in rows:
        result[activity_id].append(Person(contact_id, name, bool(trashed)))
    return result


def trash(limit: int = 200) -> list[Entry]:
    """Entries in the trash, most recently deleted first (not those waiting with a trashed contact)."""
    sql = (
        f"SELECT a.* FROM activity a WHERE a.deleted_at IS NOT NULL AND {SHOWN}"
        " ORDER BY a.deleted_at DESC LIMIT ?"
    )
    return entries(list(Activity.raw(sql, limit)))


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
