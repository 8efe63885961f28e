"""Known contact CSV layouts (Google, Outlook, HubSpot, Salesforce, LinkedIn, Rapport).

`parse_csv` recognises them by header and maps them to PersonRecord; other CSVs need a mapping.
"""

from __future__ import annotations

import csv
import functools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from .base import ImportRejected, PersonRecord, Skipped, person_record
from .csvfile import _SENTINEL_FIRST, MAX_FIELD, SENTINELS, CsvTable, header_key, read_table
from .fields import (
    NOTE_LIMIT,
    clean_name,
    fast_clean,
    parse_birthday,
    parse_date,
    parse_emails,
    parse_phones,
    parse_title,
    parse_urls,
    tag_tuple,
)
from .spreadsheet import OWN_VALUES, RAPPORT_COLUMNS, split_joined, unneutralize

FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "company",
    "title",
    "linkedin_url",
    "tags",
    "notes",
    "birthday",
    "location",
    "website",
    "ignore",
)
USEFUL_FIELDS = frozenset({"first_name", "last_name", "full_name", "email", "phone", "linkedin_url"})
# Fields that take every value they are given; a second column of one of these (a repeated
# "E-mail 1 - Value") adds its values, a repeated column of any other field is ignored.
MULTI_VALUE_FIELDS = frozenset({"email", "phone", "tags", "notes"})
_SOURCE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
# Rapport's own export's OWN_VALUES are read back for the contacts an import creates; a file
# without them (an older export) reads as before: connected when it has a date connected, values 0.
# Columns of Rapport's own export that are no importable field but are read back
_OWN_COLUMNS = ("id", "connected_on", "stage", "source", *OWN_VALUES)
_YES, _NO = frozenset({"yes", "y", "true", "1"}), frozenset({"no", "n", "false", "0"})


@dataclass(frozen=True)
class Format:
    """One known layout: which headers identify it and which columns feed each field.

    Column specs are header names, or `re:<pattern>` matched against header_key(name);
    a `|` in `location` starts a fallback group used only when the earlier one is empty.
    `dayfirst` is how the layout writes dates, when its header tells (`dayfirst_why` says how).
    """

    name: str
    source: str
    signatures: tuple[frozenset[str], ...]
    columns: dict[str, tuple[str, ...]]
    tag_separators: str = r":::|;"
    dayfirst: bool | None = None
    dayfirst_why: str = ""
    sentinels: bool = True
    unescape: bool = False
    is_connection: bool = False


def _sig(*names: str) -> frozenset[str]:
    return frozenset(header_key(n) for n in names)


_OUTLOOK_EN = {
    "first_name": ("First Name",),
    "last_name": ("Last Name",),
    "email": ("E-mail Address", "E-mail 2 Address", "E-mail 3 Address"),
    "phone": (
        "Mobile Phone",
        "Business Phone",
        "Business Phone 2",
        "Primary Phone",
        "Company Main Phone",
        "Home Phone",
        "Home Phone 2",
        "Other Phone",
    ),
    "company": ("Company",),
    "title": ("Job Title",),
    "tags": ("Categories",),
    "notes": ("Notes",),
    "birthday": ("Birthday",),
    "location": (
        *("Business City", "Business State", "Business Country/Region", "Business Country"),
        *("|", "Home City", "Home State", "Home Country/Region", "Home Country"),
    ),
    "website": ("Web Page", "Personal Web Page"),
}
_OUTLOOK_DE = {
    "first_name": ("Vorname",),
    "last_name": ("Nachname",),
    "email": ("E-Mail-Adresse", "E-Mail 2: Adresse", "E-Mail 3: Adresse"),
    "phone": (
        *("Mobiltelefon", "Telefon geschäftlich", "Telefon geschäftlich 2", "Haupttelefon"),
        *("Telefon Firma", "Telefon privat", "Telefon privat 2", "Weiteres Telefon"),
    ),
    "company": ("Firma",),
    "title": ("Position",),
    "tags": ("Kategorien",),
    "notes": ("Notizen",),
    "birthday": ("Geburtstag",),
    "location": (
        *("Ort geschäftlich", "Bundesland/Kanton geschäftlich", "Land/Region geschäftlich"),
        *("|", "Ort privat", "Bundesland/Kanton privat", "Land/Region privat"),
    ),
    "website": ("Webseite", "Persönliche Webseite"),
}
_OUTLOOK_FR = {
    "first_name": ("Prénom",),
    "last_name": ("Nom",),
    "email": (
        *("Adresse de messagerie", "Adresse de messagerie 2", "Adresse de messagerie 3"),
        "Adresse e-mail",
    ),
    "phone": (
        *("Téléphone mobile", "Tél. mobile", "Téléphone (bureau)", "Téléphone bureau"),
        *("Téléphone (bureau 2)", "Téléphone principal", "Téléphone société"),
        *("Téléphone (domicile)", "Téléphone domicile", "Autre téléphone"),
    ),
    "company": ("Société",),
    "title": ("Fonction", "Titre"),
    "tags": ("Catégories",),
    "notes": ("Notes",),
    "birthday": ("Anniversaire",),
    "location": (
        *("Ville (bureau)", "Dép/Région (bureau)", "Pays/Région (bureau)"),
        *("|", "Ville (domicile)", "Dép/Région (domicile)", "Pays/Région (domicile)"),
    ),
    "website": ("Page Web", "Page Web personnelle"),
}

FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "rapport",
            "rapport",
            (_sig("id", "full_name", "linkedin_url", "emails", "phones", "stage", "source"),),
            {n: (n,) for n in RAPPORT_COLUMNS if n in FIELDS or n in _OWN_COLUMNS}
            | {"email": ("emails",), "phone": ("phones",)},
            tag_separators=";",
            sentinels=False,
            unescape=True,
        ),
        Format(
            "linkedin_connections",
            "linkedin",
            (_sig("First Name", "Last Name", "Connected On"),),
            {
                "first_name": ("First Name",),
                "last_name": ("Last Name",),
                "linkedin_url": ("URL",),
                "email": ("Email Address", "E-mail Address", "EmailAddress"),
                "company": ("Company",),
                "title": ("Position",),
                "connected_on": ("Connected On",),
            },
            is_connection=True,
        ),
        Format(
            "google",
            "google",
            (_sig("First Name", "Last Name", "Labels"),),
            {
                "first_name": ("First Name",),
                "last_name": ("Last Name",),
                "email": (r"re:e mail \d+ value",),
                "phone": (r"re:phone \d+ value",),
                "company": ("Organization Name",),
                "title": ("Organization Title",),
                "tags": ("Labels",),
                "notes": ("Notes",),
                "birthday": ("Birthday",),
                "location": ("Address 1 - City", "Address 1 - Region", "Address 1 - Country"),
                "website": (r"re:website \d+ value",),
            },
            tag_separators=":::",
        ),
        Format(
            "google_legacy",
            "google",
            (_sig("Given Name", "Family Name", "Group Membership"),),
            {
                "full_name": ("Name",),
                "first_name": ("Given Name",),
                "last_name": ("Family Name",),
                "email": (r"re:e mail \d+ value",),
                "phone": (r"re:phone \d+ value",),
                "company": (r"re:organization \d+ name",),
                "title": (r"re:organization \d+ title",),
                "tags": ("Group Membership",),
                "notes": ("Notes",),
                "birthday": ("Birthday",),
                "location": ("Address 1 - City", "Address 1 - Region", "Address 1 - Country"),
                "website": (r"re:website \d+ value",),
            },
            tag_separators=":::",
        ),
        Format(
            "outlook_desktop",
            "outlook",
            (_sig("First Name", "Last Name", "E-mail Address", "E-mail Type"),),
            _OUTLOOK_EN,
            tag_separators=";",
        ),
        Format(
            "google_outlook",
            "google",
            (_sig("First Name", "Last Name", "E-mail Address", "Categories"),),
            _OUTLOOK_EN,
            tag_separators=";",
        ),
        Format(
            "outlook_com",
            "outlook",
            (_sig("First Name", "Last Name", "E-mail Address", "Job Title"),),
            _OUTLOOK_EN,
            tag_separators=";",
        ),
        Format(
            "outlook_de",
            "outlook",
            (_sig("Vorname", "Nachname"),),
            _OUTLOOK_DE,
            ";",
            dayfirst=True,
            dayfirst_why="as Outlook with German column names writes dates",
        ),
        Format(
            "outlook_fr",
            "outlook",
            (_sig("Prénom", "Nom"),),
            _OUTLOOK_FR,
            ";",
            dayfirst=True,
            dayfirst_why="as Outlook with French column names writes dates",
        ),
        Format(
            "salesforce_report",
            "salesforce",
            (_sig("Contact ID", "First Name", "Last Name"), _sig("Account Name", "Mailing City")),
            {
                "first_name": ("First Name",),
                "last_name": ("Last Name",),
                "email": ("Email",),
                "phone": ("Mobile", "Phone", "Home Phone", "Other Phone"),
                "company": ("Account Name",),
                "title": ("Title",),
                "notes": ("Description",),
                "birthday": ("Birthdate",),
                "location": ("Mailing City", "Mailing State/Province", "Mailing Country"),
            },
        ),
        Format(
            "salesforce_api",
            "salesforce",
            (
                _sig("FirstName", "LastName", "AccountId"),
                _sig("FirstName", "LastName", "MailingCity"),
            ),
            {
                "full_name": ("Name",),
                "first_name": ("FirstName",),
                "last_name": ("LastName",),
                "email": ("Email",),
                "phone": ("MobilePhone", "Phone", "HomePhone", "OtherPhone"),
                "company": ("Account.Name",),
                "title": ("Title",),
                "notes": ("Description",),
                "birthday": ("Birthdate",),
                "location": ("MailingCity", "MailingState", "MailingCountry"),
            },
        ),
        Format(
            "hubspot",
            "hubspot",
            (_sig("Record ID", "Email"), _sig("hs_object_id"), _sig("firstname", "jobtitle")),
            {
                "first_name": ("First Name", "firstname"),
                "last_name": ("Last Name", "lastname"),
                "email": ("Email", "email", "Additional email addresses", "hs_additional_emails"),
                "phone": ("Mobile Phone Number", "Phone Number", "mobilephone", "phone"),
                "company": ("Company Name", "Associated Company", "company"),
                "title": ("Job Title", "jobtitle"),
                "linkedin_url": ("LinkedIn URL", "hs_linkedin_url", "linkedin_url"),
                "birthday": ("Date of birth", "date_of_birth"),
                "location": ("City", "State/Region", "Country/Region", "city", "state", "country"),
                "website": ("Website URL", "website"),
            },
        ),
    )
}

_EXTRA_SYNONYMS = {
    "first_name": ("first", "firstname", "given name", "forename", "prenom", "nombre"),
    "last_name": ("last", "lastname", "surname", "family name", "apellido", "apellidos"),
    "full_name": ("name", "full name", "display name", "contact name", "contact", "fullname"),
    "email": ("email", "e mail", "email address", "mail", "work email", "personal email"),
    "phone": ("phone", "phone number", "mobile", "cell", "telephone", "tel", "work phone"),
    "company": ("organization", "organisation", "employer", "company name", "account"),
    "title": ("title", "job title", "position", "role", "job", "occupation"),
    "linkedin_url": ("linkedin", "linkedin url", "linkedin profile", "profile url", "linkedin"),
    "tags": ("tags", "tag", "labels", "categories", "groups", "group", "lists"),
    "notes": ("notes", "note", "comments", "comment", "description", "remarks"),
    "birthday": ("birthday", "date of birth", "dob", "birth date", "birthdate"),
    "location": ("location", "city", "town", "country", "region", "address", "state"),
    "website": ("website", "web page", "homepage", "site", "url", "web"),
}


def _synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for fmt in FORMATS.values():
        for name, specs in fmt.columns.items():
            if name not in FIELDS:
                continue
            for spec in specs:
                if not spec.startswith("re:") and spec != "|":
                    table.setdefault(header_key(spec), name)
    for name, words in _EXTRA_SYNONYMS.items():
        for word in words:
            table[header_key(word)] = name
    return table


SYNONYMS = _synonyms()
KNOWN_HEADERS = frozenset(SYNONYMS) | {
    header_key(spec)
    for fmt in FORMATS.values()
    for specs in fmt.columns.values()
    for spec in specs
    if not spec.startswith("re:")
}


class NeedsMapping(ImportRejected):
    """An unknown CSV layout: show the mapping screen with these columns and sample rows."""

    def __init__(self, header: list[str], samples: list[dict[str, str]], suggestion: dict[str, str], file=""):
        super().__init__("Which column holds what? This CSV layout is not one we know.", file=file)
        self.header = header
        self.samples = samples
        self.suggestion = suggestion


def detect_format(header: list[str]) -> str | None:
    """The known format whose signature columns all appear in the header, or None."""
    keys = {header_key(h) for h in header}
    for fmt in FORMATS.values():
        if any(sig <= keys for sig in fmt.signatures):
            return fmt.name
    return None


def suggest_mapping(header: list[str]) -> dict[str, str]:
    """{column: field} guessed from header synonyms; unknown columns map to "ignore"."""
    out = {}
    for column in header:
        key = header_key(column)
        loose = re.sub(r"\b(\d+|value|address|adresse)\b", " ", key)
        loose = " ".join(loose.replace(":", " ").split())
        out[column] = SYNONYMS.get(key) or SYNONYMS.get(loose) or _guess_by_words(loose)
    return out


# Words in a header no layout we know uses ("E-mail address (work)", "Complete name"), first
# match wins: a company's or a file's name is no person's name, so those come before "name",
# and a whole name ("Nom complet") before the first- and last-name words it holds ("nom").
_WORD_GUESSES = (
    (re.compile(r"linked ?in"), "linkedin_url"),
    (re.compile(r"e ?mail|courriel"), "email"),
    (re.compile(r"phone|mobile|\bcell|\btel\b|telefon|téléphone|portable"), "phone"),
    (re.compile(r"birth|geburtstag|anniversaire"), "birthday"),
    (re.compile(r"compan|organi[sz]ation|employer|firma|firm\b|société|entreprise|account name"), "company"),
    (re.compile(r"job|position|\brole\b|\btitle\b|poste|beruf"), "title"),
    (
        re.compile(
            r"\b(full|complete|display) ?name|\bnom (complet|entier)|vollständiger name|"
            r"\bnombre completo|\bnome completo|\bvolledige naam"
        ),
        "full_name",
    ),
    (re.compile(r"\b(first|given|fore) ?name|vorname|prénom"), "first_name"),
    (re.compile(r"\b(last|family|sur) ?name|nachname|\bnom\b"), "last_name"),
    (re.compile(r"\bnote|comment|bemerkung|remarque"), "notes"),
    (re.compile(r"\btags?\b|label|categor|group|étiquette|etiquette"), "tags"),
    (re.compile(r"\bname\b|\bcontact\b|\bperson\b"), "full_name"),
)


def _guess_by_words(key: str) -> str:
    return next((name for pattern, name in _WORD_GUESSES if pattern.search(key)), "ignore")


def _resolve(columns: dict[str, tuple[str, ...]], table: CsvTable) -> dict[str, list[int]]:
    """{field: column indices} of a known layout, -1 between `location` groups. Columns are
    matched by the name the file gives them, so a repeated name feeds a multi-value field twice."""
    repeated = table.duplicates
    keys = [header_key(repeated[i][0] if i in repeated else h) for i, h in enumerate(table.header)]
    plan: dict[str, list[int]] = {}
    for name, specs in columns.items():
        indices: list[int] = []
        for spec in specs:
            if spec == "|":
                indices.append(-1)
            elif spec.startswith("re:"):
                pattern = re.compile(spec[3:])
                indices += [i for i, k in enumerate(keys) if pattern.fullmatch(k)]
            else:
                indices += [i for i, k in enumerate(keys) if k == header_key(spec)]
        if name not in MULTI_VALUE_FIELDS:
            indices = [i for i in indices if i not in repeated]
        if any(i >= 0 for i in indices):
            plan[name] = indices
    return plan


def _repeated_columns(table: CsvTable, plan: dict[str, list[int]]) -> list[str]:
    """A notice per repeated column name: whether its later column was imported or ignored."""
    used = {i: name for name, indices in plan.items() for i in indices if i >= 0}
    notices = []
    for i, (name, _note) in sorted(table.duplicates.items()):
        where = f'column {i + 1} ("{table.header[i]}")'
        if i in used:
            notices.append(
                f'The column "{name}" appears more than once; the values of {where} were read'
                f" as {used[i].replace('_', ' ')} too."
            )
        else:
            notices.append(f'The column "{name}" appears more than once; {where} was ignored.')
    return notices


@dataclass
class CsvImport:
    """A CSV ready to import: its format, header, notices, and records on demand."""

    table: CsvTable
    format: str
    plan: dict[str, list[int]]
    fmt: Format
    dayfirst: bool = False
    notices: list[str] = field(default_factory=list)
    dates_chosen: bool = False  # `dayfirst` was picked for this file: it wins over the layout's
    # numeric birthdays that can only be read one way, by that way: how the file writes dates
    date_orders: Counter = field(default_factory=Counter)
    # rows with more fields than the header, read without them: (row, fields, the extra values)
    long_rows: list[tuple[int, int, list[str]]] = field(default_factory=list)
    # Rapport's own export: {row: the contact id it was exported from}
    own_ids: dict[int, int] = field(default_factory=dict)
    # Rapport's own export: {row: {OWN_VALUES name: value}} but is_connection (in the record)
    own_values: dict[int, dict[str, bool | float | int]] = field(default_factory=dict)

    @property
    def reads_dayfirst(self) -> bool:
        """How a birthday like 3/4/1980 is read: as chosen for this file, else as the layout
        writes dates (a French Outlook export), else as the owner's Settings say."""
        if self.dates_chosen or self.fmt.dayfirst is None:
            return self.dayfirst
        return self.fmt.dayfirst

    @property
    def date_order_why(self) -> str:
        """Why dates are read as they are, when the layout decided it ("as Outlook with French
        column names writes dates"); "" when the choice or the Settings did."""
        return "" if self.dates_chosen or self.fmt.dayfirst is None else self.fmt.dayfirst_why

    @property
    def header(self) -> list[str]:
        return self.table.header

    @property
    def mapping(self) -> dict[str, str]:
        """{column: field} in effect (columns not used map to "ignore")."""
        used = {i: name for name, indices in self.plan.items() for i in indices if i >= 0}
        return {col: used.get(i, "ignore") for i, col in enumerate(self.header)}

    def sample_rows(self, n: int = 5) -> list[dict[str, str]]:
        """The first n data rows as {column: value}, for the mapping screen."""
        out = []
        for row in self.table.rows(sentinels=self.fmt.sentinels):
            if isinstance(row, Skipped):
                continue
            out.append(dict(zip(self.header, row[1], strict=True)))
            if len(out) >= n:
                break
        return out

    def records(self) -> Iterator[PersonRecord | Skipped]:
        """One PersonRecord per data row, or Skipped with the row number and reason.

        Only the mapped cells of a row are trimmed and read (a Google export has 59 columns,
        most of them unmapped and empty); the whole row is looked at only when it holds nothing
        to import, to tell a blank row (left out silently) from one to report.
        """
        table = self.table
        file, width = table.file, len(table.header)
        sentinels, unescape = self.fmt.sentinels, self.fmt.unescape
        # (column, field) for every mapped column, in the plan's order within each field
        columns = [
            (i, name) for name, indices in self.plan.items() if name != "location" for i in indices if i >= 0
        ]
        location = self.plan.get("location")
        sentinel_first = _SENTINEL_FIRST
        csv.field_size_limit(MAX_FIELD)
        self.date_orders.clear()  # counted afresh by each read
        self.long_rows.clear()
        for number, raw in table.records():
            count = len(raw)
            extra: list[str] = []
            if count > width:
                # Read without the extra fields, which a notice names, rather than losing the
                # person (import-formats.md, CSV pitfalls: pad short rows, log long ones).
                extra = [v for v in (_cell(v, sentinels) for v in raw[width:]) if v]
                raw = raw[:width]
            elif count < width:
                raw = raw + [""] * (width - count)
            try:
                cells: dict[str, list[str]] = {}
                for i, name in columns:
                    if not (v := raw[i]):
                        continue
                    # _cell, inline: it runs on every mapped cell of every row
                    v = v.strip()
                    if sentinels and v[:1] in sentinel_first and v.casefold() in SENTINELS:
                        continue
                    if unescape and v:
                        v = unneutralize(v)
                    if not v:
                        continue
                    if (found := cells.get(name)) is None:
                        cells[name] = [v]
                    else:
                        found.append(v)
                place = _location(raw, location, sentinels, unescape) if location else ""
                record = self._record(number, cells, place)
            except Exception as exc:  # a bad row must not stop the import of the others
                if any(_cell(v, sentinels) for v in raw):
                    yield Skipped(file, number, f"could not be read ({exc})")
                continue
            if record is None:
                if extra or any(_cell(v, sentinels) for v in raw):  # else a blank row: not worth a word
                    yield Skipped(file, number, "no name, email, phone or LinkedIn URL")
                continue
            if extra:
                self.long_rows.append((number, count, extra))
            yield record

    def _record(self, number: int, cells: dict[str, list[str]], location: str) -> PersonRecord | None:
        """The record of one row's non-blank mapped cells; None when nothing identifies a person."""
        get = cells.get
        warnings: list[str] = []
        emails = phones = ()
        own = self.format == "rapport"
        if "email" in cells:
            # Our export joins values with "; " and escapes a ";" inside one; a comma still parts
            # two addresses typed into one cell.
            if own:
                found_emails, found = parse_emails(_own_values(cells["email"]), ",")
            else:
                found_emails, found = parse_emails(cells["email"])
            emails = tuple(found_emails)
            warnings += found
        if "phone" in cells:
            if own:
                found_phones, found = parse_phones(_own_values(cells["phone"]), None)
            else:
                found_phones, found = parse_phones(cells["phone"])
            phones = tuple(found_phones)
            warnings += found
        linkedin = website = ""
        if "linkedin_url" in cells or "website" in cells:
            if own:  # our own export: the website is whatever the owner typed
                linkedin, _, found = parse_urls(get("linkedin_url", _NONE), [])
                website = _first(get("website"))
            else:
                linkedin, website, found = parse_urls(get("linkedin_url", _NONE), get("website", _NONE))
            warnings += found
        read_name = _first if own else _name  # our own export gives back any name typed
        first = read_name(get("first_name"))
        last = read_name(get("last_name"))
        full = read_name(get("full_name"))
        if not (first or last or full or emails or phones or linkedin):
            return None
        source = self.fmt.source
        flags: dict[str, bool | float | int] = {}
        if own:
            if "id" in cells and cells["id"][0].isascii() and cells["id"][0].isdigit():
                self.own_ids[number] = int(cells["id"][0])
            if "source" in cells and _SOURCE_NAME.fullmatch(cells["source"][0]):
                source = cells["source"][0]  # where the contact first came from, not "rapport"
            for name in OWN_VALUES:
                if name in cells:
                    value, problem = _own_value(name, cells[name][0])
                    if problem:
                        warnings.append(problem)
                    else:
                        flags[name] = value
        values = {
            "source": source, "file": self.table.file, "row": number, "first_name": first,
            "last_name": last, "full_name": full, "linkedin_url": linkedin, "emails": emails,
            "phones": phones, "website": website, "location": location,
            "is_connection": self.fmt.is_connection,
        }  # fmt: skip
        if "company" in cells:
            values["company"] = _first(cells["company"])
        if "title" in cells:
            values["title"] = _first(cells["title"]) if own else parse_title(cells["title"])
        if "birthday" in cells:
            values["birthday"], found = parse_birthday(
                cells["birthday"][0], dayfirst=self.reads_dayfirst, orders=self.date_orders
            )
            warnings += found
        if "connected_on" in cells:
            connected = next((d for d in map(parse_date, cells["connected_on"]) if d), None)
            values["connected_on"] = connected
            values["is_connection"] = self.fmt.is_connection or (own and bool(connected))
        if own:
            if "is_connection" in flags:
                values["is_connection"] = bool(flags.pop("is_connection"))
            if flags:
                self.own_values[number] = flags
            else:
                self.own_values.pop(number, None)
        if "tags" in cells:
            tags = cells["tags"]
            values["tags"] = tuple(_own_tags(tags)) if own else tag_tuple(tags, self.fmt.tag_separators)
        if "notes" in cells:
            values["notes"] = "\n\n".join(fast_clean(n, NOTE_LIMIT) for n in cells["notes"])
        if "stage" in cells:
            values["stage"] = _first(cells["stage"])
        if warnings:
            values["warnings"] = tuple(warnings)
        return person_record(values)


def _cell(value: str, sentinels: bool, unescape: bool = False) -> str:
    """A cell as the importer reads it: trimmed, sentinel words ("N/A"...) blanked, and in our
    own export the formula guard taken off."""
    value = value.strip()
    if sentinels and value[:1] in _SENTINEL_FIRST and value.casefold() in SENTINELS:
        return ""
    return unneutralize(value) if unescape and value else value


def _location(raw: list[str], plan: list[int], sentinels: bool, unescape: bool) -> str:
    """City, region, country: the first group of columns with anything in it (groups split by -1)."""
    parts: list[str] = []
    for i in plan:
        if i < 0:
            if parts:
                break
            continue
        text = clean_name(_cell(raw[i], sentinels, unescape)) if raw[i] else ""
        if text and text not in parts:
            parts.append(text)
    return ", ".join(parts)


_NONE: list[str] = []


def _first(cells: list[str] | None) -> str:
    """The first non-blank cell of a field, as a one-line name-sized text."""
    return clean_name(cells[0]) if cells else ""


def _name(cells: list[str] | None) -> str:
    """A person's name from `_first`, "" when it holds no letter or digit (",,," or "-")."""
    if not cells:
        return ""
    value = cells[0]  # three a row, and names repeat: memoised as clean_name is (long ones not kept)
    return _short_name(value) if len(value) <= 200 else _short_name.__wrapped__(value)


@functools.lru_cache(maxsize=1 << 16)
def _short_name(value: str) -> str:
    name = clean_name(value)
    return name if any(c.isalnum() for c in name) else ""


def _own_value(name: str, text: str) -> tuple[bool | float | int, str]:
    """(value, "") of an OWN_VALUES cell of Rapport's export, or (0, why it was left out)."""
    word = text.strip().casefold()
    if name in ("value_deal", "value_referrals"):
        number = word.replace(",", "").replace("_", "")
        try:
            value = float(number) if number.isascii() else -1.0
        except ValueError:
            value = -1.0
        if name == "value_deal" and 0 <= value < float("inf"):
            return value, ""
        if name == "value_referrals" and 0 <= value < 1e9 and value.is_integer():
            return int(value), ""
        kind = "a number" if name == "value_deal" else "a whole number"
        return 0, f"{name} {clean_name(text)[:40]!r} is not {kind} of 0 or more; left out"
    if word in _YES:
        return True, ""
    if word in _NO:
        return False, ""
    return False, f"{name} {clean_name(text)[:40]!r} is not yes or no; left out"


def _own_values(cells: list[str]) -> list[str]:
    """The values of Rapport export cells that hold several (spreadsheet.join_values)."""
    return [value for cell in cells for value in split_joined(cell)]


def _own_tags(values: list[str]) -> list[str]:
    """Tags of a Rapport export: split where the export joined them, none of Google's label rules."""
    tags: list[str] = []
    for part in _own_values(values):
        tag = clean_name(part)
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def parse_csv(
    data: bytes,
    filename: str,
    *,
    format: str = "auto",
    mapping: dict[str, str] | None = None,
    dayfirst: bool = False,
    dates_chosen: bool = False,
) -> CsvImport:
    """Read a contact CSV; raises NeedsMapping for unknown layouts without a mapping.

    `dayfirst` reads birthdays like 3/4/1980; unless `dates_chosen` (picked for this file), a
    layout that tells how it writes dates (Outlook in French or German) overrides it.
    """
    table = read_table(data, filename, KNOWN_HEADERS, keep_long_rows=True)
    repeated = {note for _name, note in table.duplicates.values()}
    notices = [n for n in table.notices if n not in repeated]  # said again once the plan is known
    if mapping is not None:
        plan: dict[str, list[int]] = {}
        for column, name in mapping.items():
            if name not in FIELDS:
                raise ImportRejected(f'"{name}" is not a field we can import into.', file=filename)
            if column not in table.header:
                notices.append(f'The mapping names a column "{column}" the file does not have.')
            elif name != "ignore":
                plan.setdefault(name, []).append(table.header.index(column))
        if not USEFUL_FIELDS & plan.keys():
            raise ImportRejected(
                "Map at least one column to a name, email, phone or LinkedIn URL.", file=filename
            )
        fmt = Format("custom", "csv", (), {})
        notices += _repeated_columns(table, plan)
        return CsvImport(table, "custom", plan, fmt, dayfirst, notices, dates_chosen)
    name = detect_format(table.header) if format == "auto" else format
    if name is None:
        samples = CsvImport(table, "", {}, Format("", "", (), {})).sample_rows(5)
        raise NeedsMapping(table.header, samples, suggest_mapping(table.header), file=filename)
    if name not in FORMATS:
        raise ImportRejected(f'"{name}" is not a CSV format we know.', file=filename)
    fmt = FORMATS[name]
    plan = _resolve(fmt.columns, table)
    if not USEFUL_FIELDS & plan.keys():
        raise ImportRejected(f"This file does not look like a {name} export.", file=filename)
    notices += _repeated_columns(table, plan)
    return CsvImport(table, name, plan, fmt, dayfirst, notices, dates_chosen)
