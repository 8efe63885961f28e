"""Birthdays like 3/4/1980: a French or German Outlook layout says day first, a date order chosen
for the file says otherwise and wins, and the note says which decided; year-less birthdays in
conflicts read as on a contact's page."""

from __future__ import annotations

import pytest

from crm.db import db
from crm.models import Contact
from crm.services import addressbook_import, imports
from tests.conftest import soup, token
from tests.imports.test_addressbook_web import commit as web_commit
from tests.imports.test_addressbook_web import settle, upload
from tests.imports.test_bad_input_and_cli import invoke

FRENCH = (
    "Titre;Prénom;Nom;Société;Ville (bureau);Anniversaire;Catégories;Adresse de messagerie\r\n"
    "M.;François;Lefèvre;Société Générale;Paris;3/4/1980;Clients;francois@sg.example\r\n"
    "Mme;Hélène;Dupré;Crédit Agricole;Lyon;;;helene@ca.example\r\n"
).encode("cp1252")
GERMAN = (
    "Anrede;Vorname;Nachname;Firma;Geburtstag;E-Mail-Adresse\r\n"
    "Herr;Jürgen;Müller;Bäckerei Müller GmbH;3/4/1975;juergen@mueller.example\r\n"
).encode("cp1252")
LAYOUTS = {"french": (FRENCH, "Lefèvre", "French"), "german": (GERMAN, "Müller", "German")}


def preview(data: bytes, **kw):
    return imports.preview(addressbook_import.planner(data, "outlook.csv", "h", **kw))


def birthday(last_name: str) -> tuple[int, int, int]:
    c = Contact.get(Contact.last_name == last_name)
    return c.birthday_day, c.birthday_month, c.birthday_year


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_french_or_german_outlook_layout_reads_day_first_and_the_note_says_why(database, layout):
    data, last, language = LAYOUTS[layout]
    report = preview(data, dayfirst=False)  # Settings: month first
    assert report.date_order == {"count": 1, "read": "day first", "other": "month first"}
    note = next(n for n in report.notices if "could be read day first or month first" in n)
    assert f"read day first, as Outlook with {language} column names writes dates." in note
    assert "Settings" not in note and "as you chose" not in note
    imports.commit(addressbook_import.planner(data, "outlook.csv", "h", dayfirst=False))
    assert birthday(last)[:2] == (3, 4)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_date_order_chosen_for_the_file_wins_over_the_layout(database, layout):
    data, last, _language = LAYOUTS[layout]
    planner = addressbook_import.planner(data, "outlook.csv", "h", dayfirst=False, dates_chosen=True)
    _run, report = imports.commit(planner)
    assert report.date_order["read"] == "month first"
    assert "it was read month first, as you chose." in " ".join(report.notices)
    assert birthday(last)[:2] == (4, 3)


def test_cli_date_order_month_first_reads_a_french_outlook_file_month_first(app, tmp_path):
    path = tmp_path / "o_fr.csv"
    path.write_bytes(FRENCH)
    done = invoke(app, "import", "csv", str(path), "--date-order", "month-first")
    assert done.exit_code == 0, done.output
    assert "it was read month first, as you chose." in done.stdout
    assert "run it again with --date-order day-first." in done.stdout
    with app.app_context():
        db.connect(reuse_if_open=True)
        assert birthday("Lefèvre") == (4, 3, 1980)
        db.close()


def test_the_preview_button_reads_a_french_outlook_file_month_first(client, app):
    url, page = settle(client, upload(client, "o_fr.csv", FRENCH))
    notes = soup(page).select_one("section.notes").get_text(" ", strip=True)
    assert "it was read day first, as Outlook with French column names writes dates." in notes
    form = soup(page).select_one("form.date-order")
    assert form.select_one("button").get_text(strip=True) == "Read birthdays month first instead"
    response = client.post(form["action"], data={"csrf_token": token(client), "order": "month-first"})
    assert response.status_code == 303
    _url, page = settle(client, response)
    notes = soup(page).select_one("section.notes").get_text(" ", strip=True)
    assert "it was read month first, as you chose." in notes
    web_commit(client, url)
    db.connect(reuse_if_open=True)
    assert birthday("Lefèvre") == (4, 3, 1980)


def test_a_conflicting_birthday_without_a_year_reads_as_on_the_contact_page(database):
    header = "First Name,Last Name,Birthday,E-mail 1 - Value,Labels\n"
    first = (header + "Ada,Lee, --11-04,ada@x.example,\n").encode()
    imports.commit(addressbook_import.planner(first, "a.csv", "a"))
    ada = Contact.get(Contact.first_name == "Ada")
    assert ada.birthday_text == "4 November"
    report = preview((header + "Ada,Lee,1980-11-05,ada@x.example,\n").encode())
    assert [(c["field"], c["existing"], c["incoming"]) for c in report.conflicts] == [
        ("birthday", "4 November", "5 November 1980")
    ]
    Contact.update(birthday_year=1979).where(Contact.id == ada.id).execute()
    ada = Contact.get_by_id(ada.id)
    report = preview((header + "Ada,Lee,--11-05,ada@x.example,\n").encode())
    assert [(c["existing"], c["incoming"]) for c in report.conflicts] == [(ada.birthday_text, "5 November")]
    assert ada.birthday_text == "4 November 1979"
