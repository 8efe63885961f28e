"""Journey: a person rescored by a row action on Today takes their new place without a reload; the
keyboard stays where it was and text typed in another row is kept."""

from __future__ import annotations

import pytest

from crm.db import db
from crm.forms import ContactInput
from crm.services import contacts, signals
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _names(page) -> list[str]:
    return page.locator(".today-list .today-row .name").all_inner_texts()


def test_a_dismissed_signal_moves_the_person_down_and_the_keyboard_stays_put(page, server, live_app):
    """Found by QA: after dismissing Ada's big signal her row kept the top of Today with a lower
    score than the people below her, until a reload."""
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        made = {}
        for first, kinds in (("Ada", ("pricing_request", "hiring")), ("Ben", ("referral",)),
                             ("Cy", ("funding_round",))):  # fmt: skip
            made[first] = contacts.create_contact(ContactInput(first_name=first, last_name="King")).id
            for kind in kinds:
                signals.record_signal(made[first], kind)
        db.close()
    log_in(page, server)
    page.evaluate("window.__noReload = 'still here'")
    assert _names(page) == ["Ada King", "Ben King", "Cy King"]

    # Something half-typed for Cy, then Ada's pricing signal dismissed from her focused row.
    cy = page.locator(f"#today-row-{made['Cy']}")
    cy.locator("summary", has_text="Log a touch").click()
    page.fill(f"#touch-text-{made['Cy']}", "Ask about the Series B")
    page.locator("h1").click()
    page.keyboard.press("j")
    page.locator(f"#today-row-{made['Ada']}:focus").wait_for()
    ada = page.locator(f"#today-row-{made['Ada']}")
    ada.get_by_role("button", name="Dismiss signal: Asked for pricing").click()

    page.locator(f".today-list .today-row:last-child#today-row-{made['Ada']}").wait_for()
    assert _names(page) == ["Ben King", "Cy King", "Ada King"]
    assert ada.locator(".today-score").inner_text() == "15"
    page.locator(f"#today-row-{made['Ben']}:focus").wait_for()  # the cursor's place, now Ben
    assert page.input_value(f"#touch-text-{made['Cy']}") == "Ask about the Series B"
    assert page.locator(f"#touch-text-{made['Cy']}").is_visible()
    page.locator("#toast", has_text="Signal dismissed.").wait_for()
    assert page.evaluate("window.__noReload") == "still here"
