"""Rapport's own CSV read back: values holding ";" stay whole, a re-import into the same database
changes nothing (the id column names each row's contact), and each contact keeps its source."""

from __future__ import annotations

import csv
import io

from crm import create_app, migrations
from crm.db import db
from crm.models import Contact, ContactEmail, ContactPhone
from crm.services import addressbook_import, contacts, csv_export, imports
from importers.spreadsheet import RAPPORT_COLUMNS
from tests.imports.conftest import dump
from tests.imports.test_bad_input_and_cli import invoke

GOOGLE = (
    "First Name,Last Name,Organization Name,Labels,E-mail 1 - Value,Phone 1 - Value\n"
    "=cmd,+Plus,-Minus Co,=tag1 ::: +tag2 ::: tag;semi ::: C:\\temp\\;x,f1@x.example,+1 555 0001\n"
    "Ann,Lee,,golf,ann@x.example,\n"
)
VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Broken;;;;\r\nFN:Broken\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Zed;Zoe;;;\r\nFN:Zoe Zed\r\nCATEGORIES:friends\r\nEND:VCARD\r\n"
)


def load(text: str, name: str, kind: str = "csv", **kw):
    return imports.commit(addressbook_import.planner(text.encode(), name, name, kind=kind, **kw))


def address_book() -> None:
    """A Google CSV and a vCard file imported, and a contact with a ";" in an email and a phone."""
    load(GOOGLE, "google.csv")
    load(VCARD, "cards.vcf", kind="vcard")
    ann = Contact.get(Contact.first_name == "Ann")
    ContactEmail.create(contact=ann, email="semi;colon@x.example", position=1)
    ContactPhone.create(contact=ann, phone="+1 555 0100;ext=2", phone_key="155501002", position=0)


def rows_without_ids() -> list[tuple]:
    return sorted(tuple((k, v) for k, v in r.items() if k != "id") for r in csv_export.contact_rows())


def test_values_with_semicolons_and_backslashes_survive_the_round_trip_with_their_source(app, tmp_path):
    with app.app_context():
        db.connect(reuse_if_open=True)
        address_book()
        original = rows_without_ids()
        db.close()
    assert invoke(app, "export", "csv", str(tmp_path / "out")).exit_code == 0
    exported = tmp_path / "out" / "contacts.csv"
    cells = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig"), newline="")))
    cmd = next(c for c in cells if c["first_name"] == "'=cmd")  # still neutralised for spreadsheets
    assert cmd["tags"] == "'+tag2; =tag1; C:\\\\temp\\\\\\;x; tag\\;semi"
    assert cmd["last_name"] == "'+Plus"

    fresh_path = tmp_path / "fresh" / "rapport.sqlite3"
    fresh_path.parent.mkdir()
    migrations.migrate(str(fresh_path))
    fresh = create_app(
        {"TESTING": True, "DATA_DIR": str(fresh_path.parent), "DATABASE": str(fresh_path),
         "SECRET_KEY": "test-secret-key-0123456789abcdef", "TIMEZONE": "UTC"}
    )  # fmt: skip
    result = invoke(fresh, "import", "csv", str(exported), "--format", "rapport")
    assert result.exit_code == 0, result.output
    with fresh.app_context():
        db.connect(reuse_if_open=True)
        copied = rows_without_ids()
        sources = {c.full_name: c.source for c in Contact.select()}
        db.close()
    assert copied == original
    assert sources == {"=cmd +Plus": "google", "Ann Lee": "google", "Broken": "vcard", "Zoe Zed": "vcard"}
    tags = dict(next(r for r in copied if ("full_name", "=cmd +Plus") in r))["tags"]
    assert tags == ["+tag2", "=tag1", "C:\\temp\\;x", "tag;semi"]


def test_an_export_made_before_values_were_escaped_reads_as_it_did(database):
    values = {name: "" for name in RAPPORT_COLUMNS}
    values.update(
        id="7", first_name="Old", last_name="Export", full_name="Old Export", stage="lead", source="Made up!",
        emails="old@x.example; other@x.example", phones="+1 555 0002; 020 7946 0000", tags="C:\\temp; golf",
    )  # fmt: skip
    buffer = io.StringIO()
    csv.writer(buffer).writerows([RAPPORT_COLUMNS, [values[n] for n in RAPPORT_COLUMNS]])
    _run, report = load(buffer.getvalue(), "old.csv", format="rapport")
    assert report.contacts["created"] == 1
    old = Contact.get(Contact.full_name == "Old Export")
    assert contacts.emails_of(old) == ["old@x.example", "other@x.example"]
    assert contacts.phones_of(old) == ["+1 555 0002", "020 7946 0000"]
    assert contacts.tags_for([old.id])[old.id] == ["C:\\temp", "golf"]
    assert old.source == "rapport"  # not a source name: where it came from is this file


def test_reimporting_a_rapport_export_into_the_same_database_changes_nothing(database, app):
    address_book()
    before = dump(app.config["CRM"]["DATABASE"])
    _run, report = load(csv_export.export_text(), "contacts.csv", format="rapport")
    assert (report.contacts["created"], report.contacts["updated"], report.contacts["unchanged"]) == (0, 0, 4)
    assert not report.skipped and not report.conflicts
    assert dump(app.config["CRM"]["DATABASE"]) == before
    _run, auto = load(csv_export.export_text(), "contacts.csv")  # the format found by its columns
    assert (auto.contacts["created"], auto.contacts["unchanged"]) == (0, 4)


def test_a_row_is_its_exported_contact_only_while_that_contact_is_live_and_so_named(database):
    address_book()
    text = csv_export.export_text()
    broken = Contact.get(Contact.full_name == "Broken")
    zoe = Contact.get(Contact.full_name == "Zoe Zed")
    Contact.update(full_name="Mended", name_key="mended", last_name="Mended").where(
        Contact.id == broken.id
    ).execute()
    contacts.delete_contact(zoe)
    _run, report = load(text, "contacts.csv", format="rapport")
    # another name at Broken's id and Zoe in the trash: both new, as names alone never match
    assert (report.contacts["created"], report.contacts["unchanged"]) == (2, 2)
    assert Contact.select().where(Contact.full_name == "Broken", Contact.deleted_at.is_null()).count() == 1
    assert Contact.select().where(Contact.full_name == "Zoe Zed", Contact.deleted_at.is_null()).count() == 1
    assert Contact.get_by_id(broken.id).full_name == "Mended"


def test_a_row_without_its_id_is_matched_as_usual(database):
    address_book()
    rows = list(csv.reader(io.StringIO(csv_export.export_text().lstrip("\ufeff"), newline="")))
    for row in rows[1:]:
        row[0] = ""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    _run, report = load(buffer.getvalue(), "contacts.csv", format="rapport")
    # the two with an email match on it; Broken and Zoe have nothing but a name
    assert (report.contacts["created"], report.contacts["unchanged"]) == (2, 2)
