"""A very long one-word name wraps; the contact page and list never get wider than the window."""

from __future__ import annotations

import pytest

from crm.db import db
from crm.models import Contact
from tests.browser.conftest import log_in


@pytest.mark.browser
def test_a_300_letter_name_does_not_widen_the_pages(page, server, live_app):
    long = "A" + "b" * 299
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        contact = Contact.create(full_name=long, first_name=long, name_key=long.lower())
        db.close()
    log_in(page, server)
    for path in (f"/contacts/{contact.id}", "/contacts/"):
        page.goto(server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, f"{path} is {width}px wide"
