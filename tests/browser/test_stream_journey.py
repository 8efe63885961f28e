"""Press n, log a call on a contact found by type-ahead, add a follow-up, see it, snooze it."""

from __future__ import annotations

import pytest

from crm.db import db
from crm.models import Contact
from tests.browser.conftest import log_in


@pytest.mark.browser
def test_quick_entry_call_and_followup_then_snooze(page, server, live_app):
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        Contact.create(full_name="Grace Hopper", name_key="grace hopper")
        Contact.create(full_name="Alan Turing", name_key="alan turing")
        db.close()
    log_in(page, server)
    page.keyboard.press("n")
    dialog = page.locator("#quick-entry")
    dialog.wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "qe-contact"
    page.keyboard.type("grac")
    page.locator("#qe-matches input[type=radio]:checked").wait_for()
    assert page.locator("#qe-matches .name").all_inner_texts() == ["Grace Hopper"]
    page.select_option("#qe-kind", "call")
    page.fill("#qe-text", "Talked about the pilot")
    page.click(".qe-followup summary")
    page.fill("#qe-fu-title", "Send the proposal")
    page.fill("#qe-fu-due", "in 2 weeks")
    page.locator(".qe-followup .when-preview").filter(has_text="→").wait_for()
    page.click("#quick-entry-form button[type=submit]")
    dialog.wait_for(state="hidden")

    page.goto(server.url + "/stream/")
    assert "Talked about the pilot" in page.locator("#stream-results").inner_text()
    page.click("text=Grace Hopper")
    assert "Talked about the pilot" in page.locator("#timeline-panel").inner_text()
    panel = page.locator("#contact-followups")
    assert "Send the proposal" in panel.inner_text()
    before = panel.locator("time").inner_text()
    panel.locator(".snooze summary").click()
    panel.locator("button[value=tomorrow]").click()
    page.locator("#contact-followups .badge.snoozed").wait_for()
    assert page.locator("#contact-followups time").inner_text() != before
