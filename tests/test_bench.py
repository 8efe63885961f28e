"""Smoke test: the benchmark suite and the load test run end to end at tiny sizes (no times asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_quick_runs_end_to_end_and_writes_comparable_json(tmp_path):
    run = [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)]
    first = subprocess.run([*run, "--load"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    (result,) = tmp_path.glob("bench-*.json")
    report = json.loads(result.read_text())
    assert report["sizes"] == [20, 60, 200]
    assert {"cpus", "python", "sqlite", "platform"} <= set(report["machine"])
    for size in ("20", "200"):
        figures = report["results"][size]
        for row in (
            "contact list",
            "contact page",
            "stream first page",
            "stream search (rare word)",
            "log a touch",
        ):
            assert figures[row]["runs"] == 5 and figures[row]["median"] > 0, (size, row)
        for row in ("import Google CSV", "import vCard"):
            assert figures[row]["seconds"] > 0 and figures[f"{row[7:]} import / floor"]["ratio"] > 0
    assert "| stream first page (ms) |" in first.stdout
    # The load test against production gunicorn: no error, no lost write, memory read per process.
    (loaded,) = tmp_path.glob("load-*.json")
    load = json.loads(loaded.read_text())
    assert load["requests"] > 0 and load["errors"] == [], load["errors"]
    assert load["writes"]["touches_acknowledged"] > 0 and load["writes"]["touches_lost"] == []
    assert load["server_log"] == {"database is locked": 0, "tracebacks": 0, "500 responses": 0}
    assert all(m["VmHWM"] > 0 for m in load["memory_mb"].values()) and len(load["memory_mb"]) == 2
    second = subprocess.run(
        [*run, "--sizes", "20", "--runs", "2", "--compare", str(result)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert "compared with" in second.stdout and "stream first page" in second.stdout


def test_address_book_import_bench_runs_stand_alone_at_a_tiny_size():
    run = [sys.executable, "-m", "bench.bench_csv_import", "--rows", "300", "--existing", "200", "--json"]
    done = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert set(figures) == {"Google CSV", "vCard"}
    for label, f in figures.items():
        assert f["records"] > 250 and f["matched"] > 20, label
        assert f["counts"]["created"] == f["expected_created"] > 150, label
        assert f["counts"]["updated"] + f["counts"]["unchanged"] == f["matched"], label
        for phase in ("floor", "parse", "match", "plan", "write", "rescore", "undo"):
            assert f[phase] > 0, (label, phase)
    assert "x the floor" in done.stderr and "WARNING" not in done.stderr
    assert figures["Google CSV"]["schema_floor"] > 0 and "schema floor" in done.stderr
    engine = figures["Google CSV"]["engine_floor"]
    assert engine["seconds"] > 0 and engine["matched"] == figures["Google CSV"]["matched"]
    assert "engine floor" in done.stderr


def test_engine_floor_imports_what_the_import_does_and_logs_it_for_undo(tmp_path):
    """The lower bound the address-book benchmark prints does the import's work: the same people
    matched (URL, email, phone; never by name), every other named row a new contact with its emails,
    phones and tags, blanks of matched contacts filled, and every created or changed row logged."""
    import shutil
    import sqlite3

    from bench.bench_csv_import import known_people
    from bench.engine_floor import addressbook_engine_floor
    from bench.people import build as build_people
    from crm.db import init_database
    from tests.addressbook_export import build as build_export

    path = str(tmp_path / "base.sqlite3")
    build_people(path, 200)
    init_database(path)
    data, truth = build_export("google", 300, known_people(path), seed=4)
    copy = str(shutil.copyfile(path, tmp_path / "floor.sqlite3"))
    conn = sqlite3.connect(copy)
    before = conn.execute("SELECT count(*) FROM contact").fetchone()[0]
    got = addressbook_engine_floor(data, copy)
    # the overlap rows and their repeats match; the name-only look-alikes are new people
    repeats = {d["row"] for d in truth["duplicates"]}
    assert len(truth["overlap"]) <= got["matched"] <= len(truth["overlap"]) + len(repeats)
    assert got["created"] == truth["created"] + len(repeats) - (got["matched"] - len(truth["overlap"]))
    assert truth["name_only"] and got["updated"] > 0
    count = conn.execute("SELECT count(*) FROM contact").fetchone()[0]
    assert count == before + got["created"]
    log = "SELECT action, count(*) FROM import_change WHERE \"table\" = 'contact' GROUP BY 1"
    logged = dict(conn.execute(log))
    assert logged == {"created": got["created"], "updated": got["updated"]}
    bare = conn.execute(
        "SELECT count(*) FROM contact c WHERE c.id > ? AND NOT EXISTS"
        " (SELECT 1 FROM contact_email e WHERE e.contact_id = c.id)",
        (before,),
    ).fetchone()[0]
    assert bare < got["created"] // 2 and conn.execute("SELECT count(*) FROM contact_tag").fetchone()[0] > 0
    conn.close()


def test_schema_floor_stores_the_export_where_the_app_keeps_it(tmp_path):
    """The lower bound the LinkedIn benchmark prints writes what an import must: searchable,
    linked activities; a newer snapshot on top adds only what is new."""
    import csv
    import io
    import sqlite3
    import zipfile

    from bench.schema_floor import schema_floor
    from tests.linkedin_export import build

    path = str(tmp_path / "floor.sqlite3")
    counts = []
    for snapshot in (1, 2):
        data, truth = build(40, 400, snapshot)
        zip_path = tmp_path / f"s{snapshot}.zip"
        zip_path.write_bytes(data)
        assert schema_floor(str(zip_path), path)["seconds"] > 0
        conn = sqlite3.connect(path)
        rows = list(csv.reader(io.StringIO(zipfile.ZipFile(zip_path).read("messages.csv").decode())))
        drafts = sum(row[rows[0].index("IS MESSAGE DRAFT")] == "Yes" for row in rows[1:])
        counts.append(conn.execute("SELECT count(*) FROM activity").fetchone()[0])
        if snapshot == 1:
            assert counts[0] == truth["message_rows"] - drafts > 300 and drafts > 0
        links = conn.execute("SELECT count(*), count(DISTINCT activity_id) FROM activity_contact").fetchone()
        assert links == (counts[-1], counts[-1])
        word = conn.execute("SELECT term FROM activity_search_term WHERE term = 'pricing'").fetchone()
        found = conn.execute("SELECT count(*) FROM activity_search WHERE activity_search MATCH 'pricing'")
        assert word == ("pricing",) and found.fetchone()[0] > 0
        assert conn.execute("SELECT count(*) FROM contact").fetchone()[0] >= truth["connections"]
        conn.close()
    assert counts[0] < counts[1] < 2 * counts[0]  # the rows snapshot 1 already had are not repeated


def test_cross_source_match_bench_runs_stand_alone():
    run = [sys.executable, "-m", "bench.match_cross_source", "--connections", "200", "--contacts", "120"]
    done = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith(("google", "outlook", "vcard"))]
    assert len(lines) == 3 and all("0 wrong, 0 missed" in line for line in lines), done.stdout


def test_duplicates_bench_runs_stand_alone_with_merge_all_and_its_undo():
    run = [sys.executable, "-m", "bench.bench_duplicates", "2000"]
    done = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    merged = int(out.split("merge all: ")[1].split(" pairs merged")[0].replace(",", ""))
    undone = int(out.split("undo all: ")[1].split(" merges undone")[0].replace(",", ""))
    assert merged == undone > 0 and ", 0 skipped," in out, out


def test_bulk_tag_bench_runs_stand_alone_at_a_tiny_size():
    run = [sys.executable, "-m", "bench.bench_bulk_tag", "--contacts", "300"]
    done = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    timings = [line for line in done.stdout.splitlines() if line.rstrip().endswith(" s")]
    assert len(timings) == 5 and all(float(line.split()[-2]) > 0 for line in timings), done.stdout
