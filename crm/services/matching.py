"""Cross-source matching: which existing contact an imported person is, and what to update.

A person matches on the LinkedIn URL, else an email, else a phone number (its digits alone);
names never merge.
Built for bulk use: `build_index()` loads every key once, `match()` is a few dict lookups.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from crm.db import db
from crm.models import Contact, ContactEmail, ContactPhone, ContactTag, utcnow
from crm.services.contacts import tag_named
from importers.base import (
    Birthday,
    PersonRecord,
    name_key,
    normalize_email,
    normalize_linkedin_url,
    normalize_phone,
)
from importers.fields import describe_birthday

# Names and companies repeat across the rows of an address book (compared for each update).
_name_key = lru_cache(maxsize=1 << 16)(name_key)

_CANONICAL_URL = re.compile(r"https://www\.linkedin\.com/in/[^/?#A-Z\s<>\"'\\%]+")
# An address normalize_email leaves as it is (when also lower-case): no space, bracket or mailto:.
_NORMAL_EMAIL = re.compile(r"(?!mailto:)[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+\Z")
# Scalar fields an import may fill in; the value in the database wins on a conflict.
SCALARS = ("first_name", "last_name", "company", "title", "location", "website", "notes")


@dataclass
class MatchIndex:
    """Every matching key of the existing contacts, each mapped to one contact id."""

    by_url: dict[str, int] = field(default_factory=dict)
    by_email: dict[str, int] = field(default_factory=dict)
    by_phone: dict[str, int] = field(default_factory=dict)
    # addresses with letters beyond ASCII, as an export in the Windows code page writes them
    # ("?ukasz@…" for "łukasz@…"); None where two contacts' addresses read the same that way
    by_lost_letters: dict[str, Any] = field(default_factory=dict)
    # the other way round: stored addresses that lost letters, found by the intact ones
    by_broken: dict[str, Any] = field(default_factory=dict)

    def add(self, contact_id: Any, record: PersonRecord) -> None:
        """Register a contact (an id, or a planned row) from `record`, so later rows match it."""
        self.add_keys(contact_id, record_keys(record))

    def add_keys(self, contact_id: Any, keys: Keys) -> None:
        """Register a contact under keys from record_keys()."""
        url, emails, phones = keys
        if url:
            self.by_url.setdefault(url, contact_id)
        for email in emails:
            self.by_email.setdefault(email, contact_id)
            self.add_lost_letters(email, contact_id)
        for _phone, key in phones:
            self.by_phone.setdefault(key, contact_id)

    def add_lost_letters(self, email: str, contact_id: Any) -> None:
        """Register an address under the form an export in the Windows code page gives it."""
        if email.isascii() and "?" not in email:
            return
        index = self.by_broken if email.isascii() else self.by_lost_letters
        key = lost_letters(email)
        if index.setdefault(key, contact_id) != contact_id:
            index[key] = None

    def find(self, keys: Keys) -> tuple[Any, str]:
        """(contact, "linkedin_url" | "email" | "phone") for keys from record_keys(), or (None, "")."""
        url, emails, phones = keys
        if url:
            found = self.by_url.get(url)
            if found:
                return found, "linkedin_url"
        for email in emails:
            found = self.by_email.get(email)
            if not found and "?" in email:
                found = self.by_lost_letters.get(lost_letters(email))
            elif not found and not email.isascii():
                found = self.by_broken.get(lost_letters(email))
            if found:
                return found, "email"
        for _phone, key in phones:
            found = self.by_phone.get(key)
            if found:
                return found, "phone"
        return None, ""


def lost_letters(text: str) -> str:
    """`text` with every letter beyond ASCII as "?": an address ("łukasz@…") and the copy an
    export in the Windows code page wrote of it ("?ukasz@…", é kept or not) read the same."""
    return "".join(c if c.isascii() else "?" for c in text)


# (normalised LinkedIn URL or "", email keys, (phone as written, phone key) pairs), no repeats
Keys = tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]


def record_keys(record: PersonRecord) -> Keys:
    """Every matching key of a record, each normalised once (importers normalise URLs and
    emails already: those that look normalised are kept as they are)."""
    url = record.linkedin_url
    if url and not _CANONICAL_URL.fullmatch(url):
        url = normalize_linkedin_url(url)
    emails: dict[str, None] = {}
    for email in record.emails:
        normal = email == email.lower() and _NORMAL_EMAIL.match(email)
        key = email if normal else normalize_email(email)
        if key:
            emails[key] = None
    phones: dict[str, str] = {}
    for phone in record.phones:
        key = normalize_phone(phone)
        if key and key not in phones:
            phones[key] = phone
    return url, tuple(emails), tuple((phone, key) for key, phone in phones.items())


@dataclass(frozen=True)
class Conflict:
    """A field both sides fill differently; the existing value is kept."""

    field: str
    existing: str
    incoming: str


@dataclass
class Plan:
    """What importing a record into an existing contact changes."""

    contact_id: int
    changes: dict[str, Any]
    conflicts: list[Conflict]

    @property
    def unchanged(self) -> bool:
        return not self.changes


def build_index() -> MatchIndex:
    """Load the LinkedIn URLs, emails and phones of every contact (three queries).

    URLs include contacts in the trash, because the column is unique across them; emails and
    phones come from live contacts only. When two contacts share a key the oldest wins (rows
    come newest first, so the oldest is written last).
    """
    index = MatchIndex()
    index.by_url = dict(
        db.execute_sql("SELECT linkedin_url, id FROM contact WHERE linkedin_url IS NOT NULL ORDER BY id DESC")
    )
    rows = db.execute_sql(
        "SELECT e.email, e.contact_id FROM contact_email e JOIN contact c ON c.id = e.contact_id"
        " WHERE c.deleted_at IS NULL ORDER BY e.contact_id DESC"
    )
    index.by_email = {email.lower(): contact_id for email, contact_id in rows}
    for email, contact_id in index.by_email.items():
        index.add_lost_letters(email, contact_id)
    index.by_phone = dict(
        db.execute_sql(
            "SELECT p.phone_key, p.contact_id FROM contact_phone p JOIN contact c ON c.id = p.contact_id"
            " WHERE c.deleted_at IS NULL AND p.phone_key != '' ORDER BY p.contact_id DESC"
        )
    )
    return index


def match(record: PersonRecord, index: MatchIndex) -> int | None:
    """The existing contact id for a record (URL, then email, then phone), or None."""
    return match_reason(record, index)[0]


def match_reason(record: PersonRecord, index: MatchIndex) -> tuple[int | None, str]:
    """(contact id or None, "linkedin_url" | "email" | "phone" | "")."""
    return index.find(record_keys(record))


def match_all(records: Iterable[PersonRecord], index: MatchIndex) -> list[int | None]:
    """match() for many records."""
    return [match(r, index) for r in records]


_ROW_COLUMNS = (
    "id", "first_name", "last_name", "full_name", "name_key", "linkedin_url", "company_id", "title",
    "location", "website", "notes", "birthday_month", "birthday_day", "birthday_year",
    "connected_on", "is_connection", "updated_at",
)  # fmt: skip


def load_rows(contact_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Contacts as plain dicts for plan_update: the columns an import reads or changes, as
    stored (so an undo restores them exactly), the company's name, emails, phone keys and tags.

    A constant number of queries however many ids (chunked under SQLite's variable limit).
    """
    ids = sorted(set(contact_ids))
    out: dict[int, dict[str, Any]] = {}
    columns = ", ".join(f"c.{c}" for c in _ROW_COLUMNS)
    for start in range(0, len(ids), 10000):
        chunk = ids[start : start + 10000]
        marks = ", ".join("?" * len(chunk))
        for row in db.execute_sql(
            f"SELECT {columns}, coalesce(co.name, '') FROM contact c"
            f" LEFT JOIN company co ON co.id = c.company_id WHERE c.id IN ({marks})",
            chunk,
        ):
            item = dict(zip(_ROW_COLUMNS, row, strict=False))
            item.update(company=row[-1], emails=[], email_ids={}, phone_keys=[], tags=[])
            out[row[0]] = item
        for sql, key in (
            (f"SELECT contact_id, phone_key FROM contact_phone WHERE contact_id IN ({marks})", "phone_keys"),
            (
                "SELECT ct.contact_id, t.name FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id"
                f" WHERE ct.contact_id IN ({marks})",
                "tags",
            ),
        ):
            for cid, value in db.execute_sql(sql, chunk):
                out[cid][key].append(value)
        for cid, email_id, email in db.execute_sql(
            f"SELECT contact_id, id, email FROM contact_email WHERE contact_id IN ({marks}) ORDER BY id",
            chunk,
        ):
            out[cid]["emails"].append(email)
            out[cid]["email_ids"][email] = email_id
    return out


def lost_letters_of(incoming: str, existing: str) -> bool:
    """Whether `incoming` is `existing` with the letters an export in the Windows code page could
    not store turned into "?" (Outlook writes "Łukasz" as "?ukasz")."""
    incoming, existing = incoming.lower(), existing.lower()
    return (
        "?" in incoming
        and len(incoming) == len(existing)
        and all(a == b or (a == "?" and not b.isascii()) for a, b in zip(incoming, existing, strict=True))
    )


def _same(field_name: str, a: str, b: str) -> bool:
    if "?" in b and lost_letters_of(b, a):  # the existing value is the intact one
        return True
    if field_name in ("first_name", "last_name"):
        # "Sato, CFA" on LinkedIn and "Sato" in an address book: credentials after a comma
        return _name_key(a) == _name_key(b) or _name_key(a.split(",")[0]) == _name_key(b.split(",")[0])
    if field_name == "company":
        return _name_key(a) == _name_key(b)
    if field_name == "notes":
        return b.strip() in a
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def plan_update(row: Mapping[str, Any], record: PersonRecord) -> Plan:
    """Changes and conflicts for importing `record` into the contact `row` (see load_rows).

    Blanks never overwrite; a differing value keeps the existing one and is a Conflict;
    new emails, phones and tags are added.
    """
    changes: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    for name in SCALARS:
        incoming = getattr(record, name) or ""
        existing = row.get(name) or ""
        if not incoming or _same(name, existing, incoming):
            continue
        if existing and lost_letters_of(existing, incoming):  # "?ukasz" from Outlook, now "Łukasz"
            changes[name] = incoming
        elif existing:
            conflicts.append(Conflict(name, existing, incoming))
        else:
            changes[name] = incoming
    url = normalize_linkedin_url(record.linkedin_url)
    if url and url != row.get("linkedin_url"):
        if row.get("linkedin_url"):
            conflicts.append(Conflict("linkedin_url", row["linkedin_url"], url))
        else:
            changes["linkedin_url"] = url
    _plan_birthday(row, record, changes, conflicts)
    if record.connected_on and not row.get("connected_on"):
        changes["connected_on"] = record.connected_on
    if record.is_connection and not row.get("is_connection"):
        changes["is_connection"] = True
    have = {e.lower() for e in row.get("emails", ())}
    emails, repaired = [], []
    for e in dict.fromkeys(normalize_email(e) for e in record.emails):
        if not e or e in have or ("?" in e and any(lost_letters_of(e, h) for h in have)):
            continue
        broken = next((h for h in have if lost_letters_of(h, e)), None)
        if broken:  # the stored address lost letters the incoming one has: it is put right
            have.discard(broken)
            repaired.append((broken, e))
        else:
            emails.append(e)
    if emails:
        changes["add_emails"] = emails
    if repaired:
        changes["repair_emails"] = repaired
    keys = set(row.get("phone_keys", ()))
    phones = []
    for phone in record.phones:
        key = normalize_phone(phone)
        if key and key not in keys:
            keys.add(key)
            phones.append(phone)
    if phones:
        changes["add_phones"] = phones
    tags = {t.casefold() for t in row.get("tags", ())}
    new_tags = [t for t in dict.fromkeys(record.tags) if t.casefold() not in tags]
    if new_tags:
        changes["add_tags"] = new_tags
    return Plan(row["id"], changes, conflicts)


def _plan_birthday(row, record, changes, conflicts) -> None:
    b = record.birthday
    if b is None:
        return
    month, day, year = row.get("birthday_month"), row.get("birthday_day"), row.get("birthday_year")
    if not month:
        changes["birthday"] = (b.year, b.month, b.day)
    elif (month, day) != (b.month, b.day) or (year and b.year and year != b.year):
        existing = describe_birthday(Birthday(month, day, year))
        conflicts.append(Conflict("birthday", existing, describe_birthday(b)))
    elif not year and b.year:
        changes["birthday"] = (b.year, b.month, b.day)


def apply_changes(contact_id: int, changes: Mapping[str, Any]) -> None:
    """Write a Plan's changes to the contact (the caller owns the transaction)."""
    from crm.services.contacts import company_for

    contact = Contact.get_by_id(contact_id)
    for name in ("first_name", "last_name", "title", "location", "website", "notes"):
        if name in changes:
            setattr(contact, name, changes[name])
    if "first_name" in changes or "last_name" in changes:
        contact.full_name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
        contact.name_key = name_key(contact.full_name)
    if "company" in changes:
        contact.company = company_for(changes["company"])
    if "linkedin_url" in changes:
        contact.linkedin_url = changes["linkedin_url"]
    if "birthday" in changes:
        year, month, day = changes["birthday"]
        contact.birthday_year, contact.birthday_month, contact.birthday_day = year, month, day
    if "connected_on" in changes:
        contact.connected_on = changes["connected_on"]
    if changes.get("is_connection"):
        contact.is_connection = True
    contact.updated_at = utcnow()
    contact.save()
    _add_lists(contact_id, changes)


def _add_lists(contact_id: int, changes: Mapping[str, Any]) -> None:
    position = defaultdict(int)
    for broken, email in changes.get("repair_emails", ()):
        ContactEmail.update(email=email).where(
            ContactEmail.contact == contact_id, ContactEmail.email == broken
        ).execute()
    if changes.get("add_emails"):
        position["e"] = ContactEmail.select().where(ContactEmail.contact == contact_id).count()
        for email in changes["add_emails"]:
            ContactEmail.create(contact=contact_id, email=email, position=position["e"])
            position["e"] += 1
    if changes.get("add_phones"):
        position["p"] = ContactPhone.select().where(ContactPhone.contact == contact_id).count()
        for phone in changes["add_phones"]:
            ContactPhone.create(
                contact=contact_id, phone=phone, phone_key=normalize_phone(phone), position=position["p"]
            )
            position["p"] += 1
    for tag_name in changes.get("add_tags", ()):
        ContactTag.get_or_create(contact=contact_id, tag=tag_named(tag_name))


def describe_conflicts(conflicts: Iterable[Conflict]) -> list[dict[str, str]]:
    """Conflicts as JSON-ready dicts for the preview and the CLI."""
    return [{"field": c.field, "existing": c.existing, "incoming": c.incoming} for c in conflicts]
