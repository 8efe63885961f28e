"""Journey: log in, add a contact, find it by typing, fix an invalid edit (422), see it saved."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_add_find_and_edit_a_contact_with_a_422_in_between(page, server):
    log_in(page, server)
    page.click("nav.mainnav >> text=Contacts")
    page.wait_for_url(re.compile(r"/contacts/$"))
    assert "Import your LinkedIn export" in page.inner_text("#contact-results")

    page.click("text=Add contact")
    page.fill("#f-first_name", "Grace")
    page.fill("#f-last_name", "Hopper")
    page.fill("#f-company", "Remington Rand")
    page.fill("#f-emails", "grace@navy.example")
    page.click("button:has-text('Add contact')")
    page.wait_for_url(re.compile(r"/contacts/\d+$"))
    assert page.inner_text("h1") == "Grace Hopper"

    page.click("nav.mainnav >> text=Contacts")
    # typing before the list page has loaded (htmx not yet listening) changed nothing: a flake
    page.wait_for_url(re.compile(r"/contacts/$"))
    page.wait_for_load_state()
    page.fill("#q", "hopp")
    page.wait_for_url(re.compile(r"q=hopp"))
    rows = page.locator(".contact-row .name")
    rows.first.wait_for()
    assert rows.all_inner_texts() == ["Grace Hopper"]
    page.fill("#q", "nobody-matches-this")
    page.wait_for_url(re.compile(r"q=nobody-matches-this"))
    page.locator("text=No contacts match").wait_for()
    page.go_back()
    page.wait_for_url(re.compile(r"q=hopp"))
    page.locator(".contact-row .name").first.wait_for()

    page.click("text=Grace Hopper")
    page.click("text=Edit")
    page.fill("#f-emails", "not an email")
    page.fill("#f-title", "Rear Admiral")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("button:has-text('Save changes')")
    assert answer.value.status == 422
    error = page.locator("#e-emails")
    error.wait_for()
    assert "not an email address" in error.inner_text()
    assert page.input_value("#f-title") == "Rear Admiral"

    page.fill("#f-emails", "grace@navy.example")
    page.click("button:has-text('Save changes')")
    page.wait_for_url(re.compile(r"/contacts/\d+$"))
    assert "Rear Admiral" in page.inner_text(".contact-head")
    assert "grace@navy.example" in page.inner_text("#contact-details")
