"""Small builders shared by the matching, duplicates and merge tests."""

from __future__ import annotations

import datetime as dt

from crm.db import db
from crm.forms import ContactInput
from crm.services import contacts


def person(first: str, last: str, *, company: str = "", emails=(), phones=(), tags=(), **extra) -> int:
    """Create a contact through the contacts service; returns its id."""
    data = ContactInput(
        first_name=first,
        last_name=last,
        company=company,
        emails=list(emails),
        phones=list(phones),
        tags=list(tags),
    )
    for name, value in extra.items():
        setattr(data, name, value)
    return contacts.create_contact(data).id


def dump() -> dict[str, list[tuple]]:
    """Every row of every ordinary table (the merge log excepted), for exact comparisons."""
    names = [
        r[0]
        for r in db.execute_sql(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT LIKE 'activity_search%' AND name NOT IN ('merge', 'schema_migrations')"
        )
    ]
    return {n: sorted(db.execute_sql(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}


def at(day: int) -> dt.datetime:
    return dt.datetime(2025, 3, day, 12, 0)
