"""The import page with address books: routing by content, mapping screen, preview, commit, undo."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from crm.db import db
from crm.models import ColumnMapping, Contact
from tests.conftest import soup, token
from tests.imports.conftest import dump, wait_for
from tests.imports.test_addressbook import GOOGLE, VCARD
from tests.imports.test_addressbook_cli import BAD

UNKNOWN = "Who,Mail,Shoe size\nAda Lovelace,ada@x.example,38\nAlan Turing,alan@x.example,44\n"


def upload(client, name: str, body: bytes):
    return client.post(
        "/imports",
        data={"csrf_token": token(client), "file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )


def settle(client, response):
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    url = response.headers["Location"]
    return url, wait_for(client, url + "/status")


def commit(client, url: str):
    response = client.post(url + "/commit", data={"csrf_token": token(client)})
    assert response.status_code == 303
    return wait_for(client, url + "/status")


def counts(page) -> dict[str, str]:
    return {dd["data-count"]: dd.get_text(strip=True) for dd in soup(page).select("dd[data-count]")}


def test_google_csv_preview_commit_history_undo(client, app):
    before = dump(app.config["CRM"]["DATABASE"])
    url, page = settle(client, upload(client, "contacts.csv", GOOGLE.encode()))
    got = counts(page)
    assert (got["created"], got["updated"], got["unchanged"], got["skipped"]) == ("2", "0", "0", "2")
    rows = [
        [td.get_text(strip=True) for td in tr.select("td")]
        for tr in soup(page).select("table.skipped tbody tr")
    ]
    assert ["contacts.csv", "4", "same person as row 2"] in rows
    done = commit(client, url)
    assert "Imported as #1" in soup(done).get_text(" ")
    index = soup(client.get("/imports"))
    assert "contacts.csv" in index.select_one(".run-list").get_text(" ")
    form = index.select_one("form.undo-form")
    assert client.post(form["action"], data={"csrf_token": token(client)}).status_code == 303
    assert dump(app.config["CRM"]["DATABASE"]) == before


def test_the_preview_lists_conflicts_with_field_and_row(client, app):
    commit(client, settle(client, upload(client, "contacts.csv", GOOGLE.encode()))[0])
    second = (
        "First Name,Last Name,Organization Name,E-mail 1 - Value,Labels\n"
        'Ada,"Lovelace, FRS",Other Corp,ada@engines.example,\n'  # credentials are not a conflict
    )
    _url, page = settle(client, upload(client, "again.csv", second.encode()))
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in soup(page).select("table.conflicts tbody tr")
    ]
    assert rows == [["Ada Lovelace Company, row 2", "Engines Ltd", "Other Corp"]]
    assert "1 contact already has other values" in soup(page).get_text(" ")


def test_vcard_goes_to_the_address_book_flow(client, app):
    url, page = settle(client, upload(client, "cards.vcf", VCARD.encode()))
    assert counts(page)["created"] == "1" and counts(page)["companies"] == "2"
    commit(client, url)
    db.connect(reuse_if_open=True)
    assert [c.full_name for c in Contact.select()] == ["Ravi Gupta"]


def test_unknown_csv_mapping_screen_422_then_remembered(client, app):
    before = dump(app.config["CRM"]["DATABASE"])
    url, page = settle(client, upload(client, "list.csv", UNKNOWN.encode()))
    form = soup(page).select_one("form.mapping-form")
    assert form is not None
    assert "We do not know this CSV layout yet" in form.get_text(" ")
    columns = [th.get_text(strip=True) for th in form.select("tbody th")]
    assert columns == ["Who", "Mail", "Shoe size"]
    assert "ada@x.example" in form.get_text(" ")
    labels = [o.get_text() for o in form.select("#col-0 option")]
    for label in ("First name", "Last name", "Full name", "Email", "Phone", "Company", "Title",
                  "LinkedIn URL", "Tags", "Notes", "Birthday", "Ignore"):  # fmt: skip
        assert label in labels
    bad = client.post(
        url + "/mapping",
        data={"csrf_token": token(client), "col-0": "ignore", "col-1": "ignore", "col-2": "notes"},
    )
    assert bad.status_code == 422
    page = soup(bad)
    assert "Map at least one column" in page.select_one("#mapping-error").get_text()
    assert page.select_one("#col-2 option[selected]")["value"] == "notes"  # the choice is kept
    assert dump(app.config["CRM"]["DATABASE"]) == before
    ok = client.post(
        url + "/mapping", data={"csrf_token": token(client), "col-0": "full_name", "col-1": "email"}
    )
    assert ok.status_code == 303
    page = wait_for(client, url + "/status")
    assert counts(page)["created"] == "2"
    commit(client, url)
    db.connect(reuse_if_open=True)
    assert ColumnMapping.select().count() == 1
    assert sorted(c.full_name for c in Contact.select()) == ["Ada Lovelace", "Alan Turing"]
    # the same header next time: the screen comes preselected with the remembered choice
    _url, again = settle(client, upload(client, "list2.csv", UNKNOWN.encode()))
    selected = {s["id"]: s.select_one("option[selected]")["value"] for s in soup(again).select("select")}
    assert selected == {"col-0": "full_name", "col-1": "email", "col-2": "ignore"}
    text = soup(again).select_one("form.mapping-form").get_text(" ")
    assert "You mapped a file with these columns before" in text and "do not know" not in text


@pytest.mark.parametrize("case", BAD)
def test_web_bad_input(client, app, case):
    body, expected = BAD[case]
    before = dump(app.config["CRM"]["DATABASE"])
    response = upload(client, "contacts.csv", body)
    _url, page = settle(client, response)
    text = soup(page).get_text(" ")
    assert "could not be imported" in text and expected in text, text
    assert dump(app.config["CRM"]["DATABASE"]) == before
    assert client.get("/contacts/").status_code == 200
    assert list((Path(app.config["CRM"]["DATA_DIR"]) / "uploads").glob("*")) == []


def test_the_preview_reads_ambiguous_birthdays_the_other_way_on_request(client, app):
    """Birthdays like 3/4/1980 follow Settings (month first by default); the preview's button
    previews the same upload again day first, in a new process, and the import keeps that."""
    from crm.services import import_jobs
    from tests.imports.test_import_process import _gone

    body = (
        "First Name,Last Name,Company,Job Title,E-mail Address,Birthday\r\n"
        "Renée,Dubois,Café Noir,Owner,renee@cafe.example,3/4/1980\r\n"
        "Ann,Lee,,,ann@lee.example,25/12/1970\r\n"
    ).encode()
    url, page = settle(client, upload(client, "outlook.csv", body))
    notes = soup(page).select_one("section.notes").get_text(" ", strip=True)
    assert "it was read month first" in notes and "can only be read day first" in notes
    form = soup(page).select_one("form.date-order")
    assert form.select_one("input[name=order]")["value"] == "day-first"
    assert form.select_one("button").get_text(strip=True) == "Read birthdays day first instead"
    job = import_jobs.get(url.rstrip("/").rsplit("/", 1)[-1])
    first_child = job.pid

    response = client.post(form["action"], data={"csrf_token": token(client), "order": "day-first"})
    assert response.status_code == 303 and response.headers["Location"].endswith(url.rsplit("/", 1)[-1])
    page = wait_for(client, url + "/status")
    assert job.state == "ready" and job.pid != first_child and _gone(first_child)
    notes = soup(page).select_one("section.notes").get_text(" ", strip=True)
    assert "it was read day first, as you chose." in notes and "can only be read" not in notes
    assert soup(page).select_one("form.date-order input[name=order]")["value"] == "month-first"
    done = commit(client, url)
    assert "Imported as #1" in soup(done).get_text(" ")
    db.connect(reuse_if_open=True)
    renee = Contact.get(Contact.last_name == "Dubois")
    assert (renee.birthday_day, renee.birthday_month, renee.birthday_year) == (3, 4, 1980)
    # once imported, the button is gone and asking for it changes nothing
    assert soup(done).select_one("form.date-order") is None
    late = client.post(form["action"], data={"csrf_token": token(client), "order": "month-first"})
    assert late.status_code == 409
    bad = client.post(form["action"], data={"csrf_token": token(client), "order": "sideways"})
    assert bad.status_code == 400


def test_a_linkedin_preview_has_no_date_order_to_change_and_stays_ready(client, app, exports):
    url, page = settle(client, upload(client, "export.zip", exports[1][0]))
    assert soup(page).select_one("form.date-order") is None
    late = client.post(url + "/date-order", data={"csrf_token": token(client), "order": "day-first"})
    assert late.status_code == 409
    assert "Imported as #1" in soup(commit(client, url)).get_text(" ")


def test_the_done_page_points_at_duplicates_the_import_brought_in(client, app):
    from tests.imports.test_addressbook_cli import ANN_CARD, _linkedin_ann

    _linkedin_ann(app)
    url, _page = settle(client, upload(client, "contacts.vcf", ANN_CARD.encode()))
    notice = soup(commit(client, url)).select_one(".notice")
    assert notice.get_text(" ", strip=True).endswith(
        "1 suggested duplicate pair has someone this import brought in or changed: review it in Duplicates ."
    )
    assert notice.select_one("a[href='/duplicates/']").get_text() == "review it in Duplicates"


def test_undoing_an_import_under_a_merge_made_since_says_what_to_undo_first(client, app):
    from crm.services import merge

    commit(client, settle(client, upload(client, "contacts.csv", GOOGLE.encode()))[0])
    again = "First Name,Last Name,Organization Name,Phone 1 - Value,Labels\nAlan,Turing,,+44 1908 640404,\n"
    commit(client, settle(client, upload(client, "phones.csv", again.encode()))[0])
    alans = [c.id for c in Contact.select().where(Contact.full_name == "Alan Turing").order_by(Contact.id)]
    assert len(alans) == 2  # a name alone never matches
    done = merge.merge_contacts(alans[1], alans[0])
    merged = dump(app.config["CRM"]["DATABASE"])
    form = soup(client.get("/imports")).select_one("form.undo-form")
    refused = client.post(form["action"], data={"csrf_token": token(client)})
    assert refused.status_code == 409
    alert = soup(refused).select_one("[role=alert]")
    assert alert.get_text(" ", strip=True).startswith(
        f"A merge (#{done.id}) made after this import involves people it brought in or changed: undo it"
    )
    assert alert.select_one("a")["href"] == "/duplicates/#dup-merges-title"
    assert dump(app.config["CRM"]["DATABASE"]) == merged


@pytest.mark.parametrize(
    ("name", "body"),
    [
        (
            "messages (1).csv",
            "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,DATE,SUBJECT,CONTENT,FOLDER\n"
            "2-a,,Ann Lee,https://www.linkedin.com/in/ann,Owen Owner,2021-11-17 18:14:58 UTC,,Hi,INBOX\n"
            "2-a,,Owen Owner,https://www.linkedin.com/in/owen,Ann Lee,2021-11-18 18:14:58 UTC,,Hi!,INBOX\n"
            "2-b,,Owen Owner,https://www.linkedin.com/in/owen,Bo Chen,2021-11-18 18:14:58 UTC,,Yo,INBOX\n",
        ),
        (
            "Connections (1).csv",
            'Notes:\n"When exporting your connection data, you may notice..."\n\n'
            "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
            "Ann,Lee,https://www.linkedin.com/in/ann,,Acme,CFO,01 May 2024\n",
        ),
    ],
)
def test_a_renamed_linkedin_csv_goes_to_the_linkedin_flow_by_its_header(client, app, name, body):
    """Found by QA: a browser's second download ("messages (1).csv") went to the mapping screen,
    and "Connections (1).csv" to the address-book flow (no job changes, no 'no longer connected')."""
    from crm.services import import_jobs

    url, page = settle(client, upload(client, name, body.encode()))
    assert import_jobs.get(url.rsplit("/", 1)[-1]).kind == "linkedin"
    assert soup(page).select_one("form.mapping-form") is None
    commit(client, url)
    db.connect(reuse_if_open=True)
    assert ("Ann Lee", "https://www.linkedin.com/in/ann") in [
        (c.full_name, c.linkedin_url) for c in Contact.select()
    ]


def test_a_long_list_of_job_changes_shows_ten_and_the_rest_on_request(client, app):
    """A quarter in a big network brings a hundred job changes: the preview was 10,000 px tall on
    a phone with them all inline."""
    from tests.linkedin_export import build

    first, _ = build(200, 500, 1)
    commit(client, settle(client, upload(client, "export.zip", first))[0])
    second, truth = build(200, 500, 2)
    _url, page = settle(client, upload(client, truth["zip_name"], second))
    changes = soup(page).select_one("section.card:has(> .change-list)")
    shown = changes.select(":scope > .change-list > li")
    hidden = changes.select("details.more-changes li")
    assert len(shown) == 10 and len(hidden) == len(truth["job_changes"]) + len(truth["promotions"]) - 10
    assert (
        changes.select_one("details.more-changes summary").get_text(strip=True)
        == f"Show all {len(shown) + len(hidden)}"
    )
    kinds = [li["class"] for li in shown + hidden]
    assert kinds.count(["job-change"]) == len(truth["job_changes"])
    assert kinds.count(["promotion"]) == len(truth["promotions"])


def test_the_import_page_says_a_new_upload_drops_the_waiting_preview(client, app):
    first, _page = settle(client, upload(client, "contacts.csv", GOOGLE.encode()))
    notice = " ".join(soup(client.get("/imports")).select_one(".import-upload .notice").get_text(" ").split())
    assert "contacts.csv is waiting for you to confirm it" in notice
    assert "Uploading another file drops that preview" in notice
    settle(client, upload(client, "cards.vcf", VCARD.encode()))
    assert client.get(first).status_code == 404  # dropped, as the page said
