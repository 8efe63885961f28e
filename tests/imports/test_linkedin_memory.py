"""Planning a LinkedIn import holds little per message and per existing contact (issue 3: a full
export into a database of 30,000 contacts peaks under 250 MB), and plans the same either way."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import tracemalloc

from bench.bench_import import populate
from bench.builder import build as build_database
from crm.db import db, init_database
from crm.services import imports, linkedin_import
from tests.linkedin_export import build


def _planned(db_path, zip_path) -> imports.Plan:
    init_database(str(db_path))
    db.connect()
    try:
        return linkedin_import.planner(str(zip_path), zip_path.name, "test-hash")(lambda *_: None)
    finally:
        db.close()


def _plan_peak(db_path, zip_path) -> int:
    """Bytes the planner allocated at most (tracemalloc) while planning the export."""
    tracemalloc.start()
    try:
        _planned(db_path, zip_path).close()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_planning_holds_no_key_string_per_message_and_no_row_per_existing_contact(tmp_path):
    zips = {}
    for messages in (5_000, 25_000):
        data, _truth = build(200, messages, 1)
        zips[messages] = tmp_path / f"export-{messages}.zip"
        zips[messages].write_bytes(data)
    databases = {}
    for contacts in (1_000, 5_000):
        path = databases[contacts] = tmp_path / f"db-{contacts}.sqlite3"
        build_database(path, contacts=contacts, activities_per_contact=0, followups=0, signals=0)
        with sqlite3.connect(path) as conn:  # people once known, none connected now: nobody to mark gone
            conn.execute("UPDATE contact SET connected = 0")
    _plan_peak(databases[1_000], zips[5_000])  # warm the caches that outlive one plan
    base = _plan_peak(databases[1_000], zips[5_000])
    per_message = (_plan_peak(databases[1_000], zips[25_000]) - base) / 20_000
    per_contact = (_plan_peak(databases[5_000], zips[5_000]) - base) / 4_000
    # At these sizes a message cost about 225 bytes at the peak (its key kept, to find repeated
    # rows, as a 57-character string in a set) and now about 170 (the key's digest as an int);
    # an existing contact about 1,340 bytes (its whole row held through the import) and now
    # about 800 (the keys to find them by URL, name and company).
    assert per_message < 200, per_message
    assert per_contact < 1_000, per_contact


def test_a_populated_database_gets_the_same_plan_whatever_the_connections_chunk(tmp_path, monkeypatch):
    """Existing contacts' rows are read a chunk of Connections.csv at a time: chunks that split
    the file anywhere plan exactly what one chunk of the whole file does."""
    data, _truth = build(120, 1_200, 1)
    zip_path = tmp_path / "export.zip"
    zip_path.write_bytes(data)
    original = tmp_path / "populated.sqlite3"
    populate(original, zip_path, 150)  # half of them the export's connections, the rest not in it
    conn = sqlite3.connect(original)  # and some known by name and company only
    with conn:
        conn.execute("UPDATE contact SET linkedin_url = NULL WHERE id % 6 = 0")
    conn.close()  # the last connection: the write-ahead log goes into the file copied below
    monkeypatch.setattr(linkedin_import, "utcnow", lambda: dt.datetime(2026, 6, 2, 8, 0))
    plans = []
    for chunk in (7, 10_000):
        monkeypatch.setattr(linkedin_import, "CONNECTIONS_CHUNK", chunk)
        path = tmp_path / f"chunk-{chunk}.sqlite3"
        shutil.copy(original, path)
        plan = _planned(path, zip_path)
        plan.spill.order()
        spilled = plan.spill.conn.execute("SELECT * FROM act ORDER BY seq").fetchall()
        plans.append((dict(plan.created), plan.updates, plan.signals, spilled, plan.report.counts()))
        plan.close()
    assert plans[0] == plans[1]
    created, updates, _signals, spilled, counts = plans[0]
    assert counts["contacts"]["updated"] >= 60 and counts["contacts"]["no_longer_connected"] >= 60
    assert any("linkedin_url" in new for new, _before in updates.values())  # matched by name
    assert len(created["contact"]) > 40 and len(spilled) > 1_000
