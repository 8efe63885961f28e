"""Journey: a company's people, narrowed by typing, then the company chip removed by keyboard."""

from __future__ import annotations

import re

import pytest

from crm.db import db
from crm.forms import ContactInput
from crm.services import contacts
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_the_company_filter_shows_as_a_chip_kept_while_typing_and_removed_with_the_keyboard(
    page, server, live_app
):
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        for first, company in (("Ann", "Acme Rockets"), ("Anna", "Acme Rockets"), ("Bob", "Acme Rockets"),
                               ("Annika", "Globex")):  # fmt: skip
            contact = contacts.create_contact(ContactInput(first_name=first, company=company, stage="lead"))
            if company == "Acme Rockets":
                acme_id = contact.company_id
        db.close()
    log_in(page, server)
    page.goto(f"{server.url}/companies/{acme_id}")
    page.click("text=Filter contacts")
    page.wait_for_url(re.compile(rf"company={acme_id}"))
    chip = page.locator("#contact-results .filter-chip")
    assert "Acme Rockets" in chip.inner_text()
    names = page.locator(".contact-row .name")
    assert names.all_inner_texts() == ["Ann", "Anna", "Bob"]

    page.fill("#q", "ann")
    page.wait_for_url(re.compile(r"q=ann"))
    assert f"company={acme_id}" in page.url
    page.locator(".contact-row .name >> text=Bob").wait_for(state="detached")
    assert names.all_inner_texts() == ["Ann", "Anna"]
    assert "Acme Rockets" in chip.inner_text()

    page.focus("#q")
    remove = page.get_by_role("link", name=re.compile("Remove filter.*Acme Rockets"))
    for _ in range(12):  # Tab from the search box to the chip, as a keyboard user would
        page.keyboard.press("Tab")
        if remove.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("the chip's remove link is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "company=" not in url)
    assert "q=ann" in page.url
    page.locator(".contact-row .name >> text=Annika").wait_for()
    assert names.all_inner_texts() == ["Ann", "Anna", "Annika"]
    assert page.locator(".filter-chip").count() == 0
    assert page.input_value("#q") == "ann"
