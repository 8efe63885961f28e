"""Benchmark: `crm export json` on 30,000 contacts and 300,000 activities; prints time and peak RSS.

Run: python -m bench.export_json [DIR]
"""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench.common import scratch
from crm import migrations

CONTACTS, ACTIVITIES = 30_000, 300_000


def fill(path: Path) -> None:
    conn = sqlite3.connect(path)
    stamp = "2025-01-01 00:00:00"
    with conn:
        conn.executemany(
            "INSERT INTO contact (first_name, last_name, full_name, name_key, title, location, website,"
            " notes, stage, source, is_connection, connected, value_deal, value_referrals, value_advocate,"
            " value_feedback, created_at, updated_at, score, score_reasons, last_touch_at)"
            " VALUES ('A', ?, ?, ?, 'VP', '', '', '', 'lead', 'linkedin', 1, 1, 0, 0, 0, 0, ?, ?, 0, '[]',"
            " ?)",
            ((str(i), f"A {i}", f"a {i}", stamp, stamp, stamp) for i in range(CONTACTS)),
        )
        conn.executemany(
            "INSERT INTO activity (kind, occurred_at, direction, origin, source, source_key, summary, body,"
            " created_at, updated_at) VALUES ('message', ?, 'in', 'imported', 'linkedin', ?, 'Hi', ?, ?, ?)",
            ((stamp, f"k{i}", "Message body " * 20, stamp, stamp) for i in range(ACTIVITIES)),
        )
        conn.executemany(
            "INSERT INTO activity_contact (activity_id, contact_id, occurred_at) VALUES (?, ?, ?)",
            ((i + 1, i % CONTACTS + 1, stamp) for i in range(ACTIVITIES)),
        )
    conn.close()


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else scratch()
    database = folder / "rapport.sqlite3"
    if not database.exists():
        migrations.migrate(str(database))
        fill(database)
    env = {**os.environ, "CRM_DATA_DIR": str(folder), "CRM_SECRET_KEY": "bench-secret-0123456789abcdef"}
    out = folder / "export.json"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "from crm.cli import main; main()", "export", "json", str(out)],
        env=env,
        check=True,
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size_mb = out.stat().st_size / 1024 / 1024
    print(f"export json: {CONTACTS} contacts, {ACTIVITIES} activities -> {size_mb:.0f} MB in {seconds:.1f} s")
    print(f"peak RSS of the export process: {peak_mb:.0f} MB (target: well under 250 MB)")


if __name__ == "__main__":
    main()
