"""The contact type-ahead works from the keyboard wherever it is (the quick entry, the follow-ups
page): arrows choose, Enter picks, Esc closes the quick entry."""

from __future__ import annotations

import re
import sqlite3

import pytest

from crm.db import db
from crm.models import Contact
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _state(page):
    return page.evaluate(
        """() => {
          const box = document.getElementById("qe-contact");
          const checked = document.querySelector("#qe-matches input:checked");
          return {focus: document.activeElement.id, box: box.value, caret: box.selectionStart,
                  picked: checked ? checked.parentElement.querySelector(".name").textContent : null,
                  open: document.getElementById("quick-entry").open};
        }"""
    )


def test_arrows_move_through_the_matches_enter_picks_and_escape_closes(page, server, live_app):
    """Found by QA: Up and Down in the name box did nothing (the README says arrow keys choose
    another match), Enter on a match submitted the half-filled form, and the first Esc only
    cleared the name box."""
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        ids = {
            n: Contact.create(full_name=n, name_key=n.lower()).id
            for n in ("Grace Hopper", "Grace Jones", "Grace Kelly")
        }
        db.close()
    log_in(page, server)
    page.keyboard.press("n")
    page.locator("#quick-entry").wait_for(state="visible")
    # the matches for all of "grace", not a slower earlier answer swapped in over the arrows
    with page.expect_response(re.compile(r"contact_q=grace$")):
        page.keyboard.type("grace")
    page.locator("#qe-contact:not(.htmx-request)").wait_for()
    page.locator("#qe-matches .match", has_text="Grace Kelly").wait_for()
    assert _state(page)["picked"] == "Grace Hopper"

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert _state(page) == {
        "focus": "qe-contact",
        "box": "grace",
        "caret": 5,
        "picked": "Grace Kelly",
        "open": True,
    }
    page.keyboard.press("ArrowDown")  # stays on the last
    page.keyboard.press("ArrowUp")
    assert _state(page)["picked"] == "Grace Jones"
    page.keyboard.press("ArrowLeft")  # left and right still move the caret
    page.keyboard.press("ArrowLeft")
    assert _state(page)["caret"] == 3 and _state(page)["picked"] == "Grace Jones"

    page.keyboard.press("Enter")
    assert _state(page) == {
        "focus": "qe-kind",
        "box": "Grace Jones",
        "caret": 11,
        "picked": "Grace Jones",
        "open": True,
    }
    page.fill("#qe-text", "Coffee next week")
    page.click("#qe-text")
    page.keyboard.press("ArrowUp")  # in the text, arrows stay the caret's
    assert page.evaluate("document.activeElement.id") == "qe-text"

    # Enter on a focused match picks it too, instead of submitting the form.
    page.focus("#qe-matches input:checked")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert _state(page)["focus"] == "qe-kind" and _state(page)["box"] == "Grace Kelly"
    conn = sqlite3.connect(live_app.config["CRM"]["DATABASE"])
    assert conn.execute("SELECT COUNT(*) FROM activity").fetchone()[0] == 0

    # Esc in the name box closes the dialog at once (a search box would only clear itself) and
    # keeps what was typed for the next time.
    page.focus("#qe-contact")
    page.keyboard.press("Escape")
    page.locator("#quick-entry").wait_for(state="hidden")
    page.keyboard.press("n")
    page.locator("#quick-entry").wait_for(state="visible")
    assert page.input_value("#qe-text") == "Coffee next week"
    # No focus lingers in the closed dialog, not even until the next frame: a shortcut pressed at
    # once was taken for typing in the hidden box (and `n` did not open it again).
    closed = page.evaluate(
        """() => {
          const box = document.getElementById("qe-contact");
          box.focus();
          box.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true, cancelable: true}));
          return [document.getElementById("quick-entry").open, document.activeElement.tagName];
        }"""
    )
    assert closed == [False, "BODY"]
    page.keyboard.press("n")
    page.locator("#quick-entry").wait_for(state="visible")
    page.keyboard.press("Control+Enter")
    page.locator("#quick-entry").wait_for(state="hidden")
    touched = conn.execute(
        "SELECT ac.contact_id, a.body FROM activity a JOIN activity_contact ac ON ac.activity_id = a.id"
    ).fetchall()
    assert touched == [(ids["Grace Kelly"], "Coffee next week")]


def test_the_follow_ups_with_box_takes_the_same_keys(page, server, live_app):
    """Found by QA: on the Follow-ups page ↓ left the first match picked and Enter submitted the
    form (the browser asked to fill in the title) instead of taking the match."""
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        ids = {n: Contact.create(full_name=n, name_key=n.lower()).id for n in ("Matt Hale", "Matteo Rossi")}
        db.close()
    log_in(page, server)
    page.goto(server.url + "/followups/")
    page.click("#fu-contact")
    with page.expect_response(re.compile(r"contact_q=mat$")):
        page.keyboard.type("mat")
    page.locator("#fu-contact:not(.htmx-request)").wait_for()
    page.locator("#fu-matches .match", has_text="Matteo Rossi").wait_for()

    def picked():
        return page.evaluate(
            """() => { const c = document.querySelector("#fu-matches input:checked");
                       return c ? c.parentElement.querySelector(".name").textContent : null; }"""
        )

    assert picked() == "Matt Hale"
    page.keyboard.press("ArrowDown")
    assert picked() == "Matteo Rossi"
    assert page.evaluate("document.activeElement.id") == "fu-contact"
    # a submit would stop at the empty title ("Please fill out this field") and focus it too
    page.evaluate("() => { window.refused = 0; addEventListener('invalid', () => window.refused++, true); }")
    page.keyboard.press("Enter")
    # the match is taken and the caret moves on to the title; nothing was submitted
    assert page.evaluate("document.activeElement.id") == "fu-title"
    assert page.input_value("#fu-contact") == "Matteo Rossi"
    assert page.evaluate("window.refused") == 0
    conn = sqlite3.connect(live_app.config["CRM"]["DATABASE"])
    assert conn.execute("SELECT COUNT(*) FROM follow_up").fetchone()[0] == 0
    # the quick entry's matches are its own: its name box and list are untouched
    assert page.locator("#qe-matches .match").count() == 0

    page.keyboard.type("Send the deck")
    page.fill("#fu-due", "tomorrow")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/followups/")):
        page.keyboard.press("Control+Enter")
    assert conn.execute("SELECT contact_id, title FROM follow_up").fetchall() == [
        (ids["Matteo Rossi"], "Send the deck")
    ]


def test_n_on_a_contact_page_has_that_person_picked(page, server, live_app):
    """Found by QA: `n` on a contact's page (or brief) made you type their name again."""
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        ann = Contact.create(full_name="Ann Lee", name_key="ann lee")
        db.close()
    log_in(page, server)
    page.goto(f"{server.url}/contacts/{ann.id}")
    page.keyboard.press("n")
    page.locator("#quick-entry").wait_for(state="visible")
    assert _state(page) == {
        "focus": "qe-contact",
        "box": "Ann Lee",
        "caret": 0,
        "picked": "Ann Lee",
        "open": True,
    }
    # all of the name is selected: typing replaces it to pick someone else
    assert page.evaluate("document.activeElement.selectionEnd") == len("Ann Lee")
    page.keyboard.press("Enter")
    page.fill("#qe-text", "Pilot call")
    page.keyboard.press("Control+Enter")
    page.locator("#quick-entry").wait_for(state="hidden")
    page.locator("#timeline-panel .timeline >> text=Pilot call").wait_for()
    conn = sqlite3.connect(live_app.config["CRM"]["DATABASE"])
    touched = conn.execute(
        "SELECT ac.contact_id, a.body FROM activity a JOIN activity_contact ac ON ac.activity_id = a.id"
    ).fetchall()
    assert touched == [(ann.id, "Pilot call")]
    page.keyboard.press("n")  # and again after that save
    page.locator("#quick-entry").wait_for(state="visible")
    assert _state(page)["picked"] == "Ann Lee" and _state(page)["box"] == "Ann Lee"
