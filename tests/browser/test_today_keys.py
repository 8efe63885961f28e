"""Today's row keys act on the focused person, and with nobody focused they never leave the page."""

from __future__ import annotations

import sqlite3

import pytest

from crm.db import db
from crm.forms import ContactInput
from crm.services import contacts, signals
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_row_keys_with_nobody_focused_focus_the_first_person_and_stay_on_today(page, server, live_app):
    """Found by QA: `s` (snooze the focused person) with nobody focused fell through to the
    global `s` and opened the Stream. A row key with nobody focused now focuses the first person,
    as `j` does, and acts on nobody; the next press acts on them."""
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        made = {}
        for first, kind in (("Ada", "pricing_request"), ("Ben", "funding_round")):
            made[first] = contacts.create_contact(ContactInput(first_name=first, last_name="King")).id
            signals.record_signal(made[first], kind)
        db.close()
    log_in(page, server)
    page.evaluate("window.__noReload = 'still here'")
    first = f"today-row-{made['Ada']}"

    for key in ("s", "l"):
        page.locator("h1").click()
        page.keyboard.press(key)
        page.wait_for_timeout(300)
        assert page.url == server.url + "/"
        assert page.evaluate("document.activeElement.id") == first
        assert page.locator(".row-pop[open]").count() == 0
    conn = sqlite3.connect(live_app.config["CRM"]["DATABASE"])
    assert conn.execute("SELECT COUNT(*) FROM contact WHERE snoozed_until IS NOT NULL").fetchone()[0] == 0
    assert page.evaluate("window.__noReload") == "still here"

    # Focused now: s snoozes Ada, and the keyboard stays on the list (on Ben, now first).
    page.keyboard.press("s")
    page.locator(f"#done-row-{made['Ada']}").wait_for()
    assert conn.execute("SELECT id FROM contact WHERE snoozed_until IS NOT NULL").fetchall() == [
        (made["Ada"],)
    ]
    page.locator(f"#today-row-{made['Ben']}:focus").wait_for()
    # Elsewhere than Today, s is still the Stream.
    page.goto(server.url + "/contacts/")
    page.keyboard.press("s")
    page.wait_for_url("**/stream/")
