"""Address-book imports (CSV and vCard) through the generic flow: match, update, conflicts, undo."""

from __future__ import annotations

from crm.models import Company, Contact, ContactEmail, ContactPhone, ImportChange
from crm.services import addressbook_import, imports, linkedin_import
from tests.imports.conftest import dump
from tests.linkedin_export import build

GOOGLE = (
    "First Name,Last Name,Organization Name,Organization Title,Birthday,Notes,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value\n"
    "Ada,Lovelace,Engines Ltd,Analyst,1815-12-10,Met at the salon,* myContacts ::: Clients,"
    "* Work,ada@engines.example,Mobile,+44 20 7946 0001\n"
    "Alan,Turing,,,,,,* Work,alan@bletchley.example,,\n"
    "Ada,Lovelace,,,,,,Home,ADA@engines.example,,\n"
    ",,,,,,,,,,\n"
    ",,Nobody Co,,,,,,,,\n"
)
OUTLOOK_CP1252 = (
    '"First Name","Last Name","Company","Job Title","Mobile Phone","E-mail Address","Birthday"\r\n'
    '"Renée","Dubois","Café Noir","Owner","4.47E+11","renee@cafe.example","3/4/1980"\r\n'
).encode("cp1252")
VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Gupta;Ravi;;;\r\nFN:Ravi Gupta\r\nORG:Rapid Co\r\n"
    "EMAIL:ravi@gupta.example\r\nTEL:+91 98765 43210\r\nCATEGORIES:Clients,VIP\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nFN:\r\nORG:Acme Labs;\r\nX-ABShowAs:COMPANY\r\n"
    "END:VCARD\r\n"
)


def run(data: bytes, name: str, dry_run: bool = False, **kw):
    planner = addressbook_import.planner(data, name, "hash", **kw)
    if dry_run:
        return None, imports.preview(planner)
    return imports.commit(planner)


def test_google_csv_creates_merges_rows_and_skips_with_row_numbers(database, app):
    _, report = run(GOOGLE.encode(), "google.csv")
    assert (report.contacts["created"], report.contacts["updated"]) == (2, 0)
    assert [(s.row, s.reason) for s in report.skipped] == [
        (4, "same person as row 2"),
        (6, "no name, email, phone or LinkedIn URL"),
    ]
    ada = Contact.get(Contact.full_name == "Ada Lovelace")
    assert (ada.company.name, ada.title, ada.birthday_year, ada.source) == (
        "Engines Ltd",
        "Analyst",
        1815,
        "google",
    )
    assert [e.email for e in ada.emails] == ["ada@engines.example"]
    assert [(p.phone, p.phone_key) for p in ada.phones] == [("+44 20 7946 0001", "442079460001")]
    assert sorted(t.tag.name for t in ada.tag_links) == ["Clients"]


def test_update_keeps_set_fields_lists_conflicts_and_undo_is_exact(database, app):
    run(GOOGLE.encode(), "google.csv")
    before = dump(app.config["CRM"]["DATABASE"])
    second = (
        "First Name,Last Name,Organization Name,Organization Title,E-mail 1 - Value,Phone 1 - Value,Labels\n"
        "Ada,,Other Corp,,ada@engines.example,+1 555 010 9999,VIP\n"
        "Alan,Turing,Bletchley Park,Codebreaker,alan@bletchley.example,,\n"
    )
    preview = imports.preview(addressbook_import.planner(second.encode(), "g2.csv", "h2"))
    assert preview.contacts["updated"] == 2
    assert preview.conflicts[0]["field"] == "company"
    assert (
        preview.conflicts[0]["existing"] == "Engines Ltd" and preview.conflicts[0]["incoming"] == "Other Corp"
    )
    assert len(preview.conflicts) == 1 and preview.notices[-1].startswith(
        "1 contact already has other values"
    )
    assert dump(app.config["CRM"]["DATABASE"]) == before  # preview wrote nothing
    run_, report = run(second.encode(), "g2.csv")
    ada = Contact.get(Contact.full_name == "Ada Lovelace")
    assert ada.last_name == "Lovelace" and ada.company.name == "Engines Ltd"  # not blanked, not replaced
    assert sorted(p.phone for p in ada.phones) == ["+1 555 010 9999", "+44 20 7946 0001"]
    assert sorted(t.tag.name for t in ada.tag_links) == ["Clients", "VIP"]
    alan = Contact.get(Contact.full_name == "Alan Turing")
    assert (alan.company.name, alan.title) == ("Bletchley Park", "Codebreaker")
    assert ImportChange.select().where(ImportChange.run == run_.id).count() > 0
    imports.undo(run_.id)
    assert dump(app.config["CRM"]["DATABASE"]) == before


def test_reimporting_the_same_file_changes_nothing(database, app):
    run(GOOGLE.encode(), "google.csv")
    before = dump(app.config["CRM"]["DATABASE"])
    _, report = run(GOOGLE.encode(), "google.csv")
    assert (report.contacts["created"], report.contacts["updated"]) == (0, 0)
    assert report.contacts["unchanged"] == 2
    after = dump(app.config["CRM"]["DATABASE"])
    assert after == before


def test_outlook_cp1252_notices_and_excel_phone(database, app):
    _, report = run(OUTLOOK_CP1252, "outlook.csv", dayfirst=True)
    renee = Contact.get(Contact.first_name == "Renée")
    assert renee.company.name == "Café Noir"
    assert (renee.birthday_day, renee.birthday_month) == (3, 4)  # the owner's day-first setting
    text = " ".join(report.notices)
    assert "Windows-1252" in text or "cp1252" in text.lower()
    assert "1 birthday could be read day first or month first, such as '3/4/1980' (row 2);" in text
    assert "it was read day first, as the date order in Settings says." in text
    assert "row 2: phone '4.47E+11' looks rewritten by Excel" in text


def test_vcard_company_card_becomes_a_company_and_undo_removes_it(database, app):
    before = dump(app.config["CRM"]["DATABASE"])
    run_, report = run(VCARD.encode(), "contacts.vcf", kind="vcard")
    assert report.contacts["created"] == 1
    assert Contact.select().count() == 1
    assert {c.name for c in Company.select()} == {"Rapid Co", "Acme Labs"}
    assert report.rows["company_cards_created"] == 1
    imports.undo(run_.id)
    assert dump(app.config["CRM"]["DATABASE"]) == before


def test_linkedin_then_google_updates_the_same_people_without_duplicates(database, app):
    data, truth = build(20, 0, 1)
    imports.commit(linkedin_import.planner(data, truth["zip_name"], "li"))
    people = [c for c in Contact.select().where(Contact.is_connection == True)]  # noqa: E712
    with_email = [(c, e.email) for c in people for e in c.emails][:5]
    assert with_email, "the builder gives some connections an email"
    lines = ["First Name,Last Name,E-mail 1 - Value,Phone 1 - Value,Labels"]
    for i, (c, email) in enumerate(with_email):
        lines.append(f"{c.first_name},,{email.upper()},+1 415 555 01{i:02d},")
    lines.append("Brand,New,brand@new.example,,")
    count = Contact.select().count()
    before = dump(app.config["CRM"]["DATABASE"])
    run_, report = run("\n".join(lines).encode(), "google.csv")
    assert report.contacts["updated"] == len(with_email) and report.contacts["created"] == 1
    assert Contact.select().count() == count + 1
    for i, (c, _email) in enumerate(with_email):
        assert ContactPhone.get(ContactPhone.contact == c.id).phone == f"+1 415 555 01{i:02d}"
        assert Contact.get_by_id(c.id).last_name == c.last_name
    again = imports.preview(addressbook_import.planner("\n".join(lines).encode(), "google.csv", "x"))
    assert (again.contacts["created"], again.contacts["updated"]) == (0, 0)
    imports.undo(run_.id)
    assert dump(app.config["CRM"]["DATABASE"]) == before
    assert ContactEmail.select().count() == len(before["contact_email"])


def vcard(name: str, email: str, categories: str) -> bytes:
    first, last = name.split()
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:{last};{first};;;\r\nFN:{name}\r\nEMAIL:{email}\r\n"
        f"CATEGORIES:{categories}\r\nEND:VCARD\r\n"
    ).encode()


def test_a_tag_removed_between_preview_and_commit_is_planned_again(database, app):
    """Commits write without per-row foreign key checks, so a plan must never outlive the rows
    it points at: here an undo removes the tag a previewed import was going to reuse."""
    from tests.dedupe_helpers import person

    ravi = person("Ravi", "Gupta", emails=["ravi@gupta.example"])
    first, _ = run(vcard("Ravi Gupta", "ravi@gupta.example", "VIP"), "first.vcf", kind="vcard")  # new tag
    person("Zed", "Later")  # the newest change, so undoing `first` leaves it the newest
    data = vcard("Sita Rao", "sita@rao.example", "VIP")
    planner = addressbook_import.planner(data, "second.vcf", "h", kind="vcard")
    plan = planner(lambda *_: None)
    imports.undo(first.id)  # deletes the VIP tag the plan points at
    run_id, _report = imports.commit(planner, plan=plan)
    assert imports.db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    sita = Contact.get(Contact.full_name == "Sita Rao")
    assert [t.tag.name for t in sita.tag_links] == ["VIP"]
    assert [t.tag.name for t in Contact.get_by_id(ravi).tag_links] == []
    assert run_id.status == "committed"


def test_letters_lost_to_question_marks_are_imported_as_they_are_and_named_by_row(database, app):
    """Outlook desktop exports in the Windows code page: "Łukasz" arrives as "?ukasz". The preview
    says which rows lost letters; a "?" away from any letter (a note, a bare "?") is no sign of it."""
    data = (
        '"First Name","Last Name","Company","Job Title","E-mail Address","Notes"\r\n'
        '"?ukasz","Nielsen","Fathom Media","CTO","?ukasz.nielsen@sapphire.example",""\r\n'
        '"Ana","Silva","Caf? Noir","Who? Owner","ana@noir.example","Call back?"\r\n'
        '"Ben","Ode","Acme","","ben@acme.example","Which office ? Ask"\r\n'
    ).encode("cp1252")
    _, report = run(data, "outlook.csv", dry_run=True)
    lost = [n for n in report.notices if "where a letter should be" in n]
    assert len(lost) == 1, report.notices
    assert "2 rows have" in lost[0] and "(rows 2, 3)" in lost[0]
    run(data, "outlook.csv")
    assert Contact.get(Contact.last_name == "Nielsen").first_name == "?ukasz"  # kept, not guessed


def test_no_lost_letters_notice_for_a_clean_file(database, app):
    _, report = run(GOOGLE.encode(), "google.csv", dry_run=True)
    assert not [n for n in report.notices if "where a letter should be" in n]


def _birthdays_csv(*dates: str) -> bytes:
    lines = ['"First Name","Last Name","Company","Job Title","E-mail Address","Birthday"']
    lines += [f'"P{i}","Q","Co","","p{i}@q.example","{d}"' for i, d in enumerate(dates)]
    return ("\r\n".join(lines) + "\r\n").encode()


def report_order(data: bytes, **kw) -> dict:
    return run(data, "outlook.csv", dry_run=True, **kw)[1].date_order


def _date_note(report) -> str:
    found = [n for n in report.notices if "could be read day first or month first" in n]
    assert len(found) == 1, report.notices
    assert not [n for n in report.notices if "is ambiguous" in n], "summed up, not a line a row"
    return found[0]


def test_ambiguous_birthdays_are_one_note_that_points_at_the_files_own_order(database, app):
    """Outlook in the US writes 12/25/1970: when the file's unambiguous dates contradict the
    setting, the note says so and how to fix it; when they agree it says nothing more."""
    us = _birthdays_csv("3/4/1980", "12/25/1970", "5/6/1990", "1/30/1985")
    note = _date_note(run(us, "outlook.csv", dry_run=True, dayfirst=True)[1])
    assert note.startswith(
        "2 birthdays could be read day first or month first, such as '3/4/1980' (rows 2, 4);"
    )
    assert "they were read day first" in note
    assert "But 2 other birthdays in this file can only be read month first" in note
    assert note.endswith("so the file probably writes dates month first.")
    assert report_order(us, dayfirst=True) == {"count": 2, "read": "day first", "other": "month first"}

    agreeing = _date_note(run(us, "outlook.csv", dry_run=True, dayfirst=False)[1])
    assert agreeing.endswith("they were read month first, as the date order in Settings says.")
    assert report_order(_birthdays_csv("12/25/1970", "1980-03-04")) == {}  # nothing to choose

    planner = addressbook_import.planner(us, "outlook.csv", "hash", dayfirst=True)
    imports.preview(planner)  # a commit whose database changed since the preview plans again
    assert "But 2 other birthdays" in _date_note(imports.preview(planner))

    mixed = _birthdays_csv("3/4/1980", "12/25/1970", "25/12/1970")
    assert "Some other birthdays in this file can only be read day first: check these." in _date_note(
        run(mixed, "outlook.csv", dry_run=True)[1]
    )


def test_vcard_birthdays_follow_the_date_order_setting_too(database, app):
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nBDAY:3/4/1980\r\nEND:VCARD\r\n"
    _, report = run(card.encode(), "a.vcf", kind="vcard", dayfirst=True)
    ann = Contact.get(Contact.full_name == "Ann Lee")
    assert (ann.birthday_day, ann.birthday_month, ann.birthday_year) == (3, 4, 1980)
    assert "it was read day first" in _date_note(report)


def test_a_contact_you_have_keeps_its_letters_when_an_ansi_export_lost_them(database, app):
    """vCard first ("Łukasz", UTF-8), then Outlook's ANSI CSV of the same person ("?ukasz",
    matched by phone): no conflict over the name, no "?ukasz..." second email; a real change
    (the title) is still applied."""
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Nielsen;Łukasz;;;\r\nFN:Łukasz Nielsen\r\n"
        "EMAIL:łukasz.nielsen@sapphire.example\r\nTEL:+1 595 555 0717\r\nEND:VCARD\r\n"
    )
    run(card.encode(), "a.vcf", kind="vcard")
    data = (
        '"First Name","Last Name","Company","Job Title","Mobile Phone","E-mail Address"\r\n'
        '"?ukasz","Nielsen","","Head of IT","+1 595-555-0717","?ukasz.nielsen@sapphire.example"\r\n'
        '"?va","Ode","","","+1 595-555-0999","?va@ode.example"\r\n'
    ).encode("cp1252")
    _, report = run(data, "outlook.csv")
    assert report.conflicts == []
    assert (report.contacts["updated"], report.contacts["created"]) == (1, 1)
    lukasz = Contact.get(Contact.last_name == "Nielsen")
    assert (lukasz.first_name, lukasz.title) == ("Łukasz", "Head of IT")
    assert [e.email for e in lukasz.emails] == ["łukasz.nielsen@sapphire.example"]
    assert Contact.get(Contact.last_name == "Ode").first_name == "?va"  # nothing to take it from
    note = next(n for n in report.notices if "where a letter should be" in n)
    assert "(rows 2, 3)" in note and "Contacts you already have keep their own spelling" in note


def test_an_email_whose_letters_an_ansi_export_lost_still_finds_its_contact(database, app):
    """Found by QA: "?ukasz.nguyen@…" from Outlook's ANSI CSV did not match "łukasz.nguyen@…", so
    a second contact was made (no phone or profile to match on instead)."""
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Nguyen;Łukasz;;;\r\nFN:Łukasz Nguyen\r\n"
        "EMAIL:łukasz.nguyen@sapphire.example\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Ødegaard;Ola;;;\r\nFN:Ola Ødegaard\r\n"
        "EMAIL:ola@ødegaard.example\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Ðdegaard;Ola;;;\r\nFN:Ola Ðdegaard\r\n"
        "EMAIL:ola@ðdegaard.example\r\nEND:VCARD\r\n"
    )
    run(card.encode(), "a.vcf", kind="vcard")
    data = (
        '"First Name","Last Name","Company","Job Title","E-mail Address"\r\n'
        '"?ukasz","Nguyen","","Head of IT","?ukasz.nguyen@sapphire.example"\r\n'
        '"Ola","?degaard","","","ola@?degaard.example"\r\n'
    ).encode("cp1252")
    _, report = run(data, "outlook.csv")
    assert (report.contacts["updated"], report.contacts["created"]) == (1, 1)  # which Ola: not guessed
    lukasz = Contact.get(Contact.last_name == "Nguyen")
    assert (lukasz.first_name, lukasz.title) == ("Łukasz", "Head of IT")
    assert [e.email for e in lukasz.emails] == ["łukasz.nguyen@sapphire.example"]


def test_an_export_with_the_letters_puts_right_a_contact_whose_letters_were_lost(database, app):
    """Found by QA: Outlook's ANSI CSV first ("?ukasz", "?ukasz.russo@…"), then a UTF-8 file of the
    same person: the contact kept "?ukasz" (a conflict) and held both addresses. The letters are
    put back, in the name and the address; undo restores the import's before."""
    data = (
        '"First Name","Last Name","Company","Job Title","Mobile Phone","E-mail Address"\r\n'
        '"?ukasz","Russo","Fathom","CTO","+1 595-555-0717","?ukasz.russo@sapphire.example"\r\n'
    ).encode("cp1252")
    run(data, "outlook.csv")
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Russo;Łukasz;;;\r\nFN:Łukasz Russo\r\n"
        "EMAIL:łukasz.russo@sapphire.example\r\nEMAIL:lr@home.example\r\nEND:VCARD\r\n"
    )
    run_, report = run(card.encode(), "a.vcf", kind="vcard")
    assert report.conflicts == [] and report.contacts["updated"] == 1
    lukasz = Contact.get(Contact.last_name == "Russo")
    assert (lukasz.first_name, lukasz.full_name) == ("Łukasz", "Łukasz Russo")
    assert [e.email for e in lukasz.emails.order_by(ContactEmail.position)] == [
        "łukasz.russo@sapphire.example", "lr@home.example"
    ]  # fmt: skip
    imports.undo(run_.id)
    lukasz = Contact.get(Contact.last_name == "Russo")
    assert lukasz.first_name == "?ukasz"
    assert [e.email for e in lukasz.emails] == ["?ukasz.russo@sapphire.example"]


def test_lost_letters_of_only_forgives_a_question_mark_over_a_letter_ascii_cannot_hold():
    from crm.services.matching import lost_letters_of

    assert lost_letters_of("?ukasz", "Łukasz") and lost_letters_of("S?REN", "Søren")
    assert lost_letters_of("?ukasz.n@x.example", "łukasz.n@x.example")
    assert not lost_letters_of("?ukasz", "Lukasz")  # an ASCII letter is never lost
    assert not lost_letters_of("?ukasz", "Łukaszz") and not lost_letters_of("Lukasz", "Łukasz")
    assert not lost_letters_of("Who?", "Whoé?")


def _two_sources():
    """Ada from a first file; a second file brings her again by name only (a second contact)."""
    head = "First Name,Last Name,Organization Name,Organization Title,E-mail 1 - Value,Phone 1 - Value"
    head += ",Labels\n"
    first = head + "Ada,Lovelace,Engines Ltd,,ada@one.example,,\n"
    second = head + "Ada,Lovelace,Engines Ltd,,,+44 20 7946 0001,\n"
    run(first.encode(), "one.csv")
    run_, report = run(second.encode(), "two.csv")
    assert report.contacts["created"] == 1
    old, new = (c.id for c in Contact.select().order_by(Contact.id))
    return run_, old, new


def test_an_import_is_not_undone_under_a_merge_made_since(database, app):
    from crm.services import merge

    run_, old, new = _two_sources()
    before = dump(app.config["CRM"]["DATABASE"])
    done = merge.merge_contacts(new, old)  # keeps the contact this import created
    merged = dump(app.config["CRM"]["DATABASE"])
    try:
        imports.undo(run_.id)
    except imports.ImportRejected as exc:
        assert str(exc) == (
            f"a merge (#{done.id}) made after this import involves people it brought in or changed: undo"
            " it first (Duplicates, under Recent merges), then undo this import"
        )
    else:
        raise AssertionError("the undo deleted the survivor and left Ada in the trash")
    assert dump(app.config["CRM"]["DATABASE"]) == merged  # refused: nothing changed
    merge.undo_merge(done.id)
    imports.undo(run_.id)
    after = dump(app.config["CRM"]["DATABASE"])
    assert Contact.get_by_id(old).deleted_at is None and Contact.get_or_none(Contact.id == new) is None
    assert [r for r in after["contact"]] == [r for r in before["contact"] if r[0] == old]


def test_an_import_is_not_undone_under_a_merge_all_made_since_but_earlier_merges_do_not_block(database, app):
    from crm.services import merge

    run_, old, new = _two_sources()
    batch = merge.merge_batch([(old, new)])
    assert batch.merged == 1
    try:
        imports.undo(run_.id)
    except imports.ImportRejected as exc:
        assert str(exc).startswith(f"a merge all (#{batch.id}) made after this import involves people it")
    else:
        raise AssertionError("the undo left the import's phone on the survivor")
    assert [p.phone for p in Contact.get_by_id(old).phones] == ["+44 20 7946 0001"]
    merge.undo_batch(batch.id)
    imports.undo(run_.id)
    assert ContactPhone.select().count() == 0
    assert [c.id for c in Contact.select()] == [old]


def test_a_contact_the_import_only_gave_a_phone_counts_as_touched(database, app):
    """Found by QA: the 'N suggested duplicate pairs have someone this import brought in or
    changed' count missed people the import had only given an email or phone."""
    run(GOOGLE.encode(), "google.csv")
    alan = Contact.get(Contact.full_name == "Alan Turing")
    more = "First Name,Last Name,Organization Name,E-mail 1 - Value,Phone 1 - Value,Labels\n"
    more += "Alan,Turing,,alan@bletchley.example,+44 1908 640404,\n"
    run_, report = run(more.encode(), "more.csv")
    assert report.contacts["updated"] == 1
    assert (
        not ImportChange.select().where(ImportChange.run == run_.id, ImportChange.table == "contact").exists()
    )
    assert imports.touched_ids(run_.id) == [alan.id]
