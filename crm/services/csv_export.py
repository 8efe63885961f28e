"""Contacts as Rapport's own CSV: formula-safe, every field quoted, with a BOM for Excel.

`crm import csv --format rapport` (importers.formats, format "rapport") reads it back.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from peewee import JOIN

from crm.models import Company, Contact, ContactEmail, ContactPhone, utcnow
from crm.services.contacts import tags_for
from importers.base import Birthday
from importers.spreadsheet import export_rows


def contact_rows() -> list[dict]:
    """Every live contact as a dict of RAPPORT_COLUMNS values (a constant number of queries)."""
    contacts = list(
        Contact.select(Contact, Company)
        .join(Company, JOIN.LEFT_OUTER)
        .where(Contact.deleted_at.is_null())
        .order_by(Contact.id)
    )
    emails: dict[int, list[str]] = defaultdict(list)
    for cid, email in (
        ContactEmail.select(ContactEmail.contact, ContactEmail.email)
        .order_by(ContactEmail.contact, ContactEmail.position)
        .tuples()
    ):
        emails[cid].append(email)
    phones: dict[int, list[str]] = defaultdict(list)
    for cid, phone in (
        ContactPhone.select(ContactPhone.contact, ContactPhone.phone)
        .order_by(ContactPhone.contact, ContactPhone.position)
        .tuples()
    ):
        phones[cid].append(phone)
    tags = tags_for([c.id for c in contacts]) if contacts else {}
    rows = []
    for c in contacts:
        birthday = Birthday(c.birthday_month, c.birthday_day, c.birthday_year) if c.birthday_month else None
        rows.append(
            {
                "id": c.id,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "full_name": c.full_name,
                "linkedin_url": c.linkedin_url or "",
                "emails": emails.get(c.id, []),
                "phones": phones.get(c.id, []),
                "company": c.company.name if c.company_id else "",
                "title": c.title,
                "location": c.location,
                "website": c.website,
                "birthday": birthday,
                "tags": tags.get(c.id, []),
                "stage": c.stage,
                "notes": c.notes,
                "connected_on": c.connected_on,
                "source": c.source,
                "is_connection": bool(c.is_connection),
                "connected": bool(c.connected),
                "value_deal": float(c.value_deal or 0),
                "value_referrals": int(c.value_referrals or 0),
                "value_advocate": bool(c.value_advocate),
                "value_feedback": bool(c.value_feedback),
            }
        )
    return rows


def export_text() -> str:
    """The whole export as text (BOM first)."""
    return export_rows(contact_rows())


def file_name() -> str:
    """A dated name for the browser download."""
    return f"rapport-contacts-{utcnow():%Y-%m-%d}.csv"


def write_export(directory: str | Path) -> tuple[Path, int]:
    """Write DIR/contacts.csv (creating DIR); returns the path and the number of contacts."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    rows = contact_rows()
    path = folder / "contacts.csv"
    temporary = folder / ".contacts.csv.part"
    temporary.write_bytes(export_rows(rows).encode("utf-8"))
    temporary.replace(path)
    return path, len(rows)
