"""Journey: text typed on a contact page survives the cards reloading after a change made elsewhere
on it (a follow-up done, a touch logged): nothing half-typed is thrown away."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in
from tests.browser.test_contact_page_fresh_journey import _late_contact

pytestmark = pytest.mark.browser


def test_text_typed_in_the_cards_survives_their_reload(page, server, live_app):
    """Found by QA: a note half-typed above the timeline was gone when a follow-up was marked done
    (the timeline reloads to show it), as was a signal's note when a touch was logged."""
    ann_id = _late_contact(live_app, "Ann", "Lee", followup="Send deck")
    log_in(page, server)
    page.goto(f"{server.url}/contacts/{ann_id}")
    page.fill("#touch-when", "yesterday 3pm")
    page.fill("#signal-note", "Series B, $30M")
    page.click("#contact-followups summary:has-text('Add a follow-up')")
    page.fill(f"#fu-title-{ann_id}", "Book the demo")
    page.fill("#touch-text", "Promised Ann the pricing sheet by")
    before = page.locator("#timeline-panel").element_handle()

    page.click("#contact-followups button:has-text('Done')")
    page.locator("#timeline-panel >> text=Done: Send deck").wait_for()
    page.locator("#contact-followups .followup-title >> text=Send deck").wait_for(state="detached")
    page.wait_for_function("(old) => !old.isConnected", arg=before)  # the panel was swapped
    assert page.input_value("#touch-text") == "Promised Ann the pricing sheet by"
    assert page.input_value("#touch-when") == "yesterday 3pm"
    assert page.input_value(f"#fu-title-{ann_id}") == "Book the demo"
    assert page.locator(f"#fu-title-{ann_id}").is_visible()  # its form is still open
    assert page.input_value("#signal-note") == "Series B, $30M"

    # Saving the note: its own answer wins (the form is empty again), the others are kept.
    page.locator("#touch-text").press("End")
    page.keyboard.type(" Friday")
    signals = page.locator("#contact-signals").element_handle()
    page.click("#timeline-panel button:has-text('Save')")
    page.locator("#timeline-panel .timeline >> text=Promised Ann the pricing sheet by Friday").wait_for()
    page.wait_for_function("(old) => !old.isConnected", arg=signals)  # the card was swapped
    assert page.input_value("#touch-text") == ""
    assert page.input_value("#touch-when") == "now"
    assert page.input_value("#signal-note") == "Series B, $30M"
    assert page.input_value(f"#fu-title-{ann_id}") == "Book the demo"


def test_a_timeline_reload_waits_for_an_entry_open_for_editing(page, server, live_app):
    """An entry being edited has no place in the reloaded timeline: the reload waits until the
    edit is saved or cancelled, then shows what happened meanwhile."""
    ann_id = _late_contact(live_app, "Ann", "Lee", followup="Send deck")
    log_in(page, server)
    page.goto(f"{server.url}/contacts/{ann_id}")
    intro = page.locator("#timeline-panel li.entry", has_text="Intro")
    intro.get_by_role("link", name="Edit").click()
    editing = page.locator("#timeline-panel li.editing textarea")
    editing.fill("Intro call: wants a pilot in March")

    with page.expect_response(lambda r: r.url.endswith(f"/contacts/{ann_id}/timeline")):
        page.click("#contact-followups button:has-text('Done')")
    page.locator("#contact-followups .followup-title >> text=Send deck").wait_for(state="detached")
    page.wait_for_timeout(300)  # the timeline's answer has come and was held back
    assert editing.input_value() == "Intro call: wants a pilot in March"
    assert page.locator("#timeline-panel >> text=Done: Send deck").count() == 0

    page.locator("#timeline-panel li.editing").get_by_role("button", name="Save").click()
    page.locator("#timeline-panel >> text=Done: Send deck").wait_for()
    texts = page.locator("#timeline-panel li.entry .prewrap, #timeline-panel li.entry p:not(.entry-head)")
    assert "Intro call: wants a pilot in March" in texts.all_inner_texts()
    assert page.locator("#timeline-panel li.editing").count() == 0


def test_text_sent_back_with_an_error_survives_a_reload_too(page, server, live_app):
    """A note refused for its time (422) is still unsaved although the page was given it back."""
    ann_id = _late_contact(live_app, "Ann", "Lee", followup="Send deck")
    log_in(page, server)
    page.goto(f"{server.url}/contacts/{ann_id}")
    page.fill("#touch-text", "Lunch with Ann")
    page.fill("#touch-when", "blursday")
    page.locator("#touch-when:not(.htmx-request)").wait_for()
    with page.expect_response(lambda r: r.url.endswith("/touches") and r.status == 422):
        page.click("#timeline-panel button:has-text('Save')")
    page.locator("#touch-when[aria-invalid=true]").wait_for()

    page.click("#contact-followups button:has-text('Done')")
    page.locator("#timeline-panel >> text=Done: Send deck").wait_for()
    assert page.input_value("#touch-text") == "Lunch with Ann"
    assert page.input_value("#touch-when") == "blursday"
