"""Journey: upload an unknown CSV, map two columns, preview, commit, then merge the suggested
duplicate it brought in and undo the merge."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in

UNKNOWN = "Person,Reach me at,Shoe size\nBob Smith,bob@acme.com,44\nRobert Smith,robert@acme.com,45\n"


@pytest.mark.browser
def test_csv_import_map_preview_commit_merge_undo(page, server, tmp_path):
    source = tmp_path / "people.csv"
    source.write_text(UNKNOWN)
    log_in(page, server)
    page.click("nav.mainnav >> text=Import")
    page.set_input_files("#f-file", str(source))
    page.click("text=Upload and preview")
    page.wait_for_selector("form.mapping-form", timeout=30_000)
    assert page.locator("table.mapping tbody th").all_inner_texts() == ["Person", "Reach me at", "Shoe size"]
    assert "bob@acme.com" in page.locator("table.mapping").inner_text()
    page.select_option("#col-0", "full_name")
    page.select_option("#col-1", "email")
    page.select_option("#col-2", "ignore")
    page.click("text=Preview with this mapping")
    page.wait_for_selector(".confirm-card", timeout=30_000)
    assert page.locator("dd[data-count=created]").inner_text() == "2"
    assert page.locator("dd[data-count=conflicts]").inner_text() == "0"
    page.click("text=Import now")
    page.wait_for_selector("text=Imported as #1", timeout=30_000)
    page.goto(server.url + "/duplicates/")
    pair = page.locator(".dup-pair", has_text="Bob / Robert")
    assert "acme.com" in pair.locator(".dup-reason").inner_text()
    pair.locator("text=Compare and merge").click()
    page.wait_for_url("**/duplicates/merge?*")
    page.locator("button.primary[type=submit]", has_text="Merge into").click()
    page.wait_for_url("**/contacts/*?merged=1")
    details = page.locator("#contact-details").inner_text()
    assert "bob@acme.com" in details and "robert@acme.com" in details
    page.click(".notice >> text=Undo it from Duplicates")
    page.click(".dup-merges >> text=Undo")
    page.click("button:has-text('Undo the merge')")
    page.wait_for_url("**/duplicates/?undone=*")
    assert "both contacts are back" in page.locator(".notice").inner_text()
    names = page.locator(".dup-pair", has_text="Bob / Robert").locator(".dup-side a.name").all_inner_texts()
    assert sorted(names) == ["Bob Smith", "Robert Smith"]
