"""Plan an address book (any contact CSV or a vCard file) against the database, for the import flow.

People match on LinkedIn URL, email or phone (crm.services.matching), never on names alone;
set fields are never overwritten, differing values are kept as conflicts for the preview.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from crm.db import db, write
from crm.models import STAGES, ColumnMapping, utcnow
from crm.services import matching
from crm.services.imports import Plan, Planner, Progress, Ref, Report, collector_paused, db_time
from importers.base import ImportRejected, PersonRecord, Skipped, normalize_phone
from importers.base import name_key as _slow_name_key
from importers.csvfile import header_key
from importers.fields import AmbiguousDate
from importers.formats import CsvImport, NeedsMapping, parse_csv
from importers.vcard import VcardImport, is_company_card, parse_vcard

# CLI format names and the importers.formats layouts each covers
FAMILIES = {
    "google": ("google", "google_legacy", "google_outlook"),
    "outlook": ("outlook_desktop", "outlook_com", "outlook_de", "outlook_fr"),
    "hubspot": ("hubspot",),
    "salesforce": ("salesforce_report", "salesforce_api"),
    "linkedin-connections": ("linkedin_connections",),
    "rapport": ("rapport",),
}
LOST_ROWS_LISTED = 10
# A "?" touching a letter in a name, company or email: a letter the exporting program could not
# encode (Outlook desktop saving in the Windows "ANSI" code page writes "Łukasz" as "?ukasz").
_LOST_LETTER = re.compile(r"\?(?=\w)|(?<=\w)\?")
CONFLICTS_KEPT = 500
PROGRESS_EVERY = 5000


# Each value is normalised several times (match, index, plan) and company names recur.
_name_key = lru_cache(maxsize=1 << 16)(_slow_name_key)


def read_bytes(data: bytes | str | os.PathLike, file_name: str = "") -> bytes:
    """The file's bytes (a path is read); ImportRejected, naming the file, when it is empty."""
    raw = data if isinstance(data, bytes) else Path(data).read_bytes()
    if not raw.strip():
        raise ImportRejected("The file is empty.", file=file_name)
    return raw


def open_source(
    data: bytes,
    file_name: str,
    *,
    kind: str,
    format: str = "auto",
    mapping=None,
    dayfirst=False,
    dates_chosen=False,
) -> CsvImport | VcardImport:
    """Parse a CSV or a vCard; `format` is "auto", a CLI family name or an importers.formats name.

    `dayfirst` reads birthdays like 3/4/1980: the Settings' order, or with `dates_chosen` the
    one picked for this file, which wins over what a layout says of its dates.
    May raise NeedsMapping (unknown layout, no mapping) or ImportRejected.
    """
    if kind == "vcard":
        return parse_vcard(data, file_name, dayfirst=dayfirst)
    dates = {"dayfirst": dayfirst, "dates_chosen": dates_chosen}
    if mapping is not None or format not in FAMILIES:
        return parse_csv(data, file_name, format=format, mapping=mapping, **dates)
    family = FAMILIES[format]
    try:
        found = parse_csv(data, file_name, **dates)
    except NeedsMapping:
        found = None
    if found is not None:
        if found.format in family:
            return found
        raise ImportRejected(
            f"This file does not look like a {format} export (its header is {found.format});"
            " try the automatic format.",
            file=file_name,
        )
    for name in family:  # no signature matched: the first layout whose columns fit
        try:
            return parse_csv(data, file_name, format=name, **dates)
        except NeedsMapping:
            raise
        except ImportRejected:
            continue
    raise ImportRejected(f"This file does not look like a {format} export.", file=file_name)


def planner(
    data: bytes | str | os.PathLike,
    file_name: str,
    file_hash: str,
    *,
    kind: str = "csv",
    format: str = "auto",
    mapping: dict[str, str] | None = None,
    dayfirst: bool = False,
    dates_chosen: bool = False,
) -> Planner:
    """A planner for the generic flow; the file is parsed up front so bad input fails early.

    Every plan reads the records from that parse (a parsed file reads its records afresh each
    time), so a file is decoded and its header found once. `dayfirst` is the Settings date order
    unless `dates_chosen` (the owner picked it for this file, over what the layout says of its
    dates too), which the notes then say.
    """
    source = open_source(
        read_bytes(data, file_name), file_name, kind=kind, format=format, mapping=mapping, dayfirst=dayfirst,
        dates_chosen=dates_chosen,
    )  # fmt: skip

    def make(progress: Progress) -> Plan:
        report = Report("vcard" if kind == "vcard" else "csv", file_name, file_hash)
        with collector_paused():
            return _Planner(source, report, progress, dates_chosen).run()

    return make


def header_hash(header: list[str]) -> str:
    """The key a remembered mapping is stored under: the normalised column names."""
    text = "\x1f".join(header_key(h) for h in header)
    return hashlib.sha256(text.encode()).hexdigest()


def remembered_mapping(header: list[str]) -> dict[str, str] | None:
    """The mapping chosen last time for a file with this header, if any."""
    found = ColumnMapping.get_or_none(ColumnMapping.header_key == header_hash(header))
    if found is None:
        return None
    return {c: found.mapping.get(c, "ignore") for c in header}


def remember_mapping(header: list[str], mapping: dict[str, str]) -> None:
    """Keep a confirmed mapping for the next file with the same header."""
    key = header_hash(header)
    with write():
        updated = (
            ColumnMapping.update(mapping=mapping, updated_at=utcnow())
            .where(ColumnMapping.header_key == key)
            .execute()
        )
        if not updated:
            ColumnMapping.create(header_key=key, mapping=mapping)


def check_mapping(path: str | os.PathLike, file_name: str, mapping: dict[str, str]) -> None:
    """ImportRejected when a mapping cannot be used (unknown field, nothing useful mapped)."""
    parse_csv(read_bytes(path, file_name), file_name, mapping=mapping)


class _Planner:
    def __init__(
        self, source: CsvImport | VcardImport, report: Report, progress: Progress, dates_chosen: bool = False
    ):
        self.source = source
        self.report = report
        self.progress = progress
        self.plan = Plan(report, None)
        self.now = db_time(utcnow())
        self.index = matching.build_index()
        self.companies: dict[str, int | Ref] = {
            key: cid for cid, key in db.execute_sql("SELECT id, name_key FROM company")
        }
        self.tags: dict[str, int | Ref] = {
            name.casefold(): tid for tid, name in db.execute_sql("SELECT id, name FROM tag")
        }
        # Every column of a new contact, in one order (the write inserts them as they come).
        self.blank_contact = {
            "first_name": "", "last_name": "", "full_name": "", "name_key": "", "linkedin_url": None,
            "company_id": None, "title": "", "location": "", "website": "", "birthday_month": None,
            "birthday_day": None, "birthday_year": None, "notes": "", "stage": "lead", "source": "",
            "connected_on": None, "is_connection": 0, "connected": 0, "cadence_days": None,
            "value_deal": 0, "value_referrals": 0, "value_advocate": 0, "value_feedback": 0,
            "created_at": self.now, "updated_at": self.now, "deleted_at": None, "last_touch_at": None,
            "next_touch_due": None, "snoozed_until": None, "score": 0, "score_reasons": "[]",
            "score_updated_at": None,
        }  # fmt: skip
        # The rows planned most (150,000 for 50,000 people) are appended as tuples (Plan.rows).
        self.contacts = self.plan.rows("contact", tuple(self.blank_contact))
        self.contact_values = itemgetter(*self.blank_contact)
        self.emails = self.plan.rows("contact_email", ("contact_id", "email", "label", "position"))
        self.phones = self.plan.rows(
            "contact_phone", ("contact_id", "phone", "phone_key", "label", "position")
        )
        self.contact_tags = self.plan.rows("contact_tag", ("contact_id", "tag_id"))
        self.lost_letters: list[int] = []  # rows with a "?" where a letter was lost
        self.ambiguous: list[tuple[int, AmbiguousDate]] = []  # birthdays that read either way
        self.conflicted = 0
        self.dates_chosen = dates_chosen  # the date order was picked for this file, not Settings'
        # Rapport's own export names each row's contact id: {id: name_key} of the live contacts
        self.own = isinstance(source, CsvImport) and source.format == "rapport"
        self.live_names: dict[int, str] | None = None
        self.own_refs: dict[int, int | Ref] = {}  # {exported id: the contact its first row became}

    def run(self) -> Plan:
        """Match every record, then plan creations and updates."""
        try:
            self._records()
            self._notices()
        except BaseException:
            self.plan.close()
            raise
        return self.plan

    def _records(self) -> None:
        matched: list[tuple[PersonRecord, int]] = []
        seen: dict[object, int] = {}
        index = self.index
        read = 0
        for rec in self.source.records():
            read += 1
            if read % PROGRESS_EVERY == 0:
                self.progress("Reading contacts", read)
            if isinstance(rec, Skipped):
                self.report.skip(rec)
                continue
            if rec.warnings:
                self._warn(rec)
                if is_company_card(rec):
                    self._company_card(rec)
                    continue
            named = "\n".join((rec.first_name, rec.last_name, rec.full_name, rec.company, *rec.emails))
            if "?" in named and _LOST_LETTER.search(named):
                self.lost_letters.append(rec.row)
            keys = matching.record_keys(rec)  # normalised once: matched, indexed and stored
            ref = self._own_ref(rec) if self.own else None
            if ref is None:
                ref, _reason = index.find(keys)
            if ref is not None and ref in seen:
                if not self._other_exported_contact(rec.row, seen[ref]):
                    self.report.skip(Skipped(rec.file, rec.row, f"same person as row {seen[ref]}"))
                    continue
                ref = None  # two contacts of the exported database that share an email or phone
            if ref is None:
                ref = self._new_contact(rec, keys)
            else:
                matched.append((rec, ref))
            seen[ref] = rec.row
            if self.own and rec.row in self.source.own_ids:
                self.own_refs.setdefault(self.source.own_ids[rec.row], ref)
            index.add_keys(ref, keys)  # later rows of this file match this person too
        self.report.rows["records"] = read
        rows = matching.load_rows(r for _, r in matched if isinstance(r, int))
        for rec, ref in matched:
            if isinstance(ref, int):
                self._update(rows[ref], rec)
            else:  # cannot happen: a Ref is matched only once (seen), kept for safety
                self.report.contacts["unchanged"] += 1

    def _own_ref(self, rec: PersonRecord) -> int | Ref | None:
        """The contact a row of Rapport's own export is: the one an earlier row with its id
        became, else the one it was exported from (_exported_from); None: match as usual."""
        contact_id = self.source.own_ids.get(rec.row)
        if contact_id is not None and contact_id in self.own_refs:
            return self.own_refs[contact_id]
        return self._exported_from(rec)

    def _exported_from(self, rec: PersonRecord) -> int | None:
        """The contact a row of Rapport's own export was exported from, when it is still here
        under the same name: so a name-only contact read back into the same database is itself.
        Another name at that id (an export from another database) is matched as usual."""
        contact_id = self.source.own_ids.get(rec.row)
        if contact_id is None:
            return None
        if self.live_names is None:
            live = db.execute_sql("SELECT id, name_key FROM contact WHERE deleted_at IS NULL")
            self.live_names = dict(live)
        key = self.live_names.get(contact_id)
        return contact_id if key and key == _name_key(rec.display_name) else None

    def _other_exported_contact(self, row: int, earlier: int) -> bool:
        """Whether two rows of Rapport's own export were exported from different contacts (their
        ids differ): then they are two people, whatever they share."""
        if not self.own:
            return False
        ids = self.source.own_ids
        return row in ids and earlier in ids and ids[row] != ids[earlier]

    def _warn(self, rec: PersonRecord) -> None:
        for warning in rec.warnings:
            if warning == "company card: import it as a company, not a person":
                continue
            if isinstance(warning, AmbiguousDate):
                self.ambiguous.append((rec.row, warning))
                continue
            self.report.warn(rec.file, rec.row, warning)

    def _company(self, name: str) -> int | Ref | None:
        if not name:
            return None
        ref, new = self.plan.company(self.companies, name, _name_key(name) or name.strip().lower(), self.now)
        if new:
            self.report.rows["companies_created"] += 1
        return ref

    def _company_card(self, rec: PersonRecord) -> None:
        name = rec.company or rec.full_name
        key = _name_key(name) or name.strip().lower()
        if key in self.companies:
            self.report.rows["company_cards_known"] += 1
        else:
            self._company(name)
            self.report.rows["company_cards_created"] += 1

    def _tag(self, name: str) -> int | Ref:
        ref = self.tags.get(name.casefold())
        if ref is None:
            ref = self.plan.create("tag", {"name": name, "cadence_days": None})
            self.tags[name.casefold()] = ref
        return ref

    def _new_contact(self, rec: PersonRecord, keys: matching.Keys) -> Ref:
        url, emails, phones = keys
        first, last = rec.first_name, rec.last_name
        full = rec.display_name or next(iter(rec.emails), "") or next(iter(rec.phones), "")
        b = rec.birthday
        contact = {**self.blank_contact}
        contact.update(
            first_name=first, last_name=last, full_name=full, name_key=_name_key(full),
            linkedin_url=url or None, company_id=self._company(rec.company), title=rec.title,
            location=rec.location, website=rec.website, notes=rec.notes,
            stage=rec.stage if rec.stage in STAGES else "lead",
            source=rec.source or self.report.source,
        )  # fmt: skip
        if b is not None:
            contact.update(birthday_month=b.month, birthday_day=b.day, birthday_year=b.year)
        if rec.connected_on is not None or rec.is_connection:
            linked = int(rec.is_connection)
            contact.update(connected_on=db_time(rec.connected_on), is_connection=linked, connected=linked)
        if self.own and (values := self.source.own_values.get(rec.row)):
            contact.update({name: int(v) if isinstance(v, bool) else v for name, v in values.items()})
            if len(contact) != len(self.blank_contact):
                raise ValueError(f"planned contact rows name other columns: {sorted(contact)}")
        ref = Ref("contact", len(self.contacts))
        self.contacts.append(self.contact_values(contact))
        self._lists(ref, emails, phones, rec.tags, 0, 0)
        self.report.contacts["created"] += 1
        return ref

    def _lists(self, ref, emails, phones, tags, email_at: int, phone_at: int) -> None:
        self.emails.extend([(ref, email, "", i) for i, email in enumerate(emails, email_at)])
        stored: set[str] = set()  # "+1 268…" and "1 268…" in one row are one number, stored once
        for phone, key in phones:
            if key not in stored:
                stored.add(key)
                self.phones.append((ref, phone, key, "", phone_at))
                phone_at += 1
        if not tags:
            return
        done = set()
        for tag in tags:
            if tag.casefold() not in done:
                done.add(tag.casefold())
                self.contact_tags.append((ref, self._tag(tag)))

    def _update(self, row: dict, rec: PersonRecord) -> None:
        found = matching.plan_update(row, rec)
        if found.conflicts:
            self.conflicted += 1
            self.report.contacts["with_conflicts"] += 1
            for c in found.conflicts:
                if len(self.report.conflicts) < CONFLICTS_KEPT:
                    self.report.conflicts.append(
                        {"file": rec.file, "row": rec.row, "contact_id": row["id"],
                         "name": row["full_name"], "field": c.field,
                         "existing": c.existing, "incoming": c.incoming}
                    )  # fmt: skip
        changes = found.changes
        if not changes:
            self.report.contacts["unchanged"] += 1
            return
        new: dict = {}
        for name in ("first_name", "last_name", "title", "location", "website", "notes", "linkedin_url"):
            if name in changes:
                new[name] = changes[name]
        if "first_name" in changes or "last_name" in changes:
            first = changes.get("first_name", row["first_name"])
            last = changes.get("last_name", row["last_name"])
            full = " ".join(p for p in (first, last) if p) or row["full_name"]
            new["full_name"], new["name_key"] = full, _name_key(full)
        if "company" in changes:
            new["company_id"] = self._company(changes["company"])
        if "birthday" in changes:
            new["birthday_year"], new["birthday_month"], new["birthday_day"] = changes["birthday"]
        if "connected_on" in changes:
            new["connected_on"] = db_time(changes["connected_on"])
        if changes.get("is_connection"):
            new["is_connection"] = 1
        cid = row["id"]
        if new or "repair_emails" in changes:
            new["updated_at"] = self.now
            before = {k: _stored(k, row) for k in new}
            self.plan.update("contact", cid, new, before)
        for broken, email in changes.get("repair_emails", ()):
            self.plan.update("contact_email", row["email_ids"][broken], {"email": email}, {"email": broken})
        self._lists(
            cid, changes.get("add_emails", []),
            [(p, normalize_phone(p)) for p in changes.get("add_phones", [])],
            changes.get("add_tags", []), len(row["emails"]), len(row["phone_keys"]),
        )  # fmt: skip
        self.report.contacts["updated"] += 1

    def _notices(self) -> None:
        self.report.notices.extend(self.source.notices)
        # about the whole file: before the row-by-row warnings
        if isinstance(self.source, CsvImport) and self.source.long_rows:
            self.report.notices.append(_long_rows_notice(self.source))
        if self.lost_letters:
            self.report.notices.append(_lost_letters_notice(self.lost_letters))
        if self.ambiguous:
            read = self.ambiguous[0][1].order  # the same for every row of a file
            other = "month first" if read == "day first" else "day first"
            self.report.date_order = {"count": len(self.ambiguous), "read": read, "other": other}
            if self.dates_chosen:
                why = "as you chose"
            elif isinstance(self.source, CsvImport) and self.source.date_order_why:
                why = self.source.date_order_why
            else:
                why = "as the date order in Settings says"
            self.report.notices.append(
                _ambiguous_dates_notice(self.ambiguous, other, self.source.date_orders, why)
            )
        self.report.notices.extend(self.report.warning_notices())
        if self.conflicted:
            who = (
                "1 contact already has"
                if self.conflicted == 1
                else f"{self.conflicted:,} contacts already have"
            )
            self.report.notices.append(
                f"{who} other values for some fields; the existing values were kept (listed under conflicts)."
            )


def _rows_listed(rows: list[int]) -> str:
    """ "row 4" or "rows 4, 9, 12, …" (the first LOST_ROWS_LISTED)."""
    listed = ", ".join(map(str, rows[:LOST_ROWS_LISTED])) + (", …" if len(rows) > LOST_ROWS_LISTED else "")
    return f"row {listed}" if len(rows) == 1 else f"rows {listed}"


def _ambiguous_dates_notice(
    found: list[tuple[int, AmbiguousDate]], other: str, orders: Counter, why: str
) -> str:
    """One note for every birthday like 3/4/1980 (read one way, `other` the other, `why` "as you
    chose" or the like), and what the file's other dates (`orders`) say of its order.

    The note says what was done, not what to do: the same report is shown before and after the
    import is saved, and what reads them the other way differs (the preview's button, or undoing
    the import; on the command line `--date-order`), so each page or summary says that itself."""
    rows, first = [row for row, _ in found], found[0][1]
    read = first.order
    count = "1 birthday" if len(rows) == 1 else f"{len(rows):,} birthdays"
    text = (
        f"{count} could be read day first or month first, such as {first.value!r} ({_rows_listed(rows)});"
        f" {'it was' if len(rows) == 1 else 'they were'} read {read}, {why}."
    )
    if orders[other] and not orders[read]:
        sample = "1 other birthday" if orders[other] == 1 else f"{orders[other]:,} other birthdays"
        text += (
            f" But {sample} in this file can only be read {other}, so the file probably writes dates {other}."
        )
    elif orders[other]:
        text += f" Some other birthdays in this file can only be read {other}: check these."
    return text


def _long_rows_notice(source: CsvImport) -> str:
    """One note for the rows with more fields than the header, which were read without them."""
    found, width = source.long_rows, len(source.header)
    row, count, extra = found[0]
    shown = ", ".join(repr(v[:40]) for v in extra[:3]) + (", …" if len(extra) > 3 else "")
    if len(found) == 1:
        return (
            f"{source.table.file}, row {row}: has {count} fields but the header has {width}; it was"
            f" imported without the extra {'value' if len(extra) == 1 else 'values'} ({shown})."
        )
    rows = _rows_listed([r for r, _, _ in found])
    return (
        f"{source.table.file}: {len(found):,} rows have more fields than the header's {width} ({rows});"
        f" they were imported without the extra values (row {row}: {shown})."
    )


def _lost_letters_notice(rows: list[int]) -> str:
    count = "1 row has" if len(rows) == 1 else f"{len(rows):,} rows have"
    return (
        f'{count} a "?" where a letter should be, in a name, company or email ({_rows_listed(rows)}):'
        " the program that saved this file could not write those letters. Contacts you already have"
        " keep their own spelling; new ones are imported as they are. If that program can export in"
        " Unicode (UTF-8), export again that way, or correct these contacts after the import."
    )


def _stored(column: str, row: dict):
    """A contact column's value as it is stored in SQLite, for the undo record (load_rows reads
    them raw)."""
    return row[column]


def summary_counts(report: Report) -> Counter:
    """The preview's five buckets: new, updated, unchanged, conflicts, skipped."""
    return Counter(
        new=report.contacts["created"],
        updated=report.contacts["updated"],
        unchanged=report.contacts["unchanged"],
        conflicts=len(report.conflicts),
        skipped=len(report.skipped),
    )
