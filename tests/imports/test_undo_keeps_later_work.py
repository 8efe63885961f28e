"""Undoing an import takes back what the import did and nothing the owner did after it: a field
they edited since, an address they kept, a tag or company they have used since."""

from __future__ import annotations

import csv
import io

from crm.forms import ContactInput
from crm.models import Company, Contact, ImportChange, Tag
from crm.services import addressbook_import, contacts, imports
from tests.addressbook_export import GOOGLE_HEADER
from tests.conftest import token as _token
from tests.imports.conftest import dump


def _import(*rows: dict[str, str]):
    """Import a Google Contacts CSV of these rows (column name -> value)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(GOOGLE_HEADER)
    writer.writerows([row.get(name, "") for name in GOOGLE_HEADER] for row in rows)
    run, _ = imports.commit(addressbook_import.planner(out.getvalue().encode(), "google.csv", "h"))
    return run


def _row(first: str, email: str, **cells: str) -> dict[str, str]:
    return {"First Name": first, "Last Name": "Own", "E-mail 1 - Value": email, **cells}


def _edit(contact: Contact, **changes) -> None:
    """Save the contact's edit form with these fields changed (the form rewrites its lists)."""
    values = contacts.form_values(contact)
    data = ContactInput(
        first_name=contact.first_name,
        last_name=contact.last_name,
        emails=values["emails"].split(),
        phones=[p for p in values["phones"].split("\n") if p],
        company=values["company"],
        title=contact.title,
        location=contact.location,
        tags=[t.strip() for t in values["tags"].split(",") if t.strip()],
        notes=contact.notes,
        stage=contact.stage,
    )
    for key, value in changes.items():
        setattr(data, key, value)
    contacts.update_contact(Contact.get_by_id(contact.id), data)


def _person(first: str, email: str, **kw) -> Contact:
    return contacts.create_contact(ContactInput(first_name=first, last_name="Own", emails=[email], **kw))


def test_undo_keeps_an_address_the_owner_kept_when_the_edit_form_rewrote_the_list(database, app):
    dora = _person("Dora", "dora@old.example")
    run = _import(_row("Dora", "dora@old.example", **{"E-mail 2 - Value": "dora@new.example"}))
    assert contacts.emails_of(dora) == ["dora@old.example", "dora@new.example"]
    # The form deletes and writes her addresses again: the new one first now, so her own address
    # takes the id the import's had.
    _edit(dora, emails=["dora@new.example", "dora@old.example"])
    imports.undo(run.id)
    assert contacts.emails_of(dora) == ["dora@old.example"]


def test_undo_removes_an_added_address_that_moved_to_another_id(database, app):
    dora = _person("Dora", "dora@old.example")
    run = _import(_row("Dora", "dora@old.example", **{"E-mail 2 - Value": "dora@new.example"}))
    _person("Eve", "eve@own.example")
    _edit(dora)  # her addresses come back under ids after Eve's
    imports.undo(run.id)
    assert contacts.emails_of(dora) == ["dora@old.example"]


def test_undo_leaves_a_field_the_owner_changed_since_and_restores_the_rest(database, app):
    dora = _person("Dora", "dora@old.example")
    run = _import(
        _row("Dora", "dora@old.example", **{"Organization Title": "Analyst", "Address 1 - City": "Lyon"})
    )
    dora = Contact.get_by_id(dora.id)
    assert (dora.title, dora.location) == ("Analyst", "Lyon")
    _edit(dora, title="Head of Analytics")
    imports.undo(run.id)
    dora = Contact.get_by_id(dora.id)
    assert (dora.title, dora.location) == ("Head of Analytics", "")


def test_undo_keeps_a_tag_and_a_company_the_owner_has_used_since(database, app):
    run = _import(_row("New", "new@p.example", **{"Organization Name": "NewCo", "Labels": "Clients"}))
    mine = _person("Mine", "mine@own.example", company="NewCo", tags=["Clients"])
    imports.undo(run.id)
    assert Contact.get_or_none(Contact.full_name == "New Own") is None
    mine = Contact.get_by_id(mine.id)
    assert mine.company.name == "NewCo" and contacts.tags_for([mine.id]) == {mine.id: ["Clients"]}
    assert Company.select().count() == 1 and Tag.select().count() == 1


def test_undo_removes_the_tag_and_company_nobody_else_uses(database, app):
    before = dump(app.config["CRM"]["DATABASE"])
    run = _import(_row("New", "new@p.example", **{"Organization Name": "NewCo", "Labels": "Clients"}))
    assert Company.select().count() == 1 and Tag.select().count() == 1
    imports.undo(run.id)
    assert dump(app.config["CRM"]["DATABASE"]) == before


def test_undo_keeps_the_people_the_owner_worked_with_since_and_says_so(database, app):
    from zoneinfo import ZoneInfo

    from crm.models import FollowUp
    from crm.services import activities, followups

    run = _import(
        _row("Touched", "t@p.example"),
        _row("Planned", "p@p.example"),
        _row("Edited", "e@p.example"),
        _row("Untouched", "u@p.example", **{"Organization Name": "Only Theirs", "Labels": "Imported"}),
    )
    by_name = {c.first_name: c for c in Contact.select()}
    activities.log_touch([by_name["Touched"].id], "call", "Talked about the pilot")
    followups.create_followup(by_name["Planned"].id, "Send pricing", "tomorrow", ZoneInfo("UTC"))
    _edit(by_name["Edited"], notes="Met at the fair")
    undone = imports.undo(run.id)
    left = {c.first_name: c for c in Contact.select()}
    assert sorted(left) == ["Edited", "Planned", "Touched"]
    assert all(c.import_run_id is None for c in left.values())
    assert contacts.emails_of(left["Touched"]) == ["t@p.example"]  # their details stay with them
    assert left["Edited"].notes == "Met at the fair" and FollowUp.select().count() == 1
    assert Company.select().count() == 0 and Tag.select().count() == 0  # only the undone one had them
    assert undone.counts["undo"] == {"contacts": 3, "changed": 0, "tags": 0, "companies": 0}
    assert imports.undo_kept(undone.counts) == "It kept 3 people you had worked with since."


def test_the_import_page_and_the_cli_say_what_undo_kept(database, app, client, tmp_path):
    from tests.imports.test_bad_input_and_cli import invoke

    dora = _person("Dora", "dora@old.example")
    first = _import(_row("Dora", "dora@old.example", **{"Organization Title": "Analyst", "Labels": "Fair"}))
    _edit(Contact.get_by_id(dora.id), title="Head of Analytics")
    _person("Mine", "mine@own.example", tags=["Fair"])
    page = client.post(f"/imports/runs/{first.id}/undo", data={"csrf_token": _token(client)})
    assert page.status_code == 303
    text = client.get(page.headers["Location"]).get_data(as_text=True)
    assert f"Import #{first.id} was undone. It kept your later edits to 1 contact and 1 tag in use." in text
    assert text.count("It kept your later edits to 1 contact and 1 tag in use.") == 2  # and in the history
    second = _import(_row("Eve", "eve@p.example"))
    eve = Contact.get(Contact.first_name == "Eve")
    _edit(eve, title="CTO")
    done = invoke(app, "import", "undo", str(second.id))
    assert done.exit_code == 0, done.output
    assert (
        done.output.strip()
        == f"Undid import #{second.id} (google.csv). It kept 1 person you had worked with since."
    )


def test_an_import_logged_before_migration_0015_still_undoes_as_it_did(database, app):
    dora = _person("Dora", "dora@old.example")
    run = _import(
        _row(
            "Dora", "dora@old.example", **{"E-mail 2 - Value": "dora@new.example", "Address 1 - City": "Lyon"}
        )
    )
    ImportChange.update(after=None).where(ImportChange.run == run.id).execute()  # as an older run's log
    _edit(Contact.get_by_id(dora.id), location="Paris")
    imports.undo(run.id)
    dora = Contact.get_by_id(dora.id)
    assert dora.location == ""  # without the log of what the import wrote, every change goes back
