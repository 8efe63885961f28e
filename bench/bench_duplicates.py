"""Time the duplicate suggestions for a 30,000-contact database (target: under 5 s, one core),
the whole Duplicates screen's data, and a "merge all" with its undo.

Usage: python -m bench.bench_duplicates [N]   (the suite, `python -m bench`, calls `measure`)
"""

from __future__ import annotations

import collections
import re
import sys
import time

from bench.common import scratch
from bench.people import build
from crm.db import db, init_database
from crm.services import duplicates, merge


def measure() -> tuple[float, list]:
    """Seconds and suggestions of one duplicate pass over the open database."""
    started = time.perf_counter()
    found = duplicates.find_duplicates()
    return time.perf_counter() - started, found


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    path = str(scratch() / "bench.sqlite3")
    started = time.perf_counter()
    build(path, n)
    print(f"built {n:,} contacts in {time.perf_counter() - started:.2f} s")
    init_database(path)
    db.connect()
    elapsed, found = measure()
    print(f"duplicates for {n:,} contacts: {len(found):,} pairs in {elapsed:.2f} s")
    kinds = collections.Counter(
        re.split(r" \(| with|;", s.reason)[0] + (" …used to work at" if "used to" in s.reason else "")
        for s in found
    )
    for reason, count in kinds.most_common(12):
        print(f"  {count:6,}  {reason}")
    started = time.perf_counter()
    page = duplicates.suggestion_page()
    print(
        f"the Duplicates screen's data (suggestions, contacts, what differs): {len(page.pairs)} of"
        f" {page.total:,} pairs shown, {len(page.identical):,} for merge all, in"
        f" {time.perf_counter() - started:.2f} s"
    )
    started = time.perf_counter()
    batch = duplicates.merge_unseen_pairs(page.identical)
    print(
        f"merge all: {batch.merged:,} pairs merged, {batch.skipped} skipped,"
        f" in {time.perf_counter() - started:.2f} s"
    )
    started = time.perf_counter()
    undone = merge.undo_batch(batch.id) if batch.id else 0
    print(f"undo all: {undone:,} merges undone in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
