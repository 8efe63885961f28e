"""Journey: an entry whose date is edited in the Stream moves to its place at once, shown there;
an edit of its text alone leaves it where it is."""

from __future__ import annotations

import datetime as dt

import pytest

from crm.db import db
from crm.models import Contact
from crm.services import activities
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _notes(live_app, notes: dict[str, dt.datetime]) -> None:
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        ann = Contact.create(full_name="Ann Lee", first_name="Ann", name_key="ann lee")
        for text, when in notes.items():
            activities.log_touch([ann.id], kind="note", text=text, occurred_at=when.replace(tzinfo=dt.UTC))
        db.close()


def _texts(page) -> list[str]:
    return page.locator("#stream-results li.entry .prewrap").all_inner_texts()


def _edit(page, text: str):
    """Open an entry's edit form; returns it."""
    page.locator("#stream-results li.entry", has_text=text).get_by_role("link", name="Edit").click()
    form = page.locator("#stream-results li.editing", has=page.locator(f"textarea:text-is('{text}')"))
    form.wait_for()
    return form


def test_an_entry_whose_date_is_edited_moves_to_its_place_in_the_stream(page, server, live_app):
    """Found by QA: an entry edited to an older date stayed on top of the Stream until a reload."""
    _notes(live_app, {"Pilot call": dt.datetime(2026, 3, 1, 10), "Sent the deck": dt.datetime(2026, 3, 2, 10),
                      "Coffee meeting": dt.datetime(2026, 3, 3, 10)})  # fmt: skip
    log_in(page, server)
    page.goto(f"{server.url}/stream/")
    assert _texts(page) == ["Coffee meeting", "Sent the deck", "Pilot call"]

    # Only the text changes: the entry is saved where it is, the list is not reloaded.
    results = page.locator("#stream-results").element_handle()
    form = _edit(page, "Coffee meeting")
    form.locator("textarea").fill("Coffee meeting, and cake")
    form.get_by_role("button", name="Save").click()
    page.locator("#stream-results li.entry .prewrap", has_text="and cake").wait_for()
    assert _texts(page) == ["Coffee meeting, and cake", "Sent the deck", "Pilot call"]
    assert page.evaluate("(old) => old.isConnected", results)
    assert page.locator(".moved-here").count() == 0

    # Its date moves back two days: it goes below the others and shows where it went.
    form = _edit(page, "Coffee meeting, and cake")
    form.locator("input[name=when]").fill("2026-03-01 09:00")
    form.get_by_role("button", name="Save").click()
    page.locator("#stream-results li.entry:last-child.moved-here").wait_for()
    assert _texts(page) == ["Sent the deck", "Pilot call", "Coffee meeting, and cake"]
    moved = page.locator("#stream-results li.moved-here")
    assert moved.locator("time").inner_text() == "1 Mar 2026, 09:00"
    assert moved.is_visible() and moved.bounding_box()["y"] < page.viewport_size["height"]

    # With another entry open and changed, the list waits for it, then moves the entry.
    pilot = _edit(page, "Pilot call")
    pilot.locator("textarea").fill("Pilot call: they said yes")
    deck = _edit(page, "Sent the deck")
    deck.locator("input[name=when]").fill("2026-02-01 10:00")
    with page.expect_response(lambda r: r.url.endswith("/stream/") and r.request.method == "GET"):
        deck.get_by_role("button", name="Save").click()
    page.wait_for_timeout(300)  # the list's answer has come and is held back
    assert pilot.locator("textarea").input_value() == "Pilot call: they said yes"
    assert _texts(page) == ["Sent the deck", "Coffee meeting, and cake"]  # Pilot call is being edited
    pilot.get_by_role("button", name="Save").click()
    page.locator("#stream-results li.entry:last-child.moved-here", has_text="Sent the deck").wait_for()
    assert _texts(page) == ["Pilot call: they said yes", "Coffee meeting, and cake", "Sent the deck"]


def test_an_entry_moved_beyond_the_loaded_page_says_where_it_went(page, server, live_app):
    start = dt.datetime(2026, 3, 1, 10)
    _notes(live_app, {f"Note {i:02}": start + dt.timedelta(hours=i) for i in range(40)})
    log_in(page, server)
    page.goto(f"{server.url}/stream/")
    assert _texts(page)[0] == "Note 39"
    form = _edit(page, "Note 39")
    form.locator("input[name=when]").fill("2015-01-01 10:00")
    form.get_by_role("button", name="Save").click()
    page.locator("#toast", has_text="moved down the list").wait_for()
    assert page.locator("#toast").inner_text() == "Saved. It moved down the list, to 1 Jan 2015, 10:00."
    page.locator("#stream-results li.entry .prewrap", has_text="Note 39").wait_for(state="detached")
    assert _texts(page)[0] == "Note 38"
