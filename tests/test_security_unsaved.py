"""Nothing typed is lost (P5): a stale token or an ended session shows the text back, and it can be saved."""

from __future__ import annotations

import sqlite3

import pytest

from crm.db import db
from crm.services import auth
from tests.conftest import PASSWORD, csrf_from, soup, token
from tests.security_helpers import db_checksum, seed

NOTE = "Met Ada at the conference — she wants the Q3 numbers <b>by Friday</b> & a demo.\nSecond line."


@pytest.fixture
def ids(app):
    return seed(app)


def _revoke(app) -> None:
    with app.app_context():
        db.connect(reuse_if_open=True)
        auth.revoke_sessions()
        db.close()


def _notes(app) -> list[str]:
    conn = sqlite3.connect(app.config["CRM"]["DATABASE"])
    try:
        return [row[0] for row in conn.execute("SELECT body FROM activity ORDER BY id")]
    finally:
        conn.close()


def _form_data(form) -> dict[str, str]:
    data = {}
    for field in form.find_all(["input", "textarea"]):
        if field.get("name"):
            data[field["name"]] = field.get("value", "") if field.name == "input" else field.get_text()
    return data


def test_a_stale_token_re_renders_the_text_with_a_fresh_token(app, client, ids):
    fresh = token(client)
    before = db_checksum(app.config["CRM"]["DATABASE"])
    url = f"/contacts/{ids['contact_id']}/touches"
    response = client.post(
        url, data={"kind": "note", "text": NOTE, "csrf_token": "stale-token-from-yesterday"}
    )
    assert response.status_code == 400
    assert db_checksum(app.config["CRM"]["DATABASE"]) == before
    form = soup(response).find("form", {"action": url})
    assert form is not None, "the page offers the same save again"
    data = _form_data(form)
    assert data["text"] == NOTE and data["kind"] == "note"
    assert data["csrf_token"] == fresh
    saved = client.post(url, data=data)
    assert saved.status_code == 303
    assert _notes(app)[-1] == NOTE.strip()


def test_a_missing_token_keeps_the_text_too(app, client, ids):
    response = client.post("/contacts/", data={"first_name": "Grace", "notes": NOTE})
    assert response.status_code == 400
    assert NOTE in {t.get_text() for t in soup(response).find_all("textarea")}


def test_after_the_session_ended_logging_in_leads_to_a_confirmation_that_saves(app, client):
    _revoke(app)
    response = client.post(
        "/contacts/", data={"first_name": "Grace", "last_name": "Hopper", "notes": NOTE, "csrf_token": "old"}
    )
    assert response.status_code == 401
    page = soup(response)
    assert NOTE in page.get_text()
    login_form = page.find("form", {"action": "/login"})
    assert login_form is not None and login_form.find("input", {"type": "password"}) is not None
    data = _form_data(login_form)
    assert data["_pending__notes"] == NOTE and data["_resubmit_url"] == "/contacts/"
    # A wrong password keeps the text on the page too.
    wrong = client.post("/login", data={**data, "password": "not it"})
    assert wrong.status_code == 401
    data = _form_data(soup(wrong).find("form", {"action": "/login"}))
    assert data["_pending__notes"] == NOTE
    confirm = client.post("/login", data={**data, "password": PASSWORD})
    assert confirm.status_code == 200
    form = soup(confirm).find("form", {"action": "/contacts/"})
    fields = _form_data(form)
    assert fields["notes"] == NOTE and fields["first_name"] == "Grace"
    assert (
        sqlite3.connect(app.config["CRM"]["DATABASE"]).execute("SELECT count(*) FROM contact").fetchone()[0]
        == 0
    )
    saved = client.post("/contacts/", data=fields)
    assert saved.status_code == 303
    conn = sqlite3.connect(app.config["CRM"]["DATABASE"])
    row = conn.execute("SELECT full_name, notes FROM contact").fetchone()
    assert row == ("Grace Hopper", NOTE)
    assert saved.headers["Location"].startswith("/contacts/")


def test_a_resubmit_url_cannot_point_off_site(app, client):
    _revoke(app)
    page = client.get("/login")
    data = {
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "password": PASSWORD,
        "_resubmit_url": "//evil.com/steal",
        "_pending__notes": "x",
    }
    confirm = client.post("/login", data=data)
    action = soup(confirm).find("main").find("form")["action"]
    assert action.startswith("/") and not action.startswith("//")


def test_htmx_with_a_bad_token_gets_a_short_message_and_the_current_token(app, client, ids):
    fresh = token(client)
    url = f"/contacts/{ids['contact_id']}/touches"
    before = db_checksum(app.config["CRM"]["DATABASE"])
    response = client.post(
        url,
        data={"kind": "note", "text": NOTE, "csrf_token": "stale"},
        headers={"HX-Request": "true", "X-CSRF-Token": "stale"},
    )
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert len(body) < 300 and "<" not in body and "Not saved" in body
    assert response.headers["X-CSRF-Token"] == fresh
    assert db_checksum(app.config["CRM"]["DATABASE"]) == before


def test_htmx_after_the_session_ended_gets_a_short_message_and_no_token(app, client, ids):
    _revoke(app)
    response = client.post(
        f"/contacts/{ids['contact_id']}/touches",
        data={"kind": "note", "text": NOTE},
        headers={"HX-Request": "true", "X-CSRF-Token": "whatever"},
    )
    assert response.status_code == 401
    assert "session has ended" in response.get_data(as_text=True)
    assert "X-CSRF-Token" not in response.headers
