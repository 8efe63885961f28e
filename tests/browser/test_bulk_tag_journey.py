"""Journey: filter the contact list, tick people with the keyboard, tag them, see it on the rows."""

from __future__ import annotations

import re

import pytest

from crm.db import db
from crm.forms import ContactInput
from crm.services import contacts
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _people(live_app, people) -> dict[str, int]:
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        ids = {
            first: contacts.create_contact(ContactInput(first_name=first, company=company, stage="lead")).id
            for first, company in people
        }
        db.close()
    return ids


def _tab_to(page, selector: str, back: bool = False, limit: int = 40) -> None:
    """Move focus with Tab (or Shift+Tab) until it reaches the element, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} is not reachable with the keyboard")


def _wait_for_focus(page, element_id: str, tries: int = 50) -> None:
    """Wait until the element has the keyboard (htmx settles a swap a moment after it shows)."""
    for _ in range(tries):
        if page.evaluate("document.activeElement.id") == element_id:
            return
        page.wait_for_timeout(20)
    assert page.evaluate("document.activeElement.id") == element_id


def _tags(page, contact_id: int) -> list[str]:
    return page.locator(f"#contact-row-{contact_id} .tags .tag").all_inner_texts()


def test_filter_tick_with_the_keyboard_and_add_a_tag_to_the_ticked_rows(page, server, live_app):
    ids = _people(live_app, [("Ann", "Acme Rockets"), ("Anna", "Acme Rockets"), ("Bob", "Acme Rockets"),
                             ("Annika", "Globex")])  # fmt: skip
    log_in(page, server)
    page.goto(server.url + "/contacts/")
    page.wait_for_load_state("load")
    page.fill("#q", "acme")
    page.wait_for_url(re.compile(r"q=acme"))
    page.locator(f"#contact-row-{ids['Annika']}").wait_for(state="detached")
    bar = page.locator(".bulk-bar")
    assert not bar.is_visible()

    page.focus("#q")
    _tab_to(page, "#bulk-page")
    page.keyboard.press("Space")  # select all on this page
    assert page.inner_text("#bulk-count") == "3 selected"
    assert bar.is_visible()
    _tab_to(page, f"#select-{ids['Bob']}")
    page.keyboard.press("Space")
    assert page.inner_text("#bulk-count") == "2 selected"
    assert page.eval_on_selector("#bulk-page", "el => el.indeterminate")

    _tab_to(page, "#bulk-add", back=True)
    page.keyboard.type("Priority")
    page.keyboard.press("Enter")
    notice = page.locator(".bulk-notice")
    notice.wait_for()
    assert notice.inner_text() == "Added “Priority” to 2 contacts."
    assert "Priority" in _tags(page, ids["Ann"]) and "Priority" in _tags(page, ids["Anna"])
    assert "Priority" not in _tags(page, ids["Bob"])
    assert "q=acme" in page.url
    # The selection stays for another action, the keyboard where it was, the tag in the filter.
    assert page.evaluate("document.activeElement.id") == "bulk-add"
    assert page.inner_text("#bulk-count") == "2 selected"
    assert "Priority" in page.locator("#f-tag option").all_inner_texts()
    offered = page.locator("#bulk-remove option:not([hidden])").all_inner_texts()
    assert offered == ["Tag to remove…", "Priority"]

    _tab_to(page, "#bulk-clear")
    page.keyboard.press("Enter")
    assert page.locator("input[name=ids]:checked").count() == 0
    assert not bar.is_visible()
    assert page.evaluate("document.activeElement.id") == "bulk-page"

    # A ticked row is dropped when the results change (here: more letters in the search).
    page.check(f"#select-{ids['Ann']}")
    assert bar.is_visible()
    page.fill("#q", "acme rockets")
    page.wait_for_url(re.compile(r"q=acme(\+|%20)rockets"))
    page.locator(".bulk-notice").wait_for(state="detached")
    assert page.locator("input[name=ids]:checked").count() == 0
    assert not bar.is_visible()

    # The tag filter, which learned the new tag, still filters.
    page.select_option("#f-tag", "Priority")
    page.wait_for_url(re.compile(r"tag=Priority"))
    page.locator(f"#contact-row-{ids['Bob']}").wait_for(state="detached")
    assert page.locator(".contact-row .name").all_inner_texts() == ["Ann", "Anna"]


def test_undo_keeps_the_rows_ticked_at_the_time(page, server, live_app):
    ids = _people(live_app, [("Ann", "Acme"), ("Bob", "Acme"), ("Cy", "Acme")])
    log_in(page, server)
    page.goto(server.url + "/contacts/")
    page.wait_for_load_state("load")
    page.check(f"#select-{ids['Ann']}")
    page.check(f"#select-{ids['Bob']}")
    page.fill("#bulk-add", "Hot")
    page.keyboard.press("Enter")
    page.locator(".bulk-notice").wait_for()
    page.check(f"#select-{ids['Cy']}")  # ticked after the action, before its Undo
    page.click("#bulk-undo")
    page.locator(".bulk-notice", has_text="Undone").wait_for()
    assert page.inner_text(".bulk-notice") == "Undone: “Hot” is off the 2 contacts it was added to."
    assert page.inner_text("#bulk-count") == "3 selected"
    assert [_tags(page, ids[n]) for n in ("Ann", "Bob", "Cy")] == [[], [], []]


def test_select_all_matching_asks_first_tags_every_page_and_undoes_with_the_keyboard(page, server, live_app):
    ids = _people(live_app, [(f"Ini {i:02d}", "Initech") for i in range(55)] + [("Olga", "Globex")])
    log_in(page, server)
    page.goto(server.url + "/contacts/?q=initech")
    page.wait_for_load_state("load")
    page.check("#bulk-page")
    assert page.inner_text("#bulk-count") == "50 selected"
    page.focus("#bulk-page")
    _tab_to(page, "#bulk-everyone")
    page.keyboard.press("Space")
    assert not page.is_visible("#bulk-count")  # the ticked "All 55 matching this search" says it
    _tab_to(page, "#bulk-add")
    page.keyboard.type("Customers")
    page.keyboard.press("Enter")
    # Asked first, with the number; focus on the answer. Esc closes the question, nothing done.
    question = page.locator("#bulk-confirm")
    question.wait_for()
    assert page.inner_text("#bulk-confirm-question") == "Add “Customers” to 55 contacts?"
    _wait_for_focus(page, "bulk-confirm-button")  # once settled
    assert page.inner_text("#bulk-confirm-button") == "Add to 55 contacts"
    page.keyboard.press("Escape")
    question.wait_for(state="detached")
    assert page.evaluate("document.activeElement.id") == "bulk-add-button"
    assert page.is_checked("#bulk-everyone") and page.input_value("#bulk-add") == "Customers"
    assert _tags(page, ids["Ini 00"]) == []

    page.keyboard.press("Enter")  # asked again; Tab to Cancel and back, then Enter on the answer
    question.wait_for()
    _wait_for_focus(page, "bulk-confirm-button")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "bulk-confirm-cancel"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    notice = page.locator(".bulk-notice")
    notice.wait_for()
    assert notice.inner_text() == "Added “Customers” to 55 contacts."
    assert not question.count()
    assert _tags(page, ids["Ini 00"]) == ["Customers"]
    _wait_for_focus(page, "bulk-add-button")  # where it was asked

    _tab_to(page, "#bulk-undo", back=True)
    page.keyboard.press("Enter")
    page.locator(".bulk-notice", has_text="Undone").wait_for()
    assert page.inner_text(".bulk-done") == "Undone: “Customers” is off the 55 contacts it was added to."
    assert _tags(page, ids["Ini 00"]) == []
    # what was ticked when Undo was pressed stays ticked, ready for another action
    assert page.is_checked("#bulk-everyone") and page.locator("input[name=ids]:checked").count() == 50
    assert "Customers" not in page.locator("#f-tag option").all_inner_texts()  # the tag it made is gone
    page.goto(server.url + "/contacts/?q=initech&page=2")
    assert _tags(page, ids["Ini 54"]) == []


def test_without_javascript_the_form_posts_and_comes_back_with_the_tag(browser, server, live_app):
    ids = _people(live_app, [("Ann", "Acme"), ("Bob", "Acme")])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, server)  # a plain form post and redirect, without JavaScript too
        page.goto(server.url + "/contacts/?q=acme")
        page.check(f"#select-{ids['Bob']}")
        page.fill("#bulk-add", "Board")
        page.click("#bulk-add-button")
        page.wait_for_url(re.compile(r"bulk=added"))
        assert "q=acme" in page.url
        assert page.inner_text(".bulk-notice") == "Added “Board” to 1 contact."
        assert _tags(page, ids["Bob"]) == ["Board"] and _tags(page, ids["Ann"]) == []
    finally:
        context.close()


def test_without_javascript_all_matching_removes_a_tag_from_another_page_asked_first_then_undone(
    browser, server, live_app
):
    ids = _people(live_app, [(f"Ini {i:02d}", "Initech") for i in range(55)])
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        contacts.bulk_tag("Late", add=True, ids=[ids["Ini 53"], ids["Ini 54"]])  # both on page 2
        db.close()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, server)  # a plain form post and redirect, without JavaScript too
        page.goto(server.url + "/contacts/?q=initech")
        page.check(f"#select-{ids['Ini 00']}")  # the bar shows once a row is ticked
        page.check("#bulk-everyone")
        page.select_option("#bulk-remove", "Late")  # offered though nobody on this page has it
        page.click("#bulk-remove-button")
        assert page.inner_text("#bulk-confirm-question") == "Remove “Late” from 2 contacts?"
        page.click("#bulk-confirm-button")
        page.wait_for_url(re.compile(r"bulk=removed"))
        assert page.inner_text(".bulk-notice") == "Removed “Late” from 2 contacts. 53 did not have it."
        page.click("#bulk-undo")
        page.wait_for_url(re.compile(r"bulk=unremoved"))
        assert (
            page.inner_text(".bulk-notice") == "Undone: “Late” is back on the 2 contacts it was removed from."
        )
        page.goto(server.url + "/contacts/?q=initech&page=2")
        assert _tags(page, ids["Ini 53"]) == ["Late"] and _tags(page, ids["Ini 54"]) == ["Late"]
    finally:
        context.close()
