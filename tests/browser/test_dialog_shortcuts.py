"""No one-key shortcut navigates away while a dialog (the quick entry) is open."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in


@pytest.mark.browser
def test_shortcuts_stay_quiet_while_the_quick_entry_is_open(page, server, live_app):
    log_in(page, server)
    page.goto(server.url + "/contacts/")
    page.keyboard.press("n")
    dialog = page.locator("#quick-entry")
    dialog.wait_for(state="visible")
    page.fill("#qe-text", "Precious words")
    # Focus a button inside the dialog (not a text field), then press navigation letters.
    page.locator("#quick-entry button").first.focus()
    for key in ("s", "t", "c", "/", "n"):
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    assert page.url.rstrip("/").endswith("/contacts")
    assert dialog.is_visible()
    assert page.input_value("#qe-text") == "Precious words"
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    # With the dialog closed the shortcuts work again.
    page.keyboard.press("s")
    page.wait_for_url("**/stream/")
