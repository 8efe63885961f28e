"""Journey: upload a LinkedIn export, read the preview, commit, watch progress, see the messages."""

from __future__ import annotations

import sqlite3

import pytest

from tests.browser.conftest import log_in
from tests.linkedin_export import build


@pytest.mark.browser
def test_import_journey(page, server, tmp_path):
    # big enough that the preview (in its own process) runs for a few polls of the progress page
    data, truth = build(2000, 20000, 1)
    export = tmp_path / truth["zip_name"]
    export.write_bytes(data)

    log_in(page, server)
    page.click("nav.mainnav >> text=Import")
    page.wait_for_url(server.url + "/imports")
    assert "Nothing imported yet" in page.inner_text("#import-history")
    page.set_input_files("#f-file", str(export))
    page.click("text=Upload and preview")
    page.wait_for_selector(".progress-card")
    assert "Reading your export" in page.inner_text(".progress-card")
    assert "Nothing is saved until you confirm" in page.inner_text(".progress-card")
    page.wait_for_selector(".confirm-card", timeout=30_000)

    outsiders = len(truth["outsiders_messaged"])
    created = page.inner_text("[data-count=created]").replace(",", "")
    assert int(created) == truth["connections"] + outsiders
    assert int(page.inner_text("[data-count=messages]").replace(",", "")) == truth["messages"]["real"]
    # a shared name among 1,200 drafts, sponsored and system rows: the table is open, that row first
    assert page.is_visible("table.skipped")
    skipped = page.inner_text("table.skipped")
    assert "messages.csv" in skipped and "draft" in skipped
    assert "two contacts share this name" in page.inner_text("table.skipped tbody tr >> nth=0")

    page.click("text=Import now")
    page.wait_for_selector("text=Imported as #1", timeout=30_000)
    page.click("text=import history")
    page.wait_for_url(server.url + "/imports")
    assert "committed" in page.inner_text("#import-history")

    url, last = max(truth["last_touch"].items(), key=lambda kv: kv[1])
    conn = sqlite3.connect(server.app.config["CRM"]["DATABASE"])
    (contact_id,) = conn.execute("SELECT id FROM contact WHERE linkedin_url = ?", (url,)).fetchone()
    conn.close()
    page.goto(f"{server.url}/contacts/{contact_id}")
    timeline = page.inner_text("ol.timeline")
    assert "Message" in timeline and ("received" in timeline or "sent" in timeline)
    assert page.locator("ol.timeline li.kind-message").count() >= 1
    assert "<p>" not in timeline

    page.goto(server.url + "/imports")
    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.click("text=Undo this import")
    assert questions and "Undo import #1" in questions[0]
    assert "committed" in page.inner_text("#import-history")
    page.once("dialog", lambda d: d.accept())
    page.click("text=Undo this import")
    page.wait_for_selector("text=Import #1 was undone.")
    assert "undone" in page.inner_text("#import-history")
