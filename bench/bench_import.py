"""LinkedIn import benchmark: the floor, a full import and a snapshot-2 re-import, in one run.

The floor is the same two CSVs (Connections, messages) read by csv.reader straight into sqlite3
with executemany in one transaction, no matching. Each step runs in its own process so its
peak RSS (VmHWM) is its own. Prints numbers; asserts nothing about time.

The last step imports snapshot 1 into a database that already holds as many contacts as the
export has connections (bench/builder.py: ten activities each, follow-ups, signals), half of
them the export's own connections (same profile URL, name and company), the other half people
the export does not know: what a first LinkedIn import after an address book or another CRM
looks like.

    python -m bench.bench_import [--connections 30000] [--messages 300000]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def floor(zip_path: str, db_path: str, indexed: str = "") -> dict:
    """csv.reader -> sqlite3 executemany, one transaction, the project's pragmas.

    `indexed` (a reference, not the target's floor) also builds what SQLite itself must do for
    messages we can search and show by date: an index on the URL, the date and the conversation,
    and a contentless FTS5 index of every body, as Rapport's schema has."""
    import sqlite3

    from crm.db import PRAGMAS

    start = time.perf_counter()
    conn = sqlite3.connect(db_path, isolation_level=None)
    for key, value in PRAGMAS.items():
        conn.execute(f"PRAGMA {key}={value}")
    conn.execute("BEGIN IMMEDIATE")
    with zipfile.ZipFile(zip_path) as zf:
        for name, skip in (("Connections.csv", 3), ("messages.csv", 0)):
            with zf.open(name) as raw:
                reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
                for _ in range(skip):
                    next(reader)
                header = next(reader)
                table = name.split(".")[0].lower()
                cols = ", ".join(f"c{i}" for i in range(len(header)))
                conn.execute(f"CREATE TABLE {table} ({cols})")
                marks = ", ".join("?" * len(header))
                if indexed:
                    at = {h.strip().lower(): i for i, h in enumerate(header)}
                    for i, column in enumerate(("url", "date", "conversation id")):
                        if column in at:
                            conn.execute(f"CREATE INDEX {table}_{i} ON {table} (c{at[column]})")
                conn.executemany(f"INSERT INTO {table} VALUES ({marks})", reader)
                if indexed and "content" in at:
                    conn.execute(
                        "CREATE VIRTUAL TABLE search USING fts5(body, content='',"
                        " tokenize='unicode61 remove_diacritics 2')"
                    )
                    conn.execute(
                        f"INSERT INTO search (rowid, body) SELECT rowid, c{at['content']} FROM {table}"
                    )
    conn.execute("COMMIT")
    conn.close()
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": peak_rss_mb()}


def import_once(zip_path: str, db_path: str, file_name: str) -> dict:
    """The real import (parse, match, HTML to text, activities, last touch) through the service."""
    from crm.db import db, init_database
    from crm.services import imports, linkedin_import

    init_database(db_path)
    db.connect()
    start = time.perf_counter()
    run, report = imports.commit(linkedin_import.planner(zip_path, file_name, imports.file_sha256(zip_path)))
    seconds = time.perf_counter() - start
    db.close()
    summary = report.summary_json(run.id, False)
    summary["skipped"] = len(summary["skipped"])
    return {"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "summary": summary}


def populate(db_path: Path, zip_path: Path, contacts: int) -> dict[str, int]:
    """A lived-in database of `contacts` contacts (bench/builder.py); every second one is made one
    of the export's connections (its profile URL, name, company and title, as the importer reads
    them), so the import matches half the database and creates the rest of its connections."""
    import sqlite3

    from bench.builder import build
    from bench.common import sizes_for
    from importers.base import PersonRecord
    from importers.base import name_key as key
    from importers.linkedin import open_export

    build(db_path, **sizes_for(contacts))
    with open_export(str(zip_path), zip_path.name) as export:
        people = [r for r in export.connections() if isinstance(r, PersonRecord)]
    conn = sqlite3.connect(db_path)
    with conn:
        companies = sorted({p.company for p in people if p.company})
        first_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM company").fetchone()[0]
        conn.executemany(
            "INSERT INTO company (id, name, name_key, website, notes, created_at)"
            " VALUES (?, ?, ?, '', '', datetime('now'))",
            [(first_id + i, name, key(name)) for i, name in enumerate(companies)],
        )
        company_id = {name: first_id + i for i, name in enumerate(companies)}
        overlap = [(cid, people[cid // 2 - 1]) for cid in range(2, min(contacts, 2 * len(people)) + 1, 2)]
        conn.executemany(
            "UPDATE contact SET first_name = ?, last_name = ?, full_name = ?, name_key = ?,"
            " linkedin_url = ?, company_id = ?, title = ? WHERE id = ?",
            [
                (p.first_name, p.last_name, p.display_name, key(p.display_name), p.linkedin_url,
                 company_id.get(p.company), p.title, cid)
                for cid, p in overlap
            ],
        )  # fmt: skip
    conn.close()
    return {"contacts": contacts, "overlap": len(overlap)}


def _child(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_import", "--step", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(connections: int, messages: int, work: Path, echo=lambda *_: None) -> dict[str, dict]:
    """Build both snapshots in `work`, then time each floor, the import and two re-imports.

    The suite (`python -m bench`) calls this at each of its sizes.
    """
    from crm import migrations
    from tests.linkedin_export import build

    zips = {}
    for snapshot in (1, 2):
        data, truth = build(connections, messages, snapshot)
        zips[snapshot] = (work / truth["zip_name"], truth)
        zips[snapshot][0].write_bytes(data)
    s1, truth1 = zips[1]
    s2, truth2 = zips[2]
    echo(f"export: {truth1['connections']:,} connections, {truth1['message_rows']:,} message rows "
         f"({s1.stat().st_size / 1e6:.1f} MB zip); snapshot 2: {truth2['message_rows']:,} rows")  # fmt: skip
    db_path = str(work / "rapport.sqlite3")
    migrations.migrate(db_path)
    populated = work / "populated.sqlite3"
    made = populate(populated, s1, connections)
    echo(f"populated database: {made['contacts']:,} contacts, {made['overlap']:,} of them its connections")
    return {
        "floor1": _child(["floor", str(s1), str(work / "floor1.sqlite3")]),
        "floor2": _child(["floor", str(s2), str(work / "floor2.sqlite3")]),
        "indexed1": _child(["floor", str(s1), str(work / "indexed1.sqlite3"), "indexed"]),
        "schema1": _child(["schema", str(s1), str(work / "schema.sqlite3")]),
        "schema2": _child(["schema", str(s2), str(work / "schema.sqlite3")]),
        "import": _child(["import", str(s1), db_path, s1.name]),
        "reimport": _child(["import", str(s2), db_path, s2.name]),
        "again": _child(["import", str(s2), db_path, s2.name]),
        "populated": _child(["import", str(s1), str(populated), s1.name]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=30_000)
    parser.add_argument("--messages", type=int, default=300_000)
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        kind, *rest = args.step
        if kind == "schema":
            from bench.schema_floor import schema_floor

            result = schema_floor(*rest)
        else:
            result = floor(*rest) if kind == "floor" else import_once(*rest)
        print(json.dumps(result))
        return

    from bench.common import scratch  # not at the top: the timed child steps stay lean

    figures = run(args.connections, args.messages, scratch(), echo=print)
    floor1, floor2 = figures["floor1"], figures["floor2"]
    first, second, again = figures["import"], figures["reimport"], figures["again"]
    populated = figures["populated"]
    rows = [
        ("floor, snapshot 1 (csv -> sqlite3)", floor1, floor1),
        ("floor, snapshot 2 (csv -> sqlite3)", floor2, floor2),
        ("import snapshot 1 (empty database)", first, floor1),
        ("re-import: snapshot 2 on top", second, floor2),
        ("re-import: snapshot 2 again", again, floor2),
        ("import snapshot 1 (populated database)", populated, floor1),
    ]
    print(f"{'step':38} {'seconds':>8} {'x floor':>8} {'peak RSS':>9}")
    for label, result, floor_result in rows:
        ratio = result["seconds"] / floor_result["seconds"]
        print(f"{label:38} {result['seconds']:8.2f} {ratio:8.2f} {result['peak_rss_mb']:6.0f} MB")
    indexed = figures["indexed1"]
    print(
        f"for reference: the floor with the indexes and the FTS index stored messages need "
        f"{indexed['seconds']:.2f} s; the first import is {first['seconds'] / indexed['seconds']:.2f}x that"
    )
    print(
        "the lowest ratio any import into Rapport's schema can reach (bench/schema_floor.py: the rows"
        " written where the app keeps them, all shaping in SQL, no import logic):"
    )
    for label, result, floor_result in (
        ("  snapshot 1 into an empty database", figures["schema1"], floor1),
        ("  snapshot 2 on top", figures["schema2"], floor2),
    ):
        ratio = result["seconds"] / floor_result["seconds"]
        print(f"{label:38} {result['seconds']:8.2f} {ratio:8.2f}")
    for label, result, _floor in rows[2:]:
        print(label, json.dumps(result["summary"]))


if __name__ == "__main__":
    main()
