"""Paging a list shows the new page from its top, with the page in the URL and back working."""

from __future__ import annotations

import re

import pytest

from crm.db import db
from crm.models import Company, Contact
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _many(app):
    with app.app_context():
        db.connect(reuse_if_open=True)
        with db.atomic():
            for i in range(120):
                company = Company.create(name=f"Firm {i:03}", name_key=f"firm {i:03}")
                Contact.create(full_name=f"Person {i:03}", name_key=f"person {i:03}", company=company)
        db.close()


def _settle(page):
    """Wait until the window stops scrolling (the CSP forbids wait_for_function's eval)."""
    last = None
    for _ in range(50):
        now = page.evaluate("window.scrollY")
        if now == last:
            return
        last = now
        page.wait_for_timeout(100)


@pytest.mark.parametrize(
    "path, first", [("/contacts/", ".contact-row .name"), ("/companies/", ".company-list a")]
)
def test_next_shows_the_new_page_from_its_top(page, server, live_app, path, first):
    """Found by QA: 'Next →' swapped the next page in but left the window scrolled down where the
    link was, so the new page was seen from its middle or bottom."""
    _many(live_app)
    log_in(page, server)
    page.goto(server.url + path)
    page.evaluate("window.__noReload = 'still here'")
    on_first_page = page.locator(first).first.inner_text()
    page.locator("a[rel=next]").scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 300

    page.click("a[rel=next]")
    page.wait_for_url(re.compile(r"page=2"))
    page.locator("text=Page 2 of 3").wait_for()
    page.locator("a[rel=prev]").wait_for()
    _settle(page)
    assert page.evaluate("window.scrollY") == 0
    assert page.locator(first).first.inner_text() != on_first_page
    assert page.evaluate("window.__noReload") == "still here"  # swapped in place, not reloaded

    page.go_back()
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    page.locator("text=Page 1 of 3").wait_for()
    assert page.locator(first).first.inner_text() == on_first_page
