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


@pytest.mark.browser
def test_an_entry_restored_from_the_trash_leaves_the_trash_list_at_once(page, server, live_app):
    from crm.services import activities

    with live_app.app_context():
        db.connect(reuse_if_open=True)
        ada = Contact.create(full_name="Ada Lovelace", name_key="ada lovelace")
        kept = activities.log_touch([ada.id], "note", "Still in the trash")
        back = activities.log_touch([ada.id], "call", "Coming back", direction="out")
        activities.delete_activity(kept)
        activities.delete_activity(back)
        db.close()
    log_in(page, server)
    page.goto(server.url + "/stream/trash")
    row = page.locator(f"#activity-{back.id}")
    row.get_by_role("button", name="Restore").click()
    row.get_by_text("Restored").wait_for()
    assert row.locator(".entry-head, button").count() == 0
    assert page.locator(".timeline .entry-head").all_inner_texts() == [
        page.locator(f"#activity-{kept.id} .entry-head").inner_text()
    ]
    row.get_by_role("link", name="the stream").click()
    page.wait_for_url(server.url + "/stream/")
    assert page.locator(f"#activity-{back.id} .kind").inner_text() == "Outgoing call"
    page.goto(server.url + "/stream/trash")
    assert page.locator(f"#activity-{back.id}").count() == 0
