"""Rapport's CSV export read back into a fresh database: whether a contact is (still) connected,
its relationship values, and two contacts that share an email all come back as they were."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from crm import create_app, migrations
from crm.db import db
from crm.models import Contact, ContactEmail
from crm.services import addressbook_import, contacts, imports
from importers.spreadsheet import RAPPORT_COLUMNS
from tests.imports.test_bad_input_and_cli import invoke

KEPT = (
    "connected_on", "is_connection", "connected", "value_deal", "value_referrals", "value_advocate",
    "value_feedback", "location",
)  # fmt: skip
# The columns of an export made before the connection flags and relationship values were added
OLD_COLUMNS = (
    "id", "first_name", "last_name", "full_name", "linkedin_url", "emails", "phones", "company", "title",
    "location", "website", "birthday", "tags", "stage", "notes", "connected_on", "source",
)  # fmt: skip


def person(name: str, email: str = "", tags: tuple[str, ...] = (), **values) -> Contact:
    first, last = name.split()
    contact = Contact.create(
        first_name=first, last_name=last, full_name=name, name_key=name.lower(), **values
    )
    if email:
        ContactEmail.create(contact=contact, email=email, position=0)
    contacts.set_tags(contact, list(tags))
    return contact


def people() -> None:
    """A connection who is no longer connected, one still connected with relationship values, a
    contact who never was one, and two people who share an office email."""
    person(
        "Gone Away", "gone@x.example", is_connection=True, connected=False, connected_on=dt.date(2020, 5, 1)
    )
    person(
        "Still Here", "here@x.example", is_connection=True, connected=True, connected_on=dt.date(2021, 2, 3),
        value_deal=12500.5, value_referrals=3, value_advocate=True, value_feedback=True,
    )  # fmt: skip
    person("Never Linked", "never@x.example", value_deal=400, value_feedback=True)
    person("Ann Office", "office@shared.example", ("golf",), location="Lisbon")
    person("Bo Office", "office@shared.example", ("chess",), location="Porto")


def snapshot() -> dict[str, tuple]:
    tags = contacts.tags_for([c.id for c in Contact.select()])
    return {
        c.full_name: (*(getattr(c, k) for k in KEPT), sorted(tags.get(c.id, [])), contacts.emails_of(c))
        for c in Contact.select().order_by(Contact.id)
    }


def fresh_app(tmp_path):
    path = tmp_path / "fresh" / "rapport.sqlite3"
    path.parent.mkdir()
    migrations.migrate(str(path))
    return create_app(
        {"TESTING": True, "DATA_DIR": str(path.parent), "DATABASE": str(path),
         "SECRET_KEY": "test-secret-key-0123456789abcdef", "TIMEZONE": "UTC"}
    )  # fmt: skip


def test_an_export_read_back_into_a_fresh_database_keeps_connections_values_and_shared_emails(app, tmp_path):
    with app.app_context():
        db.connect(reuse_if_open=True)
        people()
        original = snapshot()
        db.close()
    assert invoke(app, "export", "csv", str(tmp_path / "out")).exit_code == 0
    exported = tmp_path / "out" / "contacts.csv"
    header = next(csv.reader(io.StringIO(exported.read_text(encoding="utf-8-sig"), newline="")))
    assert {"is_connection", "connected", "value_deal", "value_referrals"} <= set(header)

    fresh = fresh_app(tmp_path)
    result = invoke(fresh, "import", "csv", str(exported), "--format", "rapport")
    assert result.exit_code == 0, result.output
    assert "same person" not in result.output
    with fresh.app_context():
        db.connect(reuse_if_open=True)
        copied = snapshot()
        db.close()
    assert copied == original
    assert copied["Gone Away"][1:3] == (True, False)  # a connection, no longer connected
    assert copied["Bo Office"][-2:] == (["chess"], ["office@shared.example"])


def test_the_browser_download_reads_back_the_same(client, app, tmp_path):
    with app.app_context():
        db.connect(reuse_if_open=True)
        people()
        original = snapshot()
        db.close()
    download = client.get("/contacts/export.csv")
    assert download.status_code == 200
    fresh = fresh_app(tmp_path)
    with fresh.app_context():
        db.connect(reuse_if_open=True)
        planner = addressbook_import.planner(download.data, "contacts.csv", "h", format="rapport")
        _run, report = imports.commit(planner)
        assert not report.skipped and report.contacts["created"] == 5
        assert snapshot() == original
        db.close()


def _write(columns, rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([columns, *rows])
    return buffer.getvalue().encode()


@pytest.mark.parametrize("columns", ["old", "blank"])
def test_an_export_without_the_new_columns_reads_as_before(database, columns):
    """An older export (or one whose new cells were emptied): a contact with a date connected is a
    connection and connected, one without is neither, and the relationship values are 0."""
    names = OLD_COLUMNS if columns == "old" else RAPPORT_COLUMNS
    rows = []
    for i, connected_on in ((1, "2020-05-01"), (2, "")):
        values = dict.fromkeys(names, "")
        values.update(id=str(i), first_name=f"P{i}", last_name="Q", full_name=f"P{i} Q", stage="lead")
        values.update(emails=f"p{i}@x.example", source="linkedin", connected_on=connected_on)
        rows.append([values[n] for n in names])
    _run, report = imports.commit(
        addressbook_import.planner(_write(names, rows), "old.csv", "h", format="rapport")
    )
    assert report.contacts["created"] == 2 and not report.notices
    one, two = Contact.get(Contact.first_name == "P1"), Contact.get(Contact.first_name == "P2")
    assert (one.is_connection, one.connected, one.connected_on) == (True, True, dt.date(2020, 5, 1))
    assert (two.is_connection, two.connected, two.connected_on) == (False, False, None)
    values = (one.value_deal, one.value_referrals, one.value_advocate, one.value_feedback)
    assert values == (0, 0, False, False)


def test_unreadable_values_are_left_out_with_a_warning(database):
    values = dict.fromkeys(RAPPORT_COLUMNS, "")
    values.update(id="4", first_name="Val", last_name="Ue", full_name="Val Ue", emails="v@x.example")
    values.update(connected="maybe", value_deal="lots", value_referrals="-2", value_advocate="yes")
    _run, report = imports.commit(
        addressbook_import.planner(
            _write(RAPPORT_COLUMNS, [[values[n] for n in RAPPORT_COLUMNS]]), "c.csv", "h", format="rapport"
        )
    )
    val = Contact.get(Contact.first_name == "Val")
    assert (val.connected, val.value_deal, val.value_referrals, val.value_advocate) == (False, 0, 0, True)
    notes = " ".join(report.notices)
    assert "c.csv, row 2: connected 'maybe' is not yes or no; left out" in notes
    assert "value_deal 'lots' is not a number of 0 or more; left out" in notes
    assert "value_referrals '-2' is not a whole number of 0 or more; left out" in notes


def test_rows_with_different_ids_are_different_people_but_match_contacts_already_here(database):
    """Into a database that has one of two people who share an email: the first row is that
    contact (matched as any import matches), the second a new contact, never "same person"; a
    row repeated with its own id is still the same person."""
    here = person("Ann Office", "office@shared.example", location="Lisbon")
    names = RAPPORT_COLUMNS
    rows = []
    for row_id, name, tag in ((40, "Ann Office", "golf"), (41, "Bo Office", "chess"), (41, "Bo Office", "")):
        values = dict.fromkeys(names, "")
        first, last = name.split()
        values.update(id=str(row_id), first_name=first, last_name=last, full_name=name, tags=tag)
        values.update(emails="office@shared.example", source="google", location="Porto")
        rows.append([values[n] for n in names])
    _run, report = imports.commit(
        addressbook_import.planner(_write(names, rows), "other.csv", "h", format="rapport")
    )
    assert [(s.row, s.reason) for s in report.skipped] == [(4, "same person as row 3")]
    assert (report.contacts["created"], report.contacts["updated"]) == (1, 1)
    assert contacts.tags_for([here.id])[here.id] == ["golf"]
    assert Contact.get_by_id(here.id).location == "Lisbon"  # filled in fields are never overwritten
    bo = Contact.get(Contact.first_name == "Bo")
    assert (bo.location, contacts.tags_for([bo.id])[bo.id]) == ("Porto", ["chess"])
    assert contacts.emails_of(bo) == ["office@shared.example"]
