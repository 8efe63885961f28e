"""The address-book export builder (tests/addressbook_export.py) against the real import: every
row its truth says must match, stay apart, repeat or be skipped does so in all three formats."""

from __future__ import annotations

import pytest

from crm.models import Contact, ContactEmail, ContactPhone, ImportChange
from crm.services import addressbook_import, imports, matching
from importers.base import PersonRecord, normalize_phone
from tests.addressbook_export import Known, build
from tests.imports.conftest import dump


def known_people(n: int) -> list[Known]:
    """n existing contacts, each with some of a LinkedIn URL, an email and a phone."""
    people = []
    for i in range(n):
        contact = Contact.create(
            first_name="Ana", last_name=f"Known{i}", full_name=f"Ana Known{i}", name_key=f"ana known{i}",
            linkedin_url=f"https://www.linkedin.com/in/known-{i}" if i % 3 else None,
        )  # fmt: skip
        email = f"ana.known{i}@old.example" if i % 4 else ""
        phone = f"+1 555 000 {i:04d}" if i % 2 else ""
        if email:
            ContactEmail.create(contact=contact, email=email, position=0)
        if phone:
            ContactPhone.create(contact=contact, phone=phone, phone_key=normalize_phone(phone), position=0)
        people.append(Known(contact.id, "Ana", f"Known{i}", email, phone, contact.linkedin_url or ""))
    return people


@pytest.mark.parametrize("kind", ["google", "outlook", "vcard"])
def test_every_row_lands_where_its_truth_says(database, app, kind):
    known = known_people(80)
    data, truth = build(kind, 300, known, seed=5, share=0.2)
    assert len(truth["overlap"]) > 40 and truth["name_only"] and truth["duplicates"]
    assert {o["on"] for o in truth["overlap"]} == {"email", "phone", "linkedin_url"}
    name = "book.vcf" if kind == "vcard" else f"{kind}.csv"
    planner = addressbook_import.planner(data, name, "h", kind="vcard" if kind == "vcard" else "csv")
    run, report = imports.commit(planner)

    assert report.contacts["created"] == truth["created"]
    assert report.contacts["updated"] + report.contacts["unchanged"] == len(truth["overlap"])
    skipped = {s.row: s.reason for s in report.skipped}
    for dup in truth["duplicates"]:
        assert skipped.pop(dup["row"]) == f"same person as row {dup['first_row']}"
    assert sorted(skipped) == truth["skipped"]
    updated = {
        r for (r,) in ImportChange.select(ImportChange.row_id)
        .where(ImportChange.run == run.id, ImportChange.table == "contact", ImportChange.action == "updated")
        .tuples()
    }  # fmt: skip
    assert updated <= {o["key"] for o in truth["overlap"]}
    # Same name as someone known and nothing else in common: a new contact, never a merge.
    for item in truth["name_only"]:
        assert (
            Contact.select().where(Contact.last_name == Contact.get_by_id(item["key"]).last_name).count() == 2
        )
    assert Contact.select().where(Contact.import_run == run.id).count() == truth["created"]
    rows = report.rows
    assert rows["company_cards_created"] + rows["company_cards_known"] == len(truth["company_cards"])


@pytest.mark.parametrize("kind", ["google", "vcard"])
def test_overlap_rows_match_the_known_person_on_the_key_the_truth_names(database, app, kind):
    known = known_people(60)
    data, truth = build(kind, 200, known, seed=9, share=0.3)
    source = addressbook_import.open_source(data, "x", kind="vcard" if kind == "vcard" else "csv")
    index = matching.build_index()
    found = {r.row: matching.match_reason(r, index) for r in source.records() if isinstance(r, PersonRecord)}
    assert {o["row"]: (o["key"], o["on"]) for o in truth["overlap"]} == {
        row: hit for row, hit in found.items() if hit[0] is not None
    }


def test_undo_takes_the_lists_of_new_contacts_with_them_and_restores_the_old_ones(database, app):
    known = known_people(40)
    before = dump(app.config["CRM"]["DATABASE"])
    data, _truth = build("google", 200, known, seed=8, share=0.3)
    run, report = imports.commit(addressbook_import.planner(data, "g.csv", "h"))
    assert report.contacts["created"] > 100 and report.contacts["updated"] > 5
    new = Contact.select(Contact.id).where(Contact.import_run == run.id)
    # Emails of new contacts are not logged one by one (the contact's delete cascades to
    # them); those added to existing contacts are.
    logged = ImportChange.select(ImportChange.row_id).where(
        ImportChange.run == run.id, ImportChange.table == "contact_email", ImportChange.action == "created"
    )
    assert ContactEmail.select().where(ContactEmail.contact.in_(new)).count() > 100
    assert (
        not ContactEmail.select().where(ContactEmail.id.in_(logged), ContactEmail.contact.in_(new)).exists()
    )
    assert ContactEmail.select().where(ContactEmail.id.in_(logged)).count() > 0
    imports.undo(run.id)
    assert dump(app.config["CRM"]["DATABASE"]) == before
