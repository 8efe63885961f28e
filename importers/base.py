"""Records every importer yields, the one error they raise, and the shared normalisers.

Importers are pure: they read bytes and yield plain dataclasses. They never touch the
database, Flask or the network; crm/services/imports.py applies what they yield.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import MISSING, dataclass, field, fields
from urllib.parse import unquote, urlsplit


class ImportRejected(Exception):
    """A file we will not import, with a message fit to show the user as is."""

    def __init__(self, message: str, *, file: str = "", row: int | None = None):
        where = file + (f", row {row}" if row else "") if file else ""
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message
        self.file = file
        self.row = row


@dataclass(frozen=True)
class Skipped:
    """A row we did not import, and why (shown in the preview with its file and row)."""

    file: str
    row: int
    reason: str


@dataclass(frozen=True)
class Birthday:
    """A birthday whose year may be unknown."""

    month: int
    day: int
    year: int | None = None


@dataclass(frozen=True)
class PersonRecord:
    """One person as a source describes them; empty strings mean "not given"."""

    source: str
    file: str
    row: int
    first_name: str = ""
    last_name: str = ""
    full_name: str = ""
    linkedin_url: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    company: str = ""
    title: str = ""
    location: str = ""
    website: str = ""
    birthday: Birthday | None = None
    notes: str = ""
    tags: tuple[str, ...] = ()
    connected_on: dt.date | None = None
    is_connection: bool = False
    warnings: tuple[str, ...] = field(default=())
    stage: str = ""  # only Rapport's own export carries it

    @property
    def display_name(self) -> str:
        return self.full_name or " ".join(p for p in (self.first_name, self.last_name) if p)


_PERSON_DEFAULTS = {f.name: f.default for f in fields(PersonRecord) if f.default is not MISSING}


def person_record(values: dict) -> PersonRecord:
    """PersonRecord(**values) without the frozen-dataclass __init__ (8 µs a call, a call a row):
    `values` names source, file and row and any other fields; the rest keep their defaults."""
    record = object.__new__(PersonRecord)
    state = record.__dict__
    state.update(_PERSON_DEFAULTS)
    state.update(values)
    return record


@dataclass(frozen=True)
class ActivityRecord:
    """One dated event (message, invitation, endorsement...) between the owner and people.

    `people` are LinkedIn profile URLs (normalised) or, when a source has none, names.
    `source_key` is stable across re-imports of the same export, so importing twice
    creates nothing new.
    """

    source: str
    source_key: str
    kind: str
    occurred_at: dt.datetime
    file: str
    row: int
    direction: str | None = None
    people: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    summary: str = ""
    text: str = ""


LINKEDIN_HOSTS = ("linkedin.com", "www.linkedin.com")
_CANONICAL = re.compile(r"https://www\.linkedin\.com/in/[a-z0-9\-_.~]+")
_SLUG_PATH = re.compile(r"^/in/([^/?#]+)", re.IGNORECASE)


def normalize_linkedin_url(value: str) -> str:
    """Canonical https://www.linkedin.com/in/<slug> form, or "" if it is not a person's profile URL.

    Only /in/ addresses (and the older public /pub/name/1a/2b3/4c5 form) are people: a company
    or school page (/company/, /school/) or any other LinkedIn page is "", so it never becomes
    anyone's identity. LinkedIn treats the slug case-insensitively, so it is lower-cased; scheme,
    subdomain (country sites such as de.linkedin.com), trailing slash, query and fragment are
    dropped.
    """
    text = (value or "").strip()
    if not text or "linkedin" not in text.lower():  # cheap exit for every other website
        return ""
    if _CANONICAL.fullmatch(text):  # already in canonical form (the usual case)
        return text
    if "://" not in text:
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https"):
        return ""
    if host != "linkedin.com" and not host.endswith(".linkedin.com"):
        return ""
    match = _SLUG_PATH.match(parts.path)
    if match:
        kind, segments = "in", [match.group(1)]
    elif parts.path.lower().startswith("/pub/"):
        # LinkedIn's older public profile address, /pub/name/1a/2b3/4c5: the numbers tell
        # namesakes apart, so they are kept (/pub/dir/… is a name search, nobody's profile)
        kind, segments = "pub", [p for p in parts.path[5:].split("/") if p][:4]
    else:
        return ""
    segments = [unquote(p).strip().lower() for p in segments]
    bad = not segments or segments[0] == "dir" and kind == "pub"
    if bad or not all(segments) or any(c in p for p in segments for c in "<>\"' \t\\"):
        return ""
    return f"https://www.linkedin.com/{kind}/{'/'.join(segments)}"


_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


def normalize_email(value: str) -> str:
    """Lower-cased address, or "" when the value is not an email address."""
    text = (value or "").strip().strip("<>").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.lower()
    return text if _EMAIL.match(text) else ""


def normalize_phone(value: str) -> str:
    """The digits of a phone number for matching, without leading zeros; "" when fewer than 6.

    The "+" (or "00") before a country code only marks it, so "+1 (268) 555-0017", "001 268 555
    0017" and "1-268-555-0017" are one number (migration 0010 rewrote the keys stored with a "+").
    """
    text = (value or "").strip()
    if text.isascii():  # the usual case: the same digits as str.isdigit finds, in C
        digits = _NON_DIGITS.sub("", text)
    else:
        digits = "".join(c for c in text if c.isdigit())
    if len(digits) < 6:
        return ""
    return digits.lstrip("0")


_NON_DIGITS = re.compile(r"[^0-9]+")
_NON_WORD = re.compile(r"[^\w]+")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # category Cc minus \t and \n


def clean_text(value: str, limit: int = 1 << 20) -> str:
    """NFC text without NULs or control characters other than tab and newline, capped."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    return text[:limit].strip()


def name_key(*parts: str) -> str:
    """Case- and accent-insensitive key for comparing names ("José Müller" == "jose muller").

    Letters NFKD does not take apart (ø, ł, đ, æ, œ, þ) are kept: the key is stored, and company
    keys are unique, so folding them would need a migration that merges companies. Duplicate
    suggestions fold them on top (duplicates.FOLD), so "Ødegaard" and "Odegaard" still meet there.
    """
    text = " ".join(p for p in parts if p)
    if text.isascii():  # nothing to decompose, and casefold is lower
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKD", text.casefold())
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", text).split())
