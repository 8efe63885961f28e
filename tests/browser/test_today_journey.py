"""Open Today, log a touch on the first row, snooze the second with the keyboard, watch the goal move."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from crm.db import db
from crm.forms import ContactInput
from crm.services import contacts, followups, signals
from tests.browser.conftest import log_in


def _people(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        made = {}
        for first, kind in (("Ada", "pricing_request"), ("Ben", "funding_round"), ("Cy", "hiring")):
            url = f"https://www.linkedin.com/in/{first.lower()}"
            c = contacts.create_contact(
                ContactInput(first_name=first, last_name="Lovelace", company="Globex", linkedin_url=url)
            )
            signals.record_signal(c.id, kind)
            made[first] = c.id
        followups.create_followup(made["Cy"], "Send the deck", "in 3 days", ZoneInfo("UTC"))
        db.close()
    return made


@pytest.mark.browser
def test_today_actions_update_rows_and_goal_in_place(page, server, live_app):
    made = _people(live_app)
    log_in(page, server)
    rows = page.locator(".today-list .today-row")
    assert rows.count() == 3
    assert "Ada Lovelace" in rows.nth(0).inner_text()
    assert "Asked for pricing" in rows.nth(0).locator(".reasons").inner_text()
    assert "0 of 10" in page.locator("#today-progress").inner_text()
    page.evaluate("window.__noReload = 'still here'")

    first = page.locator(f"#today-row-{made['Ada']}")
    first.locator("summary", has_text="Log a touch").click()
    first.locator("textarea[name=text]").fill("Sent pricing for 25 seats")
    first.locator("button", has_text="Save touch").click()
    page.locator(f"#done-row-{made['Ada']}").wait_for()
    page.locator("#today-progress", has_text="1 of 10").wait_for()
    assert page.locator(f"#today-row-{made['Ada']}").count() == 0
    assert "Sent pricing" in page.locator("#today-done-list").inner_text()

    # Keyboard: j/k move the focus between people, s snoozes the focused one for a day.
    page.locator("h1").click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == f"today-row-{made['Cy']}"
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.id") == f"today-row-{made['Ben']}"
    page.keyboard.press("s")
    page.locator(f"#done-row-{made['Ben']}").wait_for()
    page.locator("#today-progress", has_text="2 of 10").wait_for()
    assert "Snoozed until" in page.locator(f"#done-row-{made['Ben']}").inner_text()
    assert page.locator(".today-list .today-row").count() == 1
    assert page.evaluate("window.__noReload") == "still here"

    # The help lists the shortcuts; Enter opens the focused person.
    page.keyboard.press("?")
    assert page.locator("#today-help").is_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == f"today-row-{made['Cy']}"
    page.keyboard.press("l")
    assert page.evaluate("document.activeElement.name") == "text"
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/contacts/{made['Cy']}")
