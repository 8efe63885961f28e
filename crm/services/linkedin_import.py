"""Plan a LinkedIn export against the database: who is new, who changed jobs, which messages are new.

Identity is the normalised profile URL; without one, exact name plus company (never name alone).
The keys to find people by are read up front into dicts and sets, so no row costs its own query;
the rest of an existing contact's row is read when Connections.csv gets to them, a chunk at a
time, so a database of 30,000 contacts is never held in memory whole.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from crm.db import db
from crm.models import utcnow
from crm.scoring import signal_defaults
from crm.services.imports import Plan, Planner, Progress, Ref, Report, db_time, latest_run
from importers.base import PersonRecord, Skipped
from importers.base import name_key as _slow_name_key
from importers.linkedin import LinkedInExport, open_export

SOURCE = "linkedin"
NEW_CONNECTION_DAYS = 14  # on a first import, only this recent a connection is "new"
PROGRESS_EVERY = 5000
CONNECTIONS_CHUNK = 1000  # connections matched, their contacts' rows read in one query, then planned
CONTACT_ROW = (  # what planning a connection needs of an existing contact
    "SELECT c.id, c.linkedin_url, c.name_key, co.name_key, c.company_id, c.title,"
    " c.first_name, c.last_name, c.is_connection, c.connected, c.connected_on,"
    " c.last_touch_at, c.updated_at, c.full_name, c.deleted_at IS NOT NULL, c.linkedin_company,"
    " c.linkedin_title FROM contact c LEFT JOIN company co ON co.id = c.company_id"
)
MESSAGE_KEY = len("linkedin:message:2024-01-31T12:00:00:")  # then 20 hex digits (importers/linkedin.py)
LINKEDIN_ROLE = {"linkedin_company", "linkedin_title"}  # what LinkedIn said last, kept for the next export


def planner(
    data: bytes | str | os.PathLike, file_name: str, file_hash: str, workdir: str | None = None
) -> Planner:
    """A planner for the generic flow: opens the export and plans it against the database."""

    def make(progress: Progress) -> Plan:
        with open_export(data, file_name) as export:
            return _Planner(export, Report(SOURCE, file_name, file_hash), workdir, progress).run()

    return make


# the same company and person names recur across connections and messages
name_key = lru_cache(maxsize=1 << 17)(_slow_name_key)


def _company_key(name: str) -> str:
    return name_key(name) or name.strip().lower()


def _slug_name(url: str) -> str:
    slug = url.rstrip("/").rsplit("/", 1)[-1]
    parts = [p for p in slug.split("-") if p and not re.fullmatch(r"[0-9a-f]{5,}|\d+", p)]
    return " ".join(p.capitalize() for p in parts) or slug


def _key_id(key: str) -> int | str:
    """A source key as the sets of keys present and seen hold it: a message's as the number its
    20 hex digits spell, any other key as it is.

    Those digits are a digest of the whole message, its time included, so they tell two messages
    apart as surely as the whole key does; as an int a key takes a third of the memory (300,000 of
    them were 38 MB as strings)."""
    if len(key) == MESSAGE_KEY + 20 and key.startswith("linkedin:message:"):
        try:
            return int(key[MESSAGE_KEY:], 16)
        except ValueError:  # an older key of the same length: kept as it is
            return key
    return key


def _chunks(items: Iterable, size: int) -> Iterable[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _role(title: str, company: str) -> str:
    if title and company:
        return f"{title} at {company}"
    return title or company or "an unknown role"


class _Planner:
    def __init__(self, export: LinkedInExport, report: Report, workdir, progress: Progress):
        self.export = export
        self.report = report
        self.progress = progress
        self.plan = Plan(report, workdir)
        self.now = db_time(utcnow())
        self.first_import = latest_run(SOURCE) is None
        self.companies: dict[str, int | Ref] = {}
        self.company_names: dict[int | Ref, str] = {}
        for cid, key, name in db.execute_sql("SELECT id, name_key, name FROM company"):
            self.companies[key] = cid
            self.company_names[cid] = name
        # existing contacts' rows, read a chunk of Connections.csv at a time (see _read_rows)
        self.rows: dict[int, tuple] = {}
        self.urls: dict[int, str] = {}  # existing contacts' profile URLs
        self.by_url: dict[str, int | Ref] = {}
        self.planned_urls: dict[int, str] = {}  # URLs this plan gives contacts that had none
        self.older = ""  # set by run(): why a newer export imported before is newer
        self.previous_newest = ""  # set by run(): the newest Connected On of the exports before
        self.by_name_company: dict[tuple[str, str], int | Ref] = {}
        self.by_name: dict[str, list[int | Ref]] = {}
        # connections by (name key, Connected On): who an export without URLs means when the
        # company changed (the date you connected does not change with a job)
        self.by_name_date: dict[tuple[str, str], list[int]] = {}
        self.touch: dict[int | Ref, str] = {}
        self.trashed: set[int] = set()
        sql = (
            "SELECT c.id, c.linkedin_url, c.name_key, co.name_key, c.deleted_at IS NOT NULL,"
            " c.linkedin_company, c.is_connection, c.connected_on FROM contact c"
            " LEFT JOIN company co ON co.id = c.company_id ORDER BY c.id"
        )
        for cid, url, nkey, ckey, trashed, li_company, is_conn, connected_on in db.execute_sql(sql):
            if url:
                self.urls[cid] = url
            if trashed:  # in the trash (a merge's other half, too): its URL only, which stays taken
                self.trashed.add(cid)
                if url:
                    self.by_url.setdefault(url, cid)
                continue
            self._index(cid, url, nkey, ckey or "")
            if li_company:  # the company LinkedIn gave them, when the owner kept another
                self.by_name_company.setdefault((nkey, _company_key(li_company)), cid)
            if is_conn and connected_on:
                self.by_name_date.setdefault((nkey, str(connected_on)[:10]), []).append(cid)
        self.emails = set(db.execute_sql("SELECT contact_id, email FROM contact_email"))
        self.events: list[tuple] = []
        self.roles_corrected = 0  # address-book roles LinkedIn shows otherwise: no signal
        self.without_url: set[int | Ref] = set()  # connections in this export without a URL
        self.seen_keys: set[int | str] = set()  # as _key_id() gives them
        # The keys earlier LinkedIn imports gave their activities, in one range of the source_key
        # index: a set lookup per row instead of a query per batch of rows. With messages' text
        # worked out only for new ones, a snapshot-2 re-import went from 3.5x to 2.7x its floor;
        # 375,000 keys add about 20 MB to the peak memory as _key_id() keeps them.
        self.present = {
            _key_id(key)
            for (key,) in db.execute_sql(
                "SELECT source_key FROM activity WHERE source_key >= ? AND source_key < ?",
                (f"{SOURCE}:", f"{SOURCE};"),
            )
        }

    def _index(self, ref, url, nkey, ckey) -> None:
        if url:
            self.by_url.setdefault(url, ref)
        self.by_name_company.setdefault((nkey, ckey), ref)
        self.by_name.setdefault(nkey, []).append(ref)

    def _read_rows(self, records: list) -> None:
        """Keep the rows of the existing contacts these connections have by their URL (those
        matched otherwise are read one by one, in _row), in place of the chunk before."""
        ids = [
            ref
            for rec in records
            if isinstance(rec, PersonRecord) and type(ref := self.by_url.get(rec.linkedin_url)) is int
        ]
        marks = ",".join("?" * len(ids))
        self.rows = {row[0]: row for row in db.execute_sql(f"{CONTACT_ROW} WHERE c.id IN ({marks})", ids)}

    def _row(self, cid: int) -> tuple:
        row = self.rows.get(cid)
        if row is None:
            row = self.rows[cid] = db.execute_sql(f"{CONTACT_ROW} WHERE c.id = ?", (cid,)).fetchone()
        return row

    def run(self) -> Plan:
        """Plan connections, then every dated file, then signals and last touch."""
        try:
            self.older = self._older_than_before()
            self._connections()
            for label, gen in (
                ("messages", self.export.messages),
                ("invitations", self.export.invitations),
                ("endorsements", self.export.endorsements),
                ("recommendations", self.export.recommendations),
            ):
                self._activities(label, gen())
            self._signals()
            self._last_touch()
            self._notices()
        except BaseException:
            self.plan.close()
            raise
        return self.plan

    # -- people --------------------------------------------------------------------------

    def _company(self, name: str) -> int | Ref | None:
        if not name:
            return None
        ref, new = self.plan.company(self.companies, name, _company_key(name), self.now)
        if new:
            self.company_names[ref] = name
        return ref

    def _new_contact(self, first, last, url, company, title, connected_on, connection, website=""):
        full = " ".join(p for p in (first, last) if p) or (_slug_name(url) if url else "")
        nkey = name_key(full)
        ref = self.plan.create(
            "contact",
            {
                "first_name": first, "last_name": last, "full_name": full, "name_key": nkey,
                "linkedin_url": url or None, "company_id": self._company(company), "title": title,
                "location": "", "website": website, "birthday_month": None, "birthday_day": None,
                "birthday_year": None, "notes": "", "stage": "lead", "source": SOURCE,
                "connected_on": db_time(connected_on), "is_connection": int(connection),
                "connected": int(connection), "cadence_days": None, "value_deal": 0,
                "value_referrals": 0, "value_advocate": 0, "value_feedback": 0,
                "created_at": self.now, "updated_at": self.now, "deleted_at": None,
                "last_touch_at": None, "next_touch_due": None, "snoozed_until": None, "score": 0,
                "score_reasons": "[]", "score_updated_at": None,
                "linkedin_company": company if connection else None,
                "linkedin_title": title if connection else None,
            },
        )  # fmt: skip
        self._index(ref, url, nkey, _company_key(company) if company else "")
        self.report.contacts["created"] += 1
        return ref

    def _older_than_before(self) -> str:
        """How a newer export imported before is newer ("" if this one is not older): its
        connections then add history but move no one back to an old job or out of touch.

        Exports are compared by the date in their file names when both have one; a dated export
        after undated ones is newer when its date is past everything they held. Else by their
        newest Connected On (read in a first pass over the file only when needed). An export whose
        newest connection is older may still be newer (its latest connections were removed since):
        a message newer than every LinkedIn message imported before says so."""
        hint = self.export.exported_at_hint
        this_date = hint.isoformat() if hint else ""
        newest_date, newest_connection = db.execute_sql(
            "SELECT max(json_extract(counts, '$.export.date')),"
            " max(json_extract(counts, '$.export.latest_connection'))"
            " FROM import_run WHERE source = ? AND status = 'committed'",
            (SOURCE,),
        ).fetchone()
        self.previous_newest = newest_connection or ""
        if this_date and newest_date:
            return f"that one is dated {newest_date}" if this_date < newest_date else ""
        if not newest_connection:
            return ""
        # newest first on the occurred_at index, stopping at the first LinkedIn message (a max()
        # with this WHERE would read every activity, on every re-import)
        (message_before,) = db.execute_sql(
            "SELECT occurred_at FROM activity WHERE source = ? AND kind = 'message'"
            " ORDER BY occurred_at DESC LIMIT 1",
            (SOURCE,),
        ).fetchone() or (None,)
        if this_date and this_date >= max(newest_connection, (message_before or "")[:10]):
            return ""
        dates = [r.connected_on for r in self.export.connections() if not isinstance(r, Skipped)]
        latest = max((d for d in dates if d), default=None)
        if not latest or latest.isoformat() >= newest_connection:
            return ""
        if message_before and "messages" in self.export.files_found:
            newest_message = self.export.newest_message_at()
            if newest_message and newest_message.replace(tzinfo=None) > dt.datetime.fromisoformat(
                message_before
            ):
                return ""
        return f"its newest connection is from {latest}, that one's from {newest_connection}"

    def _connections(self) -> None:
        seen: dict[int | Ref, int] = {}
        read = 0
        latest = ""
        for chunk in _chunks(self.export.connections(), CONNECTIONS_CHUNK):
            self._read_rows(chunk)
            for rec in chunk:
                read += 1
                if read % PROGRESS_EVERY == 0:
                    self.progress("Reading connections", read)
                if isinstance(rec, Skipped):
                    self.report.skip(rec)
                    continue
                for warning in rec.warnings:
                    self.report.warn(rec.file, rec.row, warning)
                ref = self._match(rec)
                if ref in seen:
                    self.report.skip(Skipped(rec.file, rec.row, f"same person as row {seen[ref]}"))
                    continue
                if rec.connected_on and rec.connected_on.isoformat() > latest:
                    latest = rec.connected_on.isoformat()
                if ref is None:
                    ref = self._new_contact(
                        rec.first_name, rec.last_name, rec.linkedin_url, rec.company, rec.title,
                        rec.connected_on, True, rec.website,
                    )  # fmt: skip
                    if self.older:  # a connection then, and gone by the newer export
                        self.plan.set(ref, "connected", 0)
                    elif self._new(rec.connected_on):
                        self.events.append(("new_connection", ref, rec, None))
                else:
                    self._update_connection(ref, rec)
                seen[ref] = rec.row
                if not rec.linkedin_url:
                    self.without_url.add(ref)
                for position, email in enumerate(rec.emails):
                    cid = ref if isinstance(ref, int) else None
                    if cid is None or (cid, email) not in self.emails:
                        self.plan.create(
                            "contact_email",
                            {"contact_id": ref, "email": email, "label": "", "position": position},
                        )
                        self.emails.add((ref, email))
        self.rows = {}
        self.report.rows["connections"] = read
        if not self.older:
            date = self.export.exported_at_hint
            self.report.export = {"date": date.isoformat() if date else "", "latest_connection": latest}
        if "connections" in self.export.files_found and seen and not self.older:
            self._gone(seen)

    def _new(self, connected_on: dt.date | None) -> bool:
        """Whether a connection this import adds is news: on a first import, one made in the last
        NEW_CONNECTION_DAYS; after that, one made since the newest connection of the exports
        before (or of unknown date). An old export's job changer, whom a new company keeps from
        being recognised by name, was connected years ago and is no new connection."""
        if self.first_import:
            return self._recent(connected_on)
        if connected_on is None or not self.previous_newest:
            return True
        return connected_on.isoformat() >= self.previous_newest

    def _recent(self, connected_on: dt.date | None) -> bool:
        if connected_on is None:
            return False
        latest = self.export.exported_at_hint or dt.date.today()
        return (latest - connected_on).days <= NEW_CONNECTION_DAYS

    def _match(self, rec: PersonRecord) -> int | Ref | None:
        if rec.linkedin_url:
            ref = self.by_url.get(rec.linkedin_url)
            if ref is not None:
                return ref
        nkey = name_key(rec.display_name)
        if not nkey:
            return None
        ckey = _company_key(rec.company) if rec.company else ""
        ref = self.by_name_company.get((nkey, ckey))
        if ref is None and "," in rec.display_name:  # "Kai Silva, CFA" here, "Kai Silva" elsewhere
            ref = self.by_name_company.get((name_key(rec.display_name.split(",")[0]), ckey))
        if ref is None and rec.connected_on and not rec.linkedin_url:
            # no URLs (2018-2021 exports) and a new company: the one connection of this name
            # connected on the same day (a job change, not a second person)
            same_day = self.by_name_date.get((nkey, rec.connected_on.isoformat()), [])
            if len(same_day) == 1:
                ref = same_day[0]
        if ref is None:
            return None
        # a name + company match never takes over a contact that has another profile URL
        if isinstance(ref, Ref):
            url = self.plan.get(ref, "linkedin_url")
        else:
            url = self.urls.get(ref) or self.planned_urls.get(ref)
        if rec.linkedin_url and url and url != rec.linkedin_url:
            return None
        return ref

    def _update_connection(self, ref, rec: PersonRecord) -> None:
        if isinstance(ref, Ref):  # a planned outsider seen again cannot happen before messages
            return
        (cid, url, _nk, old_ckey, company_id, title, first, last, is_conn, connected,
         connected_on, _lt, updated_at, _full, _trashed, li_company, li_title) = self._row(ref)  # fmt: skip
        old_ckey = old_ckey or ""
        changes: dict = {}
        before: dict = {}

        def change(column, new, old):
            changes[column], before[column] = new, old

        # A job change is judged against what LinkedIn said last time, not against the company
        # and title the owner kept (an address book's, chosen in a merge, or typed in); before
        # any LinkedIn import said, the contact's own stand in.
        if li_company is None:
            was_company = self.company_names.get(company_id, "") if company_id else ""
            was_ckey, was_title = old_ckey, title
        else:
            was_company, was_title = li_company, li_title or ""
            was_ckey = _company_key(li_company) if li_company else ""
        new_ckey = _company_key(rec.company) if rec.company else ""
        if self.older:  # an older export's jobs and connections are out of date: fill blanks only
            new_ckey, rec, connected = was_ckey, dataclasses.replace(rec, title=""), True
        elif (li_company, li_title) != (rec.company, rec.title):
            change("linkedin_company", rec.company, li_company)
            change("linkedin_title", rec.title, li_title)
        # A role LinkedIn told us before changed: a signal. A role from an address book (or typed
        # in) that LinkedIn shows otherwise is just corrected: when it changed is unknown, and an
        # address book's titles are often years old, so it is no news for Today.
        moved = new_ckey and new_ckey != was_ckey
        retitled = rec.title and rec.title != was_title
        if (moved and was_ckey or retitled and was_title) and not is_conn:
            self.roles_corrected += 1
        if moved:
            if new_ckey != old_ckey:
                change("company_id", self._company(rec.company), company_id)
            if was_ckey and is_conn:
                roles = (_role(was_title, was_company), _role(rec.title, rec.company))
                self.events.append(("job_change", ref, rec, (*roles, was_company)))
        if retitled:
            if rec.title != title:
                change("title", rec.title, title)
            if was_title and new_ckey == was_ckey and was_ckey and is_conn:
                self.events.append(("promotion", ref, rec, (was_title, rec.title, rec.company)))
        if not is_conn:
            change("is_connection", 1, is_conn)
        if not connected:
            change("connected", 1, connected)
            if self._new(rec.connected_on):
                self.events.append(("new_connection", ref, rec, None))
        new_on = db_time(rec.connected_on)
        if new_on and new_on != connected_on and not (self.older and connected_on):
            change("connected_on", new_on, connected_on)
        if rec.linkedin_url and not url:
            change("linkedin_url", rec.linkedin_url, url)
            # matched by name and company: from now on the URL is theirs, for namesakes later in
            # Connections.csv and for the messages, which find people by URL
            self.by_url.setdefault(rec.linkedin_url, ref)
            self.planned_urls[ref] = rec.linkedin_url
        if not first and not last and (rec.first_name or rec.last_name):
            full = " ".join(p for p in (rec.first_name, rec.last_name) if p)
            change("first_name", rec.first_name, first)
            change("last_name", rec.last_name, last)
            before["full_name"], before["name_key"] = _full, _nk
            changes["full_name"], changes["name_key"] = full, name_key(full)
        if changes.keys() - LINKEDIN_ROLE:
            change("updated_at", self.now, updated_at)
            self.report.contacts["updated"] += 1
        else:  # LinkedIn's role recorded where none was (an upgrade's first import): no news
            self.report.contacts["unchanged"] += 1
        if changes:
            self.plan.update("contact", cid, changes, before)

    def _gone(self, seen: dict) -> None:
        # The demo network's made-up people were never on LinkedIn: not "no longer connected".
        rows = db.execute_sql(
            "SELECT id, connected, updated_at, full_name FROM contact"
            " WHERE connected AND deleted_at IS NULL AND source != 'demo' ORDER BY id"
        )
        for cid, connected, updated_at, full_name in rows:
            if cid not in seen:  # connected, missing from this export
                self.plan.update(
                    "contact", cid, {"connected": 0, "updated_at": self.now},
                    {"connected": connected, "updated_at": updated_at},
                )  # fmt: skip
                self.report.contacts["updated"] += 1
                self.report.contacts["no_longer_connected"] += 1
                if len(self.report.no_longer_connected) < 200:
                    self.report.no_longer_connected.append(full_name)

    def _person(self, url: str, name: str) -> int | Ref:
        """The contact for a message participant, created as an outsider when unknown."""
        if url:
            ref = self.by_url.get(url) or self._connection_without_url(url, name)
            if ref is None:
                first, _, last = (name or _slug_name(url)).partition(" ")
                ref = self._new_contact(first, last, url, "", "", None, False)
                self.report.contacts["outsiders"] += 1
            return ref
        key = name_key(name)
        refs = self.by_name.get(key, [])
        if len(refs) > 1:
            return None  # two people share this name; never guess
        if refs:
            return refs[0]
        first, _, last = name.partition(" ")
        ref = self._new_contact(first, last, "", "", "", None, False)
        self.report.contacts["outsiders"] += 1
        return ref

    def _connection_without_url(self, url: str, name: str) -> int | Ref | None:
        """The one connection of this name when Connections.csv has no URLs (exports of 2018-2021)
        but messages.csv names the sender's profile: that profile is theirs from now on.

        Without this every connection who wrote to you became a second, unconnected contact
        with the messages, and your replies (by name only) matched two people and were lost."""
        refs = self.by_name.get(name_key(name), []) if name else []
        if len(refs) != 1 or refs[0] not in self.without_url:
            return None
        ref = refs[0]
        if isinstance(ref, Ref):
            self.plan.set(ref, "linkedin_url", url)
        elif ref in self.planned_urls or ref in self.urls:
            return None
        else:
            if "updated_at" not in self.plan.updates.get(("contact", ref), ({},))[0]:  # counted unchanged
                self.report.contacts["unchanged"] -= 1
                self.report.contacts["updated"] += 1
            self.plan.update("contact", ref, {"linkedin_url": url}, {"linkedin_url": self._row(ref)[1]})
            self.planned_urls[ref] = url
        self.without_url.discard(ref)
        self.by_url[url] = ref
        return ref

    # -- messages, invitations, endorsements, recommendations -----------------------------

    def _activities(self, label: str, records: Iterable) -> None:
        report, plan, touch, by_url = self.report, self.plan, self.touch, self.by_url
        present, seen = self.present, self.seen_keys
        kinds: Counter = Counter()
        read = 0
        for rec in records:
            read += 1
            if read % PROGRESS_EVERY == 0:
                self.progress(f"Reading {label}", read)
            if isinstance(rec, Skipped):
                report.skip(rec)
                continue
            key = rec.source_key
            key_id = _key_id(key)
            if key_id in present:
                report.activities["unchanged"] += 1
                continue
            if key_id in seen:
                report.skip(Skipped(rec.file, rec.row, "duplicate of an earlier row"))
                continue
            seen.add(key_id)
            people = rec.people
            if len(people) == 1:
                ref = by_url.get(people[0])
                refs = [
                    ref
                    if ref is not None
                    else self._person(people[0], rec.names[0] if len(rec.names) == 1 else "")
                ]
            elif people:
                names = rec.names if len(rec.names) == len(people) else ("",) * len(people)
                refs = [self._person(u, n) for u, n in zip(people, names, strict=True)]
            else:
                refs = [self._person("", n) for n in rec.names]
            if None in refs:
                report.skip(Skipped(rec.file, rec.row, "two contacts share this name; not linked"))
                continue
            when = db_time(rec.occurred_at)
            kind = rec.kind
            plan.activity(kind, when, rec.direction, SOURCE, key, rec.summary, rec.text, refs)
            kinds[kind] += 1
            if kind == "message":
                for ref in refs:
                    if when > touch.get(ref, ""):
                        touch[ref] = when
        report.activities.update(kinds)
        report.activities["created"] += kinds.total()
        if read:
            report.rows[label] = read

    # -- signals and last touch ------------------------------------------------------------

    def _observed(self) -> dt.datetime:
        if self.export.exported_at_hint:
            return dt.datetime.combine(self.export.exported_at_hint, dt.time())
        if self.export.latest_seen_at:
            return self.export.latest_seen_at.astimezone(dt.UTC).replace(tzinfo=None)
        return utcnow()

    def _signals(self) -> None:
        observed = self._observed()
        self.report.observed_at = db_time(observed)
        day = observed.date().isoformat()
        for kind, ref, rec, detail in self.events:
            who = rec.linkedin_url or name_key(rec.first_name, rec.last_name)
            name = rec.display_name or _slug_name(rec.linkedin_url)
            when = observed
            seq = None
            if kind == "job_change":
                old, new, old_company = detail
                summary = f"Moved from {old} to {new}"
                details = {
                    "from": old, "to": new, "company": rec.company, "title": rec.title,
                    "old_company": old_company,
                }  # fmt: skip
                self.report.job_changes.append({"name": name, "from": old, "to": new})
            elif kind == "promotion":
                old, new, company = detail
                summary = f"Promoted from {old} to {new} at {company}"
                details = {"from": old, "to": new, "company": company}
                self.report.promotions.append({"name": name, "from": old, "to": new, "company": company})
            else:
                if rec.connected_on:
                    when = min(observed, dt.datetime.combine(rec.connected_on, dt.time()))
                summary = "New connection"
                details = {"company": rec.company, "title": rec.title}
                if len(self.report.new_connections) < 200:
                    self.report.new_connections.append(name)
            key = f"linkedin:{kind}:{who}:{day}"
            if kind != "new_connection":
                seq = self.plan.activity("job_change", db_time(when), None, SOURCE, key, summary, "", [ref])
                self.report.activities["created"] += 1
                self.report.activities["job_change"] += 1
            weight, half_life, _label = signal_defaults(kind)
            self.plan.signals.append(
                {
                    "contact_id": ref, "kind": kind, "weight": weight,
                    "half_life_days": half_life or 0, "observed_at": db_time(when),
                    "details": json.dumps(details, ensure_ascii=False, sort_keys=True),
                    "note": "", "dismissed_at": None, "source_key": key, "activity_id": seq,
                    "created_at": self.now,
                },
            )  # fmt: skip
            self.report.signals[kind] += 1

    def _last_touch(self) -> None:
        for ref, when in self.touch.items():
            if isinstance(ref, Ref):
                self.plan.set(ref, "last_touch_at", when)
        for cid, old in db.execute_sql("SELECT id, last_touch_at FROM contact ORDER BY id"):
            when = self.touch.get(cid)
            if when is not None and (old is None or when > old):
                self.plan.update("contact", cid, {"last_touch_at": when}, {"last_touch_at": old})

    def _notices(self) -> None:
        found = self.export.files_found
        if self.older:
            self.report.notices.append(
                f"This export is older than one you imported before ({self.older}): its messages and"
                " invitations are added, but nobody's company, title or connection changes and no"
                " signals are raised."
            )
        if "connections" not in found:
            self.report.notices.append(
                "No Connections.csv in this upload, so nobody was marked as no longer connected."
            )
        if "messages" in found and not self.export.owner_url:
            self.report.notices.append(
                "Could not tell which profile is yours; message directions were guessed from names."
            )
        for key, value in sorted(self.export.counts.items()):
            if key.endswith(".blank") and value:
                self.report.rows[key] = value
        self.report.notices.extend(self.report.warning_notices())
        if self.roles_corrected:
            people = "person" if self.roles_corrected == 1 else "people"
            self.report.notices.append(
                f"{self.roles_corrected} {people} you knew from an address book or by hand have"
                " another company or title on LinkedIn: they now show LinkedIn's, with no job-change"
                " signal, since when they changed is unknown."
            )
        if self.first_import:
            self.report.notices.append(
                f"First LinkedIn import: only connections made in the last {NEW_CONNECTION_DAYS}"
                " days count as new connections."
            )
