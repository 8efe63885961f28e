"""Journey: open Duplicates, merge a suggested pair picking a field from each, see the merged
contact, undo the merge, and see both contacts back."""

from __future__ import annotations

import pytest

from crm.db import db
from tests.browser.conftest import log_in
from tests.dedupe_helpers import person


@pytest.mark.browser
def test_merge_a_suggested_pair_and_undo_it(page, server, live_app):
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        keep = person("Bob", "Smith", company="Acme", emails=["bob@acme.com"], title="CTO")
        other = person("Robert", "Smith", company="Acme", emails=["robert@acme.com"], title="VP Engineering")
        db.close()
    log_in(page, server)
    page.goto(server.url + "/contacts/")
    page.click(".page-head >> text=Duplicates")
    pair = page.locator(f"#pair-{keep}-{other}")
    assert "Similar names (Bob / Robert) at the same company" in pair.locator(".dup-reason").inner_text()
    pair.locator("text=Compare and merge").click()
    page.wait_for_url("**/duplicates/merge?*")
    page.check("input[name=choice-name][value=other]")  # Robert's name
    page.check("input[name=choice-title][value=keep]")  # Bob's title
    page.click("button:has-text('Merge into Bob Smith')")
    page.wait_for_url(f"**/contacts/{keep}?merged=1")
    assert page.locator("h1").inner_text() == "Robert Smith"
    assert "CTO" in page.locator(".contact-head .meta").inner_text()
    details = page.locator("#contact-details").inner_text()
    assert "bob@acme.com" in details and "robert@acme.com" in details
    page.click(".notice >> text=Undo it from Duplicates")
    page.click(".dup-merges >> text=Undo")
    page.click("button:has-text('Undo the merge')")
    page.wait_for_url("**/duplicates/?undone=*")
    assert "both contacts are back" in page.locator(".notice").inner_text()
    names = page.locator(f"#pair-{keep}-{other} .dup-side a.name").all_inner_texts()
    assert names == ["Bob Smith", "Robert Smith"]
    page.goto(server.url + f"/contacts/{other}")
    assert page.locator("h1").inner_text() == "Robert Smith"
    assert "VP Engineering" in page.locator(".contact-head .meta").inner_text()


@pytest.mark.browser
def test_merge_a_pair_where_nothing_differs_in_one_click_and_undo_it(page, server, live_app):
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        linked = person(
            "Ann", "Lee", company="Acme", title="CFO", linkedin_url="https://www.linkedin.com/in/ann"
        )
        booked = person("Ann", "Lee", company="Acme", emails=["ann@acme.example"])
        person("Kai", "Silva", company="Redwood", emails=["kai@redwood.example"])
        person("Kai", "Silva", company="Redwood", phones=["+1 555 0101"])
        db.close()
    log_in(page, server)
    page.goto(server.url + "/duplicates/")
    assert page.locator(".dup-pair").count() == 2
    page.locator(f"#pair-{linked}-{booked}").locator("button:has-text('Merge into Ann Lee')").click()
    notice = page.locator("#duplicate-list .notice")
    notice.wait_for()
    assert notice.inner_text() == "Merged the two Ann Lee contacts into one. Undo"
    assert page.locator(".dup-pair").count() == 1 and page.url.endswith("/duplicates/")
    # the pressed button went with its pair: focus is on the notice, and Tab reaches its Undo
    # htmx focuses the autofocus element when the swap settles, a moment after it shows
    page.wait_for_function("() => document.activeElement.matches('#duplicate-list .notice')", timeout=5000)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Ann Lee"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Undo"
    notice.locator("text=Undo").click()
    page.click("button:has-text('Undo the merge')")
    page.wait_for_url("**/duplicates/?undone=*")
    assert page.locator(f"#pair-{linked}-{booked}").count() == 1


@pytest.mark.browser
def test_merge_every_sure_pair_at_once_and_undo_them_all(page, server, live_app):
    with live_app.app_context():
        db.connect(reuse_if_open=True)
        for first, company in (("Ann", "Acme"), ("Kai", "Redwood"), ("Lea", "Globex")):
            url = f"https://www.linkedin.com/in/{first.lower()}-lee"
            person(first, "Lee", company=company, title="CFO", linkedin_url=url)
            person(first, "Lee", company=company, emails=[f"{first.lower()}@{company.lower()}.example"])
        person("Bob", "Smith", company="Acme", title="CTO")
        person("Robert", "Smith", company="Acme", title="VP Engineering")
        db.close()
    log_in(page, server)
    page.goto(server.url + "/duplicates/")
    assert page.locator(".dup-pair").count() == 4
    page.click(".dup-bulk button:has-text('Merge all 3 pairs')")
    notice = page.locator("#duplicate-list .notice")
    notice.wait_for()
    assert notice.inner_text() == "Merged 3 pairs in which nothing differed. Undo all"
    # htmx focuses the autofocus element when the swap settles, a moment after it shows
    page.wait_for_function("() => document.activeElement.matches('#duplicate-list .notice')", timeout=5000)
    names = page.locator(".dup-pair .dup-side a.name").all_inner_texts()
    assert names == ["Bob Smith", "Robert Smith"] and page.locator(".dup-bulk").count() == 0
    assert "3 pairs merged at once" in page.locator(".dup-merges").inner_text()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Undo all"
    page.keyboard.press("Enter")
    page.wait_for_url("**/duplicates/batches/*/undo")
    assert page.locator("h1").inner_text() == "Undo these 3 merges?"
    page.click("button:has-text('Undo all 3 merges')")
    page.wait_for_url("**/duplicates/?undone_batch=*")
    assert "are two contacts each again" in page.locator("#duplicate-list .notice").inner_text()
    assert page.locator(".dup-pair").count() == 4
    page.click(".dup-bulk button")  # again: the undo's notice goes with the list it was in
    page.wait_for_selector("#duplicate-list .notice >> text=Undo all")
    assert page.locator(".notice").all_inner_texts() == ["Merged 3 pairs in which nothing differed. Undo all"]
