"""Birthdays like 3/4/1980 after the import is saved: the done page and `crm import`'s summary
say how to read them the other way now (undo, then import again), not the preview's button."""

from __future__ import annotations

from crm.db import db
from crm.models import Contact
from tests.conftest import soup
from tests.imports.test_addressbook_web import commit, settle, upload
from tests.imports.test_bad_input_and_cli import invoke

US_DATES = (
    "First Name,Last Name,Company,Job Title,E-mail Address,Birthday\r\n"
    "Renée,Dubois,Café Noir,Owner,renee@cafe.example,3/4/1980\r\n"
    "Ann,Lee,,,ann@lee.example,12/25/1970\r\n"
    "Bo,Chen,,,bo@chen.example,5/6/1990\r\n"
).encode()


def test_the_done_page_says_to_undo_and_upload_again_to_read_birthdays_the_other_way(client, app):
    url, page = settle(client, upload(client, "outlook.csv", US_DATES))
    form = soup(page).select_one("form.date-order")
    assert form.select_one("button").get_text(strip=True) == "Read birthdays day first instead"
    done = soup(commit(client, url))
    assert "Imported as #1" in done.get_text(" ")
    assert done.select_one("form.date-order") is None
    notes = done.select_one("section.notes").get_text(" ", strip=True)
    assert "2 birthdays could be read day first or month first" in notes
    assert "instead" not in notes  # no button to read them another way once saved
    advice = done.select_one(".date-order-done").get_text(" ", strip=True)
    assert "2 birthdays like 3/4/1980 were read month first" in advice
    assert "To read them day first instead, undo this import and upload the file again" in advice
    assert advice.endswith("its preview then offers to read birthdays day first.")


def test_the_preview_note_points_at_the_other_order_without_an_instruction_the_done_page_cannot_keep(
    client, app
):
    body = US_DATES.replace(b"12/25/1970", b"25/12/1970")  # a date only day first can read
    url, page = settle(client, upload(client, "outlook.csv", body))
    note = soup(page).select_one("section.notes li").get_text(" ", strip=True)
    assert note.endswith(
        "But 1 other birthday in this file can only be read day first, so the file probably writes"
        " dates day first."
    )
    assert soup(page).select_one(".date-order-done") is None  # the button is the advice here
    done = soup(commit(client, url))
    assert "read them day first instead" not in done.select_one("section.notes").get_text(" ")
    assert "undo this import and upload the file again" in done.select_one(".date-order-done").get_text(" ")


def test_the_command_line_summary_after_a_commit_says_to_undo_and_run_again(app, tmp_path):
    path = tmp_path / "outlook.csv"
    path.write_bytes(US_DATES.replace(b"12/25/1970", b"25/12/1970"))
    done = invoke(app, "import", "csv", str(path))
    assert done.exit_code == 0, done.output
    assert "read them day first instead" not in done.stdout
    assert "undo it (crm import undo 1) and run it again with --date-order day-first." in done.stdout
    with app.app_context():
        db.connect(reuse_if_open=True)
        assert Contact.select().count() == 3
        db.close()
