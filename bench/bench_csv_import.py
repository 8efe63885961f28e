"""Parse + match, and the full import (plan + commit + rescoring, then undo), of a 50,000-row
Google CSV and 50,000 vCards against 30,000 contacts, next to the stdlib floor (csv.reader / a
line split straight into sqlite3) measured in the same run.

Usage: python -m bench.bench_csv_import [ROWS]   (the issue's target: within 3x of the floor)
"""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.people import build
from crm.db import db, init_database
from crm.services import addressbook_import, imports, matching
from importers.base import PersonRecord
from importers.formats import parse_csv
from importers.vcard import parse_vcard

MAKE = Path("/work/shared/datagen/make_exports.py")


def floor_csv(data: bytes) -> float:
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
    started = time.perf_counter()
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (name, value)")
    lines = (line.partition(":") for line in data.decode("utf-8").splitlines())
    conn.executemany("INSERT INTO t VALUES (?, ?)", ((n, v) for n, _, v in lines))
    conn.commit()
    return time.perf_counter() - started


def ours(parse, data: bytes, name: str) -> tuple[float, float, int, int]:
    started = time.perf_counter()
    records = [r for r in parse(data, name).records() if isinstance(r, PersonRecord)]
    parsed = time.perf_counter() - started
    started = time.perf_counter()
    index = matching.build_index()
    found = sum(1 for r in records if matching.match(r, index) is not None)
    return parsed, time.perf_counter() - started, len(records), found


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    tmp = Path(tempfile.mkdtemp())
    for kind, name in (("google", "g.csv"), ("vcard", "v.vcf")):
        subprocess.run(
            [sys.executable, str(MAKE), kind, str(tmp / name), "--contacts", str(rows)],
            check=True,
            capture_output=True,
        )
    build(str(tmp / "db.sqlite3"), 30_000)
    init_database(str(tmp / "db.sqlite3"))
    db.connect()
    for label, name, parse, floor in (
        ("Google CSV", "g.csv", parse_csv, floor_csv),
        ("vCard", "v.vcf", parse_vcard, floor_lines),
    ):
        data = (tmp / name).read_bytes()
        base = floor(data)
        parsed, matched, count, found = ours(parse, data, name)
        total = parsed + matched
        print(
            f"{label}: {count:,} records; floor {base:.2f}s; parse {parsed:.2f}s + index/match "
            f"{matched:.2f}s ({found:,} matched) = {total:.2f}s, {total / base:.1f}x the floor"
        )
        kind = "vcard" if name.endswith(".vcf") else "csv"
        started = time.perf_counter()
        planner = addressbook_import.planner(data, name, "bench", kind=kind)
        plan = planner(lambda phase, done: None)
        planned = time.perf_counter() - started
        started = time.perf_counter()
        run, report = imports.commit(planner, plan=plan)  # as the web flow: the preview's plan
        committed = time.perf_counter() - started
        started = time.perf_counter()
        imports.undo(run.id)
        undone = time.perf_counter() - started
        c = report.contacts
        print(
            f"  full import: plan {planned:.2f}s + write and rescore {committed:.2f}s"
            f" = {planned + committed:.2f}s ({(planned + committed) / base:.1f}x the floor;"
            f" {c['created']:,} new, {c['updated']:,} updated,"
            f" {c['unchanged']:,} unchanged, {len(report.conflicts):,} conflicts kept);"
            f" undo {undone:.2f}s"
        )


if __name__ == "__main__":
    main()
