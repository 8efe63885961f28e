"""Helpers for import tests: exports from the builder, a row-level dump of the database."""

from __future__ import annotations

import sqlite3
import time

import pytest

from tests.linkedin_export import build

TABLES_COMPARED = (
    "company", "contact", "contact_email", "contact_phone", "tag", "contact_tag", "activity",
    "activity_contact", "follow_up", "signal",
)  # fmt: skip


def dump(path: str) -> dict:
    """Every row of every data table (import bookkeeping excluded), FTS search results, and the
    schema (a bulk write drops triggers and indexes for a while)."""
    conn = sqlite3.connect(path)
    try:
        out = {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY id').fetchall() for t in TABLES_COMPARED}
        out["schema"] = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        # The score is a cache recomputed from the data and the current time after every
        # import and undo (it decays by the second); the data it derives from is compared.
        columns = [row[1] for row in conn.execute('PRAGMA table_info("contact")')]
        cached = {columns.index(c) for c in ("score", "score_reasons", "score_updated_at")}
        if "contact" in out:
            out["contact"] = [
                tuple(v for i, v in enumerate(row) if i not in cached) for row in out["contact"]
            ]
        for word in ("pricing", "deck", "pipeline", "moved", "merci"):
            out[f"fts:{word}"] = conn.execute(
                "SELECT rowid % 2147483648 AS id FROM activity_search WHERE activity_search MATCH ?"
                " ORDER BY id",
                (word,),
            ).fetchall()
        return out
    finally:
        conn.close()


@pytest.fixture
def db_path(app):
    return app.config["CRM"]["DATABASE"]


@pytest.fixture(scope="session")
def exports():
    """Snapshot 1 and 2 of a small network: {snapshot: (bytes, truth)}."""
    return {n: build(60, 500, n) for n in (1, 2)}


def wait_for(client, url: str, until=("ready", "done", "failed"), timeout: float = 30):
    """Poll a job page's status fragment until it stops running; returns the last response."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(url, headers={"HX-Request": "true"})
        html = response.get_data(as_text=True)
        if 'hx-trigger="every 1s"' not in html or time.monotonic() > deadline:
            return response
        time.sleep(0.05)
