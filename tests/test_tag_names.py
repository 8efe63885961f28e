"""Tag names ignore capitals: "VIP" typed where "vip" exists is that tag, wherever a tag is made."""

from __future__ import annotations

import sqlite3

import pytest

from crm import migrations
from crm.cli import cli
from crm.forms import ContactInput
from crm.models import Contact, Tag
from crm.services import addressbook_import, imports
from crm.services import contacts as service
from tests.conftest import soup, token
from tests.test_upgrade import _person, migrated_before


def make(first, tags=(), **fields) -> Contact:
    return service.create_contact(ContactInput(first_name=first, tags=list(tags), stage="lead", **fields))


def tags_of(contact) -> list[str]:
    return service.tags_for([contact.id]).get(contact.id, [])


def test_the_contact_form_reuses_a_tag_typed_in_other_capitals_and_keeps_its_spelling(client, database):
    ann = make("Ann", tags=["vip"])
    response = client.post(
        "/contacts/",
        data={"csrf_token": token(client), "first_name": "Bob", "stage": "lead", "tags": "VIP, Vip, Golf"},
    )
    assert response.status_code == 303
    bob = Contact.get(Contact.first_name == "Bob")
    assert tags_of(bob) == ["Golf", "vip"] and tags_of(ann) == ["vip"]
    assert [t.name for t in Tag.select().order_by(Tag.id)] == ["vip", "Golf"]
    assert make("Zoé", tags=["ÉQUIPE"]) and tags_of(make("Yan", tags=["équipe"])) == ["ÉQUIPE"]


def test_bulk_add_and_remove_and_the_tag_filter_ignore_capitals(client, database):
    ann, bob = make("Ann", tags=["vip"]), make("Bob")
    added = client.post(
        "/contacts/bulk-tag",
        data={
            "csrf_token": token(client),
            "ids": [str(ann.id), str(bob.id)],
            "action": "add",
            "add_tag": "VIP",
        },
    )
    assert added.status_code == 303
    assert tags_of(bob) == ["vip"] and Tag.select().count() == 1
    assert (
        "Added “vip” to 1 contact. 1 already had it."
        in soup(client.get(added.headers["Location"])).get_text()
    )
    listed = soup(client.get("/contacts/?tag=VIP"))
    assert sorted(a.get_text() for a in listed.select(".contact-row .name")) == ["Ann", "Bob"]
    assert [o["value"] for o in listed.select("#f-tag option[selected]")] == ["vip"]
    removed = client.post(
        "/contacts/bulk-tag",
        data={"csrf_token": token(client), "ids": [str(ann.id)], "action": "remove", "remove_tag": "Vip"},
    )
    assert removed.status_code == 303 and tags_of(ann) == [] and tags_of(bob) == ["vip"]


def test_crm_tag_reuses_a_tag_in_other_capitals_and_filters_by_it(app, database):
    ann, bob = make("Ann", tags=["Customers"]), make("Bob", company="Acme")
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["tag", "add", "customers", "--company", "acme"], catch_exceptions=False)
    assert result.output.splitlines()[0] == "Added “Customers” to 1 contact."
    assert tags_of(bob) == ["Customers"] and Tag.select().count() == 1
    result = runner.invoke(cli, ["tag", "add", "Key", "--tagged", "CUSTOMERS"], catch_exceptions=False)
    assert result.output.splitlines()[0] == "Added “Key” to 2 contacts."
    result = runner.invoke(cli, ["tag", "remove", "KEY", "--id", str(ann.id)], catch_exceptions=False)
    assert result.output.splitlines()[0] == "Removed “Key” from 1 contact." and tags_of(ann) == ["Customers"]


def test_an_address_book_import_gives_an_existing_tag_in_other_capitals(database):
    ann = make("Ann", tags=["Golf"], emails=["ann@x.example"])
    text = (
        "First Name,Last Name,E-mail 1 - Value,Labels\n"
        "Ann,Lee,ann@x.example,GOLF ::: Board\nCy,Dee,cy@x.example,golf ::: BOARD\n"
    )
    imports.commit(addressbook_import.planner(text.encode(), "contacts.csv", "h"))
    cy = Contact.get(Contact.first_name == "Cy")
    board = Tag.get(Tag.name == "board").name  # one tag, spelled as the import first met it
    assert tags_of(cy) == [board, "Golf"] and tags_of(ann) == [board, "Golf"]
    assert Tag.select().count() == 2


def test_migration_0013_merges_tags_differing_in_capitals_keeping_the_most_used(tmp_path, monkeypatch):
    path = migrated_before(tmp_path, monkeypatch, "0013")
    conn = sqlite3.connect(path)
    with conn:
        for i in range(4):
            _person(conn, f"P{i} Person", None, "", None, 0)
        # vip (1 contact, no cadence), VIP (3 contacts, cadence 30), Vip (1 contact, cadence 14);
        # golf and Golf one contact each: the older stays. Partners has no twin.
        tags = [("vip", None), ("VIP", 30), ("Vip", 14), ("golf", None), ("Golf", 7), ("Partners", 45)]
        conn.executemany("INSERT INTO tag (name, cadence_days) VALUES (?, ?)", tags)
        links = [(1, 1), (2, 1), (2, 2), (3, 2), (4, 2), (4, 3), (1, 4), (2, 5), (3, 6)]
        conn.executemany("INSERT INTO contact_tag (contact_id, tag_id) VALUES (?, ?)", links)
    conn.close()
    assert migrations.migrate(path)[0] == "0013_tag_names_ignore_case"
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT id, name, cadence_days FROM tag ORDER BY id").fetchall() == [
        (2, "VIP", 30),
        (4, "golf", 7),
        (6, "Partners", 45),
    ]
    held = conn.execute("SELECT contact_id, tag_id FROM contact_tag ORDER BY contact_id, tag_id").fetchall()
    assert held == [(1, 2), (1, 4), (2, 2), (2, 4), (3, 2), (3, 6), (4, 2)]
    with conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO tag (name) VALUES ('PARTNERS')")
    conn.close()
