"""What the upload says about a long file name and a cell too big to be a contact's."""

from __future__ import annotations

from crm.models import ImportRun
from tests.conftest import soup
from tests.imports.test_addressbook_web import commit, settle, upload

GOOGLE = b"First Name,Last Name,E-mail 1 - Value,Labels\nCamila,Petrov,camila.p@home.example,* myContacts\n"


def test_a_csv_with_a_name_longer_than_200_characters_is_imported_under_a_shortened_name(client, app):
    name = "Contacts exported " + "very " * 50 + "long 2026-01-09.csv"
    assert len(name) > 200
    url, page = settle(client, upload(client, name, GOOGLE))
    assert soup(page).select_one("dd[data-count=created]").get_text(strip=True) == "1"
    commit(client, url)
    shown = soup(client.get("/imports")).select_one(".run-list").get_text(" ", strip=True)
    kept = ImportRun.select().get().file_name
    assert len(kept) == 200 and kept.startswith("Contacts exported very very") and kept in shown
    assert kept.endswith("ve…very very very very very long 2026-01-09.csv")  # the end, with its date


def test_a_long_name_of_another_kind_of_file_is_refused_shortened(client, app):
    refused = upload(client, "photo " * 60 + ".png", b"\x89PNG\r\n")
    assert refused.status_code == 422
    alert = soup(refused).select_one("[role=alert]").get_text(" ", strip=True)
    assert alert.endswith(".png is not a .zip, .csv or .vcf file.") and "…" in alert
    assert len(alert) < 250


def test_a_cell_bigger_than_a_contact_is_said_plainly_with_file_and_row(client, app):
    body = b"First Name,Last Name,E-mail Address\nAda,Lee,ada@x.example\n" + b"B" * (2 << 20) + b",Chen,\n"
    _url, page = settle(client, upload(client, "hugeline.csv", body))
    error = soup(page).select_one("[role=alert]").get_text(" ", strip=True)
    assert error == (
        "hugeline.csv, row 3: A cell is longer than 1 MiB (a stray quote, or not a contacts file?)."
        " Nothing was imported."
    )
    assert "field limit" not in error
