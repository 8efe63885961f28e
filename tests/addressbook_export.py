"""A small deterministic address-book export builder (Google CSV, Outlook CSV, vCard) for tests
and the import benchmarks.

`build(kind, contacts, known, seed)` returns the file bytes and a truth dict: which rows share an
email, phone or LinkedIn URL with a `Known` person (so they must match), which share only a name
(so they must not), which repeat an earlier row, which hold nothing importable, and which cards
are company cards.
"""

from __future__ import annotations

import csv
import io
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

FIRST = (
    "Ada Omar Ana José Priya Lars Zoë Mateo Ines Emeka Sara Hiro Chloé Arjun Noor Tomás Björn Mia "
    "Kwame Yuki Léa Ivan Fatima Jonas Aiko Rafael Siobhan Łukasz Camila Dmitri"
).split()
LAST = (
    "Lovelace Becker Jansen Fernández Wójcik Schmidt Okafor Ivanova Gonzalez Smith Dubois Olsen "
    "Haddad Müller Brennan Rossi Kowalski Nakamura Mensah Ødegaard Petrov O'Connor Nguyen Patel"
).split()
COMPANIES = (
    "Acme", "Globex", "Initech", "Umbrella Labs", "Contoso, Ltd.", "Lantern Bio AB",
    "Polaris Systems S.A.", "Cedar Logistics, Inc.", "Helix Labs", "Redwood Partners GmbH",
    "Zenith Capital", "Vertex Energy GmbH", "Lighthouse Partners", "Sterling Robotics",
)  # fmt: skip
TITLES = (
    "VP Sales", "CMO", "CFO", "Account Executive", "Head of IT", "Founder", "Engineer",
    "Director of Demand Generation", "Sales Development Representative", "Data Scientist",
)  # fmt: skip
CITIES = (("Berlin", "", "Germany"), ("Austin", "TX", "USA"), ("Lyon", "", "France"),
          ("Osaka", "", "Japan"), ("Toronto", "ON", "Canada"))  # fmt: skip
LABELS = ("Friends", "Customers", "Conference 2025", "coworkers", "Family")
NOTES = (
    "Met at SaaStr 2025.\nInterested in the analytics add-on.",
    'Said "call me after the board meeting"; budget in Q3, maybe.',
    "Intro via Ana, prefers email.",
    '=HYPERLINK("http://evil.example","click")',
    "Merci beaucoup, à bientôt ! 🎉",
)
GOOGLE_HEADER = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,"
    "Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,"
    "Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,"
    "E-mail 2 - Label,E-mail 2 - Value,E-mail 3 - Label,E-mail 3 - Value,E-mail 4 - Label,"
    "E-mail 4 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,"
    "Phone 3 - Label,Phone 3 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,"
    "Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,"
    "Address 1 - Country,Address 1 - Extended Address,Address 2 - Label,Address 2 - Formatted,"
    "Address 2 - Street,Address 2 - City,Address 2 - PO Box,Address 2 - Region,"
    "Address 2 - Postal Code,Address 2 - Country,Address 2 - Extended Address,Website 1 - Label,"
    "Website 1 - Value,Website 2 - Label,Website 2 - Value,Event 1 - Label,Event 1 - Value,"
    "Event 2 - Label,Event 2 - Value,Event 3 - Label,Event 3 - Value"
).split(",")
OUTLOOK_HEADER = (
    "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,Business Street,"
    "Business City,Business State,Business Postal Code,Business Country/Region,Home City,"
    "Home Country/Region,Business Phone,Home Phone,Mobile Phone,Other Phone,Birthday,Categories,"
    "E-mail Address,E-mail Type,E-mail Display Name,E-mail 2 Address,E-mail 2 Type,Gender,Notes,"
    "Priority,Private,Sensitivity,Web Page"
).split(",")
PHOTO = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0a" * 40


@dataclass(frozen=True)
class Known:
    """A person already in the database that an export may share keys or a name with."""

    key: int | str
    first: str
    last: str
    email: str = ""
    phone: str = ""
    url: str = ""
    company: str = ""


@dataclass
class Person:
    """One row or card of the export."""

    first: str = ""
    last: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    url: str = ""
    company: str = ""
    title: str = ""
    birthday: tuple[int | None, int, int] | None = None  # (year or None, month, day)
    notes: str = ""
    labels: list[str] = field(default_factory=list)
    city: tuple[str, str, str] | None = None
    photo: bool = False
    company_card: bool = False


def _phone_variant(phone: str) -> str:
    """The same number written the way another address book would (same digits, same +)."""
    digits = "".join(c for c in phone if c.isdigit())
    if phone.startswith("+") and len(digits) >= 8:
        return f"+{digits[:-7]} ({digits[-7:-4]}) {digits[-4:]}"
    return phone


_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "ß": "ss"})


def _ascii(text: str) -> str:
    """Lower-case ASCII as people type it into addresses (accents and apostrophes dropped)."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_UNDECOMPOSED))
    text = text.encode("ascii", "ignore").decode()
    return text.replace(" ", "").replace("'", "")


def people(contacts: int, known: Sequence[Known] = (), seed: int = 1, share: float = 0.2):
    """(persons, truth) for an export of `contacts` people; about `share` of them are Known people.

    Truth rows here are indexes into the persons list; build() turns them into file rows.
    """
    rng = random.Random(seed)
    pool = list(known)
    rng.shuffle(pool)
    truth: dict = {"overlap": [], "name_only": [], "duplicates": [], "empty": [], "company_cards": []}
    out: list[Person] = []
    plain: list[int] = []  # new people with an email of their own, which a later row may repeat
    for i in range(contacts):
        roll = rng.random()
        first, last = rng.choice(FIRST), rng.choice(LAST)
        domain = _ascii(rng.choice(COMPANIES).split(",")[0].split()[0])
        p = Person(first, last, company=rng.choice(COMPANIES), title=rng.choice(TITLES))
        p.emails.append(f"{_ascii(f'{first}.{last}.{i}')}@{domain}.example")
        if roll < share and pool:
            k = pool.pop()
            p.first, p.last, p.emails = k.first, k.last, []
            keys = [name for name, value in (("linkedin_url", k.url), ("email", k.email),
                                             ("phone", k.phone)) if value]  # fmt: skip
            on = rng.choice(keys) if keys else ""
            if on == "linkedin_url":
                p.url = k.url
            elif on == "email":  # some address books keep the capitals someone typed
                p.emails.append(k.email.upper() if rng.random() < 0.2 else k.email)
            elif on == "phone":
                p.phones.append(_phone_variant(k.phone))
            if rng.random() < 0.5:  # an address the database does not have yet
                p.emails.append(f"{_ascii(k.first)}.{i}@home.example")
            if on:
                p.company = k.company if k.company and rng.random() < 0.7 else p.company
                truth["overlap"].append({"row": i, "key": k.key, "on": on})
            else:
                truth["name_only"].append({"row": i, "key": k.key})
        elif roll < share + 0.03 and pool:
            k = pool.pop()  # the same name as a known person and nothing else: never merged
            p.first, p.last = k.first, k.last
            p.emails = [f"{_ascii(f'{k.first}.{k.last}.{i}')}@{domain}.example"]
            truth["name_only"].append({"row": i, "key": k.key})
        elif roll < share + 0.035 and plain:
            j = rng.choice(plain)  # the same person again further down the file
            p.emails = [out[j].emails[0]]
            truth["duplicates"].append({"row": i, "first_row": j})
        elif roll < share + 0.04:
            p = Person(notes="Spoke at the meetup, no card")  # nothing to import this by
            truth["empty"].append(i)
        elif roll < share + 0.045:
            p = Person(company=rng.choice(COMPANIES), company_card=True)
            truth["company_cards"].append(i)
        else:
            plain.append(i)
        if p.first:
            if rng.random() < 0.6:
                p.phones.append(f"+1 415-{i // 10000:03d}-{i % 10000:04d}")
            if rng.random() < 0.25:
                p.emails.append(f"{_ascii(p.first)}{i}@{domain}-private.example")
            if rng.random() < 0.15 and not p.url:
                p.url = f"https://www.linkedin.com/in/{_ascii(f'{p.first}-{p.last}')}-{i:05x}"
            if rng.random() < 0.1:
                year = rng.choice((None, rng.randrange(1950, 2000)))
                p.birthday = (year, rng.randrange(1, 13), rng.randrange(1, 29))
            if rng.random() < 0.2:
                p.notes = rng.choice(NOTES)
            if rng.random() < 0.3:
                p.labels = rng.sample(LABELS, rng.randrange(1, 3))
            if rng.random() < 0.4:
                p.city = rng.choice(CITIES)
            p.photo = rng.random() < 0.02
        out.append(p)
    return out, truth


def _csv(header: Sequence[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def google_csv(persons: Sequence[Person]) -> tuple[bytes, list[int]]:
    """The current Google Contacts layout (BOM, `* ` labels, ` ::: ` multi-value cells), and the
    file row of each person (the header is row 1)."""
    at = {name: i for i, name in enumerate(GOOGLE_HEADER)}
    rows: list[list[str]] = []
    numbers = []
    for n, p in enumerate(persons):
        row = [""] * len(GOOGLE_HEADER)
        numbers.append(len(rows) + 2)
        if p.company_card:
            row[at["Organization Name"]] = p.company
            row[at["Labels"]] = "* myContacts"
            rows.append(row)
            continue
        row[at["First Name"]], row[at["Last Name"]] = p.first, p.last
        row[at["Organization Name"]], row[at["Organization Title"]] = p.company, p.title
        if p.birthday:
            year, month, day = p.birthday
            row[at["Birthday"]] = f"{year}-{month:02d}-{day:02d}" if year else f" --{month:02d}-{day:02d}"
        row[at["Notes"]] = p.notes
        row[at["Labels"]] = " ::: ".join(["* myContacts", *p.labels, *(["* starred"] if n % 9 == 0 else [])])
        emails = list(p.emails)
        if len(emails) > 2 and n % 2:  # Google sometimes puts two values in one cell
            emails = [emails[0], " ::: ".join(emails[1:])]
        for j, email in enumerate(emails[:4], start=1):
            row[at[f"E-mail {j} - Label"]] = "* Work" if j == 1 else "Home"
            row[at[f"E-mail {j} - Value"]] = email
        phones = [" ::: ".join(p.phones)] if len(p.phones) > 1 and n % 3 == 0 else p.phones
        for j, phone in enumerate(phones[:3], start=1):
            row[at[f"Phone {j} - Label"]], row[at[f"Phone {j} - Value"]] = "Mobile", phone
        if p.city:
            city, region, country = p.city
            row[at["Address 1 - Label"]] = "Work"
            row[at["Address 1 - Formatted"]] = f"{city}\n{region + ' ' if region else ''}{country}"
            row[at["Address 1 - City"]], row[at["Address 1 - Region"]] = city, region
            row[at["Address 1 - Country"]] = country
        if p.url:
            row[at["Website 1 - Label"]], row[at["Website 1 - Value"]] = "LinkedIn", p.url
        rows.append(row)
        if n % 500 == 250:
            rows.append([""] * len(GOOGLE_HEADER))  # blank rows do occur; they are not contacts
    return _csv(GOOGLE_HEADER, rows), numbers


def outlook_csv(persons: Sequence[Person]) -> tuple[bytes, list[int]]:
    """Classic Outlook desktop layout (`0/0/00` empty birthdays, `;`-separated categories)."""
    at = {name: i for i, name in enumerate(OUTLOOK_HEADER)}
    rows = []
    for p in persons:
        row = [""] * len(OUTLOOK_HEADER)
        row[at["First Name"]], row[at["Last Name"]] = p.first, p.last
        row[at["Company"]], row[at["Job Title"]] = p.company, "" if p.company_card else p.title
        for column, phone in zip(("Mobile Phone", "Business Phone", "Home Phone"), p.phones, strict=False):
            row[at[column]] = phone
        for j, email in enumerate(p.emails[:2]):
            prefix = "E-mail" if j == 0 else "E-mail 2"
            row[at[f"{prefix} Address"]], row[at[f"{prefix} Type"]] = email, "SMTP"
        if j := p.birthday:
            year, month, day = j
            row[at["Birthday"]] = f"{month}/{day}/{year}" if year else "0/0/00"
        else:
            row[at["Birthday"]] = "0/0/00"
        row[at["Categories"]] = ";".join(p.labels)
        row[at["Notes"]], row[at["Gender"]] = p.notes, "Unspecified"
        row[at["Priority"]], row[at["Private"]], row[at["Sensitivity"]] = "Normal", "False", "Normal"
        if p.city:
            row[at["Business City"]], row[at["Business State"]] = p.city[0], p.city[1]
            row[at["Business Country/Region"]] = p.city[2]
        row[at["Web Page"]] = p.url
        rows.append(row)
    return _csv(OUTLOOK_HEADER, rows), list(range(2, len(rows) + 2))


def _escape(text: str, structured: bool = False) -> str:
    text = text.replace("\\", "\\\\").replace("\n", "\\n").replace(",", "\\,")
    return text.replace(";", "\\;") if structured or ";" in text else text


def _fold(line: str, width: int = 75) -> list[str]:
    """RFC 6350 folding: continuation lines start with one space."""
    if len(line) <= width:
        return [line]
    out = [line[:width]]
    for at in range(width, len(line), width - 1):
        out.append(" " + line[at : at + width - 1])
    return out


def _qp(text: str) -> str:
    """Quoted-printable (vCard 2.1), soft line breaks every 73 characters."""
    encoded = "".join(chr(b) if 32 < b < 127 and b != 61 else f"={b:02X}" for b in text.encode("utf-8"))
    lines, line = [], ""
    for token in (encoded[i : i + 3] if encoded[i] == "=" else encoded[i] for i in _qp_starts(encoded)):
        if len(line) + len(token) > 73:
            lines.append(line + "=")
            line = ""
        line += token
    return "\r\n".join([*lines, line])


def _qp_starts(encoded: str):
    i = 0
    while i < len(encoded):
        yield i
        i += 3 if encoded[i] == "=" else 1


def _bday(p: Person, version: str) -> str | None:
    if not p.birthday:
        return None
    year, month, day = p.birthday
    if version == "3.0":
        if year:
            return f"BDAY;VALUE=date:{year}-{month:02d}-{day:02d}"
        return f"BDAY;X-APPLE-OMIT-YEAR=1604:1604-{month:02d}-{day:02d}"
    if version == "4.0":
        return f"BDAY:{year}{month:02d}{day:02d}" if year else f"BDAY:--{month:02d}{day:02d}"
    return f"BDAY:{year or 1604}-{month:02d}-{day:02d}"


def _apple(p: Person) -> list[str]:
    lines = ["VERSION:3.0", "PRODID:-//Apple Inc.//iPhone OS 17.5.1//EN"]
    if p.company_card:
        org = _escape(p.company, structured=True)
        return [*lines, "N:;;;;", f"FN:{_escape(p.company)}", f"ORG:{org};", "X-ABShowAs:COMPANY"]
    lines += [
        f"N:{_escape(p.last, True)};{_escape(p.first, True)};;;",
        f"FN:{_escape(p.first + ' ' + p.last)}",
    ]
    if p.company:
        lines.append(f"ORG:{_escape(p.company, structured=True)};")
    if p.title:
        lines.append(f"TITLE:{_escape(p.title)}")
    for j, email in enumerate(p.emails, start=1):
        if j == 1:
            lines.append(f"item{j}.EMAIL;type=INTERNET;type=pref:{email}")
            lines.append(f"item{j}.X-ABLabel:_$!<Other>!$_")
        else:
            lines.append(f"EMAIL;type=INTERNET;type=HOME:{email}")
    for j, phone in enumerate(p.phones):
        lines.append(f"TEL;type=CELL;type=VOICE{';type=pref' if j == 0 else ''}:{phone}")
    if p.city:
        city, region, country = p.city
        lines.append(f"item9.ADR;type=WORK:;;;{city};{region};;{country}")
        lines.append("item9.X-ABADR:us")
    if p.url:
        lines.append(f"X-SOCIALPROFILE;type=linkedin:{p.url}")
    if p.labels:
        lines.append("CATEGORIES:" + ",".join(_escape(label) for label in p.labels))
    if bday := _bday(p, "3.0"):
        lines.append(bday)
    if p.notes:
        lines.append(f"NOTE:{_escape(p.notes)}")
    if p.photo:
        lines.append(f"PHOTO;ENCODING=b;TYPE=JPEG:{PHOTO}")
    return lines


def _google4(p: Person) -> list[str]:
    lines = ["VERSION:4.0"]
    if p.company_card:
        return [*lines, f"FN:{_escape(p.company)}", f"ORG:{_escape(p.company, structured=True)}", "KIND:org"]
    lines += [
        f"FN:{_escape(p.first + ' ' + p.last)}",
        f"N:{_escape(p.last, True)};{_escape(p.first, True)};;;",
    ]
    for email in p.emails:
        lines.append(f"EMAIL;TYPE=work:{email}")
    for phone in p.phones:
        lines.append(f"TEL;VALUE=uri;TYPE=cell:tel:{phone.replace(' ', '-')}")
    if p.company:
        lines.append(f"ORG:{_escape(p.company, structured=True)}")
    if p.title:
        lines.append(f"TITLE:{_escape(p.title)}")
    if p.url:
        lines.append(f"URL;TYPE=linkedin:{p.url}")
    if bday := _bday(p, "4.0"):
        lines.append(bday)
    if p.notes:
        lines.append(f"NOTE:{_escape(p.notes)}")
    if p.labels:
        lines.append("CATEGORIES:" + ",".join(_escape(label) for label in p.labels))
    return lines


def _android21(p: Person) -> list[str]:
    lines = ["VERSION:2.1"]
    if p.company_card:
        return [*lines, f"ORG:{p.company}"]
    name = f"{p.last};{p.first};;;"
    if name.isascii():
        lines += [f"N:{name}", f"FN:{p.first} {p.last}"]
    else:
        lines.append(f"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{_qp(name)}")
        lines.append(f"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{_qp(p.first + ' ' + p.last)}")
    for phone in p.phones:
        lines.append(f"TEL;CELL:{phone}")
    for email in p.emails:
        lines.append(f"EMAIL;HOME:{email}")
    if p.company:
        lines.append(f"ORG:{p.company}")
    if p.url:
        lines.append(f"URL:{p.url}")
    if bday := _bday(p, "2.1"):
        lines.append(bday)
    if p.notes:
        lines.append(f"NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{_qp(p.notes)}")
    return lines


def vcard(persons: Sequence[Person]) -> tuple[bytes, list[int]]:
    """Cards mixed as a real merged address book: Apple 3.0 (grouped items, photos, company
    cards), Google 4.0 and Android 2.1 with quoted-printable; folded lines, CRLF. A card's
    "row" is its number in the file."""
    out: list[str] = []
    for n, p in enumerate(persons):
        style = n % 10
        body = _android21(p) if style == 9 else _google4(p) if style >= 7 else _apple(p)
        out.append("BEGIN:VCARD")
        for line in body:
            if "QUOTED-PRINTABLE" in line.split(":", 1)[0]:
                out.append(line)  # already soft-broken
            else:
                out.extend(_fold(line))
        out.append("END:VCARD")
    return ("\r\n".join(out) + "\r\n").encode("utf-8"), list(range(1, len(persons) + 1))


WRITERS = {"google": google_csv, "outlook": outlook_csv, "vcard": vcard}


def build(kind: str, contacts: int, known: Sequence[Known] = (), seed: int = 1, share: float = 0.2):
    """(file bytes, truth) for a `kind` export ("google", "outlook" or "vcard").

    truth: overlap [{row, key, on}] must update the Known person `key` (matched on `on`);
    name_only [{row, key}] must become new contacts; duplicates [{row, first_row}] repeat an
    earlier row's person; skipped [row] hold nothing importable; company_cards [row] (vCard;
    a CSV skips them); created: how many new contacts an import into the Known database makes.
    """
    persons, found = people(contacts, known, seed, share)
    data, rows = WRITERS[kind](persons)
    cards = [rows[i] for i in found["company_cards"]]
    truth = {
        "kind": kind,
        "people": contacts,
        "overlap": [{**o, "row": rows[o["row"]]} for o in found["overlap"]],
        "name_only": [{**o, "row": rows[o["row"]]} for o in found["name_only"]],
        "duplicates": [
            {"row": rows[d["row"]], "first_row": rows[d["first_row"]]} for d in found["duplicates"]
        ],
        "skipped": sorted([rows[i] for i in found["empty"]] + ([] if kind == "vcard" else cards)),
        "company_cards": cards if kind == "vcard" else [],
    }
    truth["created"] = (
        contacts - len(truth["overlap"]) - len(truth["duplicates"]) - len(found["empty"]) - len(cards)
    )
    return data, truth
