"""Spreadsheet-safe CSV: formula neutralisation on export, its exact inverse on import.

Also Rapport's own CSV layout (RAPPORT_COLUMNS) and `export_rows`, which writes it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .base import Birthday

# OWASP/ASVS triggers plus `|` and `%` as defusedcsv does; `'` itself is escaped too when a
# run of quotes precedes a trigger, so that unescaping is an exact inverse.
TRIGGERS = "=+-@\t\r\0|%"
_NEEDS_ESCAPE = re.compile(r"^'*[ \u00a0]*[" + re.escape(TRIGGERS) + "]")
_ESCAPED = re.compile(r"^'+[ \u00a0]*[" + re.escape(TRIGGERS) + "]")

# Whether the contact is a (LinkedIn) connection and still connected, and its relationship
# values: columns added later, so an export without them reads as before (importers.formats).
OWN_VALUES = (
    "is_connection",
    "connected",
    "value_deal",
    "value_referrals",
    "value_advocate",
    "value_feedback",
)
RAPPORT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "full_name",
    "linkedin_url",
    "emails",
    "phones",
    "company",
    "title",
    "location",
    "website",
    "birthday",
    "tags",
    "stage",
    "notes",
    "connected_on",
    "source",
    *OWN_VALUES,
)
# Emails, phones and tags share a cell, joined by "; "; a ";" or a backslash inside a value is
# escaped with a backslash, so a Google label "tag;semi" comes back as one tag.
MULTI_SEPARATOR = "; "


def neutralize(value: str) -> str:
    """The cell text a spreadsheet will not run as a formula (a `'` prefix when needed)."""
    return "'" + value if _NEEDS_ESCAPE.match(value) else value


def unneutralize(value: str) -> str:
    """Undo `neutralize`: drop one leading `'` that precedes a trigger character."""
    return value[1:] if _ESCAPED.match(value) else value


def join_values(values: Iterable[object]) -> str:
    """One cell for several values (emails, phones, tags): `split_joined` reads it back exactly."""
    return MULTI_SEPARATOR.join(str(v).replace("\\", "\\\\").replace(";", "\\;") for v in values)


def split_joined(cell: str) -> list[str]:
    """The values of a `join_values` cell, trimmed, blanks dropped.

    Only `\\;` and `\\\\` are escapes and a backslash before anything else is kept, so an export
    made before values were escaped reads as it did (unless a value held one of those two).
    """
    if "\\" not in cell:  # the usual cell: nothing escaped
        return [p for p in (part.strip() for part in cell.split(";")) if p]
    parts: list[str] = []
    current: list[str] = []
    i, end = 0, len(cell)
    while i < end:
        char = cell[i]
        if char == "\\" and i + 1 < end and cell[i + 1] in "\\;":
            current.append(cell[i + 1])
            i += 2
            continue
        if char == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return [p for p in (part.strip() for part in parts) if p]


def write_csv(rows: Iterable[Sequence[str]]) -> str:
    """CSV text with a UTF-8 BOM, every field quoted and neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralize(str(cell)) for cell in row])
    return "\ufeff" + buffer.getvalue()


def format_birthday(value: Birthday | dt.date | None) -> str:
    """`YYYY-MM-DD`, or `--MM-DD` when the year is unknown."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if value.year is None:
        return f"--{value.month:02d}-{value.day:02d}"
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _cell(contact: Any, name: str) -> str:
    if isinstance(contact, Mapping):
        value = contact.get(name)
    else:
        value = getattr(contact, name, None)
    if name == "birthday":
        return format_birthday(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return join_values(value)
    return str(value)


def export_rows(contacts: Iterable[Any]) -> str:
    """Rapport CSV text for contacts (mappings or objects with RAPPORT_COLUMNS attributes)."""
    return write_csv(
        itertools.chain([RAPPORT_COLUMNS], ([_cell(c, n) for n in RAPPORT_COLUMNS] for c in contacts))
    )
