"""Removing the demo network: only the demo goes, the owner's own data stays, imports can still
be undone safely; from the CLI and from Settings."""

from __future__ import annotations

import json
import sqlite3

from crm.db import db
from crm.models import Activity, Company, Contact, ContactTag, Tag
from crm.services import activities, demo
from crm.services.contacts import company_for
from tests.conftest import soup, token
from tests.imports.test_bad_input_and_cli import invoke


def _own_person_sharing_an_entry_with(demo_person: Contact) -> tuple[Contact, Activity, Activity]:
    """The owner's own contact at a demo company with a demo tag, one entry that is also about a
    demo person, and one only about the owner's contact."""
    own = Contact.create(
        first_name="Robin", last_name="Own", full_name="Robin Own", name_key="robin own",
        company=company_for("Acme Robotics"), title="CTO", source="manual",
    )  # fmt: skip
    ContactTag.create(contact=own, tag=Tag.get(Tag.name == "Customers"))
    shared = activities.log_touch([own.id, demo_person.id], "meeting", "Lunch with both")
    mine = activities.log_touch([own.id], "note", "Zebra project notes")
    return own, shared, mine


def _search(path: str, word: str) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [
            r[0]
            for r in conn.execute(
                "SELECT rowid % 2147483648 FROM activity_search WHERE activity_search MATCH ?", (word,)
            )
        ]
    finally:
        conn.close()


def test_remove_keeps_own_data_and_undo_of_an_earlier_import_stays_safe(app, tmp_path):
    path = app.config["CRM"]["DATABASE"]
    loaded = json.loads(invoke(app, "demo").stdout)
    db.connect(reuse_if_open=True)
    demo_person = Contact.select().where(Contact.source == "demo").order_by(Contact.id).first()
    own, shared, mine = _own_person_sharing_an_entry_with(demo_person)
    assert _search(path, "catch")  # the demo's "Quick catch-up" messages are searchable
    entries = Activity.select().count()
    db.close()
    # an import that gives a demo person a phone and notes, and brings a new person
    book = tmp_path / "google.csv"
    book.write_text(
        "First Name,Last Name,Notes,E-mail 1 - Value,Phone 1 - Value\n"
        f"{demo_person.first_name},{demo_person.last_name},Met at the demo,"
        f"{demo_person.emails[0].email},+1 202 555 0100\n"
        "Kim,Imported,,kim@imported.example,\n"
    )
    db.connect(reuse_if_open=True)
    demo_person = Contact.get_by_id(demo_person.id)
    db.close()
    run = json.loads(invoke(app, "import", "csv", str(book), "--format", "google", "--json").stdout)
    assert run["contacts"]["created"] == 1 and run["contacts"]["updated"] == 1

    removed = invoke(app, "demo", "--remove")
    assert removed.exit_code == 0, removed.output
    counts = json.loads(removed.stdout)
    assert counts["contacts"] == loaded["contacts"]
    db.connect(reuse_if_open=True)
    assert not Contact.select().where(Contact.source == "demo").exists()
    assert {c.full_name for c in Contact.select()} == {"Robin Own", "Kim Imported"}
    # the shared entry stays, about the owner's contact only; the demo-only ones are gone
    assert [link.contact_id for link in Activity.get_by_id(shared.id).contact_links] == [own.id]
    assert Activity.get_by_id(mine.id).summary == "Zebra project notes"
    assert Activity.select().count() == 2 and counts["activities"] == entries - 2
    assert _search(path, "catch") == [] and _search(path, "zebra") == [mine.id]
    # demo companies and tags someone still uses stay, the others go
    assert [c.name for c in Company.select()] == ["Acme Robotics"]
    assert [t.name for t in Tag.select()] == ["Customers"]
    # the import forgot the demo person's rows: nothing it logs points at a missing row
    conn = sqlite3.connect(path)
    logged = conn.execute('SELECT "table", row_id, action FROM import_change').fetchall()
    for table, row_id, _action in logged:
        assert conn.execute(f'SELECT 1 FROM "{table}" WHERE id = ?', (row_id,)).fetchone(), (table, row_id)
    assert logged == [("contact", Contact.get(Contact.full_name == "Kim Imported").id, "created")]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    # a person added after the removal may reuse a removed id; undoing the import leaves them be
    later = Contact.create(
        id=demo_person.id, first_name="Lee", last_name="Later", full_name="Lee Later", name_key="lee later",
        title="Founder", notes="Met Lee at the fair", source="manual",
    )  # fmt: skip
    db.close()
    undone = invoke(app, "import", "undo", str(run["run_id"]))
    assert undone.exit_code == 0, undone.output
    db.connect(reuse_if_open=True)
    assert Contact.get_by_id(later.id).notes == "Met Lee at the fair"
    assert {c.full_name for c in Contact.select()} == {"Robin Own", "Lee Later"}
    db.close()

    again = invoke(app, "demo", "--remove")
    assert again.exit_code != 0 and "no demo network" in again.output


def test_settings_offers_removal_only_while_there_is_a_demo(app, client):
    page = soup(client.get("/settings/"))
    assert page.find(string="Demo network") is None  # an empty database has none
    db.connect(reuse_if_open=True)
    demo.load_demo()
    people = demo.demo_people()
    page = soup(client.get("/settings/"))
    section = page.find("h2", string="Demo network").parent
    assert f"{people} made-up people" in section.get_text()
    form = section.find("form")
    assert "cannot be undone" in form["data-confirm"] and form["action"] == "/settings/demo/remove"

    response = client.post("/settings/demo/remove", data={"csrf_token": token(client)})
    assert response.status_code == 303
    page = soup(client.get(response.headers["Location"]))
    assert f"Removed the demo network ({people} people)" in page.find(class_="notice").get_text()
    assert page.find("h2", string="Demo network") is None
    assert not Contact.select().exists()
    # a second post (another tab) removes nothing and says so
    response = client.post("/settings/demo/remove", data={"csrf_token": token(client)}, follow_redirects=True)
    assert "no demo network left" in soup(response).find(class_="notice").get_text()
    assert client.post("/settings/demo/remove").status_code == 400  # no CSRF token: refused


def test_a_linkedin_import_on_top_of_the_demo_does_not_disconnect_its_people(app, tmp_path):
    from tests.linkedin_export import build

    invoke(app, "demo")
    zip_path = tmp_path / "export.zip"
    zip_path.write_bytes(build(20, 60)[0])
    summary = json.loads(invoke(app, "import", "linkedin", str(zip_path), "--json").stdout)
    assert summary["contacts"]["created"] >= 20
    db.connect(reuse_if_open=True)
    made_up = Contact.select().where(Contact.source == "demo", Contact.is_connection == True)  # noqa: E712
    assert made_up.count() > 20 and all(c.connected for c in made_up)
    assert summary["contacts"]["updated"] == 0


def test_the_import_page_points_to_the_removal_while_the_demo_is_there(app, client):
    assert soup(client.get("/imports")).find(class_="demo-hint") is None
    db.connect(reuse_if_open=True)
    demo.load_demo()
    hint = soup(client.get("/imports")).find(class_="demo-hint")
    assert f"({demo.demo_people()} made-up people)" in hint.get_text()
    target = hint.find("a")["href"]
    assert target == "/settings/#demo-network"
    assert soup(client.get(target)).find(id="demo-network") is not None
