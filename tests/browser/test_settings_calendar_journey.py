"""Journey: 'Make a new address' for the calendar feed asks first; saying no keeps the address."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_new_calendar_address_is_made_only_after_confirming_with_the_keyboard(page, server):
    log_in(page, server)
    page.goto(server.url + "/settings/")
    page.click("button:has-text('Create my calendar address')")
    page.wait_for_url(re.compile(r"saved=calendar"))
    address = page.locator("#s-calendar-url")
    old = address.input_value()
    assert old.endswith(".ics")

    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.focus("button:has-text('Make a new address')")
    page.keyboard.press("Enter")
    assert questions and "Calendars subscribed to the old address will stop updating" in questions[0]
    page.goto(server.url + "/settings/")
    assert address.input_value() == old  # said no: nothing changed

    page.once("dialog", lambda d: d.accept())
    page.focus("button:has-text('Make a new address')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    new = address.input_value()
    assert new.endswith(".ics") and new != old
    assert page.request.get(old).status == 404
    assert page.request.get(new).status == 200
