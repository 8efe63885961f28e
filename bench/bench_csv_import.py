"""Address-book import speed: a Google CSV and a vCard file (50,000 people each by default) into a
database of 30,000 contacts, next to the stdlib floor (csv.reader / a line split straight into
sqlite3) measured in the same run. The files come from tests/addressbook_export.py and share
emails, phones, LinkedIn URLs and names with the existing contacts, so matching does real work.

Usage: python -m bench.bench_csv_import [--rows 50000] [--existing 30000] [--json]
(the issue's target: the import within 3x of the floor)
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import sqlite3
import sys
import time
from pathlib import Path

from bench.common import scratch
from bench.engine_floor import addressbook_engine_floor
from bench.people import build as build_people
from bench.schema_floor import addressbook_schema_floor
from crm.db import db, init_database
from crm.services import addressbook_import, imports, matching
from importers.base import PersonRecord
from tests.addressbook_export import Known
from tests.addressbook_export import build as build_export

FORMATS = (("Google CSV", "google", "contacts.csv", "csv"), ("vCard", "vcard", "contacts.vcf", "vcard"))


def floor_csv(data: bytes) -> float:
    """csv.reader straight into one bare sqlite3 table (every column, one transaction)."""
    started = time.perf_counter()
    conn = sqlite3.connect(":memory:")
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    width = len(next(rows))
    conn.execute(f"CREATE TABLE t ({', '.join(f'c{i}' for i in range(width))})")
    marks = ",".join("?" * width)
    conn.executemany(
        f"INSERT INTO t VALUES ({marks})", (r + [""] * (width - len(r)) for r in rows if len(r) <= width)
    )
    conn.commit()
    return time.perf_counter() - started


def floor_lines(data: bytes) -> float:
    """Every line split at its first colon straight into one bare sqlite3 table."""
    started = time.perf_counter()
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (name, value)")
    lines = (line.partition(":") for line in data.decode("utf-8").splitlines())
    conn.executemany("INSERT INTO t VALUES (?, ?)", ((n, v) for n, _, v in lines))
    conn.commit()
    return time.perf_counter() - started


def known_people(path: str) -> list[Known]:
    """The existing contacts with their first email and phone, for the export to share."""
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT c.id, c.first_name, c.last_name,"
        " (SELECT email FROM contact_email e WHERE e.contact_id = c.id ORDER BY position LIMIT 1),"
        " (SELECT phone FROM contact_phone p WHERE p.contact_id = c.id ORDER BY position LIMIT 1),"
        " c.linkedin_url, co.name FROM contact c LEFT JOIN company co ON co.id = c.company_id"
        " ORDER BY c.id"
    ).fetchall()
    conn.close()
    return [Known(i, f, la, e or "", p or "", u or "", co or "") for i, f, la, e, p, u, co in rows]


def measure(data: bytes, name: str, kind: str) -> dict:
    """Each phase of one import: parse, match, the rest of the plan, write, rescore, undo."""
    out: dict = {}
    started = time.perf_counter()
    source = addressbook_import.open_source(data, name, kind=kind)
    records = [r for r in source.records() if isinstance(r, PersonRecord)]
    out["parse"] = time.perf_counter() - started
    started = time.perf_counter()
    index = matching.build_index()
    found = sum(1 for r in records if matching.match(r, index) is not None)
    out["match"] = time.perf_counter() - started
    out["records"], out["matched"] = len(records), found
    del records, source

    started = time.perf_counter()
    planner = addressbook_import.planner(data, name, "bench", kind=kind)
    plan = planner(lambda phase, done: None)
    out["plan"] = time.perf_counter() - started  # parses and matches again, then plans

    rescore = imports.after_import
    timed = {"rescore": 0.0}

    def after_import(ids):
        began = time.perf_counter()
        rescore(ids)
        timed["rescore"] += time.perf_counter() - began

    imports.after_import = after_import  # commit calls it last: timed apart from the write
    try:
        started = time.perf_counter()
        run, report = imports.commit(planner, plan=plan)  # as the web flow: the preview's plan
        committed = time.perf_counter() - started
    finally:
        imports.after_import = rescore
    out["rescore"] = timed["rescore"]
    out["write"] = committed - timed["rescore"]
    out["full"] = out["plan"] + committed
    out["counts"] = {k: report.contacts[k] for k in ("created", "updated", "unchanged")} | {
        "conflicts": len(report.conflicts),
        "skipped": len(report.skipped),
    }
    started = time.perf_counter()
    imports.undo(run.id)
    out["undo"] = time.perf_counter() - started
    return out


def run(rows: int = 50_000, existing: int = 30_000, folder: Path | None = None, log=print) -> dict:
    """Build the database and both files, time each format; returns {format: figures}."""
    folder = folder or scratch("rapport-abimport-")
    path = str(folder / "db.sqlite3")
    build_people(path, existing)
    known = known_people(path)
    init_database(path)
    db.connect(reuse_if_open=True)
    results = {}
    try:
        for label, kind, name, reader in FORMATS:
            data, truth = build_export(kind, rows, known, seed=4)
            floor = (floor_csv if reader == "csv" else floor_lines)(data)
            if reader == "csv":  # the same rows written into a copy of the database, SQL only
                copy = str(folder / "schema-floor.sqlite3")
                shutil.copyfile(path, copy)
                schema = addressbook_schema_floor(data, copy)
                shutil.copyfile(path, copy)
                engine = addressbook_engine_floor(data, copy)
            figures = measure(data, name, reader)
            figures.update(floor=floor, bytes=len(data), expected_created=truth["created"])
            if reader == "csv":
                figures["schema_floor"], figures["engine_floor"] = schema, engine
            results[label] = figures
            log(describe(label, figures))
            if figures["counts"]["created"] != truth["created"]:
                log(f"  WARNING: the file's truth says {truth['created']:,} new contacts")
    finally:
        db.close()
    return results


def describe(label: str, f: dict) -> str:
    """Two lines of figures for one format."""
    ratio = f["full"] / f["floor"]
    rest = f["plan"] - f["parse"] - f["match"]
    c = f["counts"]
    lowest = ""
    if "schema_floor" in f:
        lowest = (
            f"\n  schema floor (the rows written into Rapport's tables by SQL alone, no import logic)"
            f" {f['schema_floor']:.2f}s = {f['schema_floor'] / f['floor']:.1f}x the floor"
        )
    if "engine_floor" in f:
        e = f["engine_floor"]
        lowest += (
            f"\n  engine floor (the leanest set-based import: match, create, fill blanks, undo log; no"
            f" preview, no rescore) {e['seconds']:.2f}s = {e['seconds'] / f['floor']:.2f}x the floor;"
            f" {e['created']:,} new, {e['matched']:,} matched"
        )
    return (
        f"{label}: {f['records']:,} records ({f['bytes'] / 1e6:.1f} MB), {f['matched']:,} match existing"
        f" contacts; floor {f['floor']:.2f}s\n"
        f"  parse {f['parse']:.2f}s + match {f['match']:.2f}s = {f['parse'] + f['match']:.2f}s"
        f" ({(f['parse'] + f['match']) / f['floor']:.1f}x the floor)\n"
        f"  full import {f['full']:.2f}s = {ratio:.1f}x the floor: plan {f['plan']:.2f}s (of which"
        f" {max(0.0, rest):.2f}s beyond parse+match) + write {f['write']:.2f}s + rescore"
        f" {f['rescore']:.2f}s; {c['created']:,} new, {c['updated']:,} updated,"
        f" {c['unchanged']:,} unchanged, {c['conflicts']:,} conflicts, {c['skipped']:,} skipped;"
        f" undo {f['undo']:.2f}s{lowest}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_csv_import", description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000, help="people in each file")
    parser.add_argument("--existing", type=int, default=30_000, help="contacts already in the database")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (the text to stderr)")
    args = parser.parse_args(argv)
    log = (lambda text: print(text, file=sys.stderr)) if args.json else print
    results = run(args.rows, args.existing, log=log)
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
