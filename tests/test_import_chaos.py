"""Imports are all or nothing (issue 8, promise 2): SIGKILL `crm import linkedin` at random moments.

Each round starts from the same database (a small earlier import plus hand-made data), runs the
CLI import of a large export as a subprocess and kills its process group after a random delay:
half the delays anywhere in the run, half inside the write phase. Afterwards the data equals the
state before the import or the state after a complete import (every row compared, ids and
clock-dependent columns aside), `integrity_check` is ok, no import run is left "running", and
importing again completes normally.

CI size: 2,000 connections / 20,000 messages, 10 kills. Full size (the real cap, 30,000 /
300,000, 30 kills): CRM_HARDENING_FULL=1 python -m pytest tests/test_import_chaos.py
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crm import migrations
from tests.linkedin_export import build
from tests.test_import_concurrency import wait_for_write_lock

FULL = os.environ.get("CRM_HARDENING_FULL") == "1"
CONNECTIONS, MESSAGES, KILLS = (30_000, 300_000, 30) if FULL else (2_000, 20_000, 10)
ROOT = Path(__file__).resolve().parents[1]
COMPARED = (
    "company", "contact", "contact_email", "contact_phone", "tag", "contact_tag", "activity",
    "activity_contact", "follow_up", "signal", "import_change",
)  # fmt: skip
# Ids of time-ordered rows and clock-dependent caches differ between two complete runs.
VOLATILE = {
    "id", "activity_id", "row_id", "created_at", "updated_at", "score", "score_reasons",
    "score_updated_at", "next_touch_due", "import_run_id", "run_id", "before", "after",
}  # fmt: skip


def state(path: Path) -> dict:
    """Every row of every data table without volatile columns (sorted), plus the run statuses."""
    conn = sqlite3.connect(path)
    try:
        out = {}
        for table in COMPARED:
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")') if r[1] not in VOLATILE]
            names = ", ".join(f'"{c}"' for c in cols)
            rows = conn.execute(f'SELECT {names} FROM "{table}"').fetchall()
            out[table] = sorted(rows, key=repr)
        out["runs"] = conn.execute("SELECT source, status FROM import_run ORDER BY id").fetchall()
        return out
    finally:
        conn.close()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def crm(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from crm.cli import main; main()", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def run_to_end(env: dict, *args: str) -> tuple[float, str]:
    started = time.monotonic()
    proc = crm(env, *args)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    return time.monotonic() - started, out.decode()


def restore(pristine: Path, database: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(pristine, database)


@pytest.mark.slow
def test_a_killed_import_leaves_all_or_nothing(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    database = data / "rapport.sqlite3"
    migrations.migrate(str(database))
    env = {
        **os.environ,
        "CRM_DATA_DIR": str(data),
        "CRM_DATABASE": str(database),
        "CRM_SECRET_KEY": "chaos-test-secret-0123456789abcdef",
    }
    small, _ = build(40, 300, 1, seed=3)  # an earlier import, so the big one also updates rows
    (tmp_path / "small.zip").write_bytes(small)
    big, truth = build(CONNECTIONS, MESSAGES, 2, seed=3)
    big_zip = tmp_path / "big.zip"
    big_zip.write_bytes(big)
    run_to_end(env, "import", "linkedin", str(tmp_path / "small.zip"), "--json")
    conn = sqlite3.connect(database)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    pristine = tmp_path / "pristine.sqlite3"
    shutil.copyfile(database, pristine)
    before = state(database)

    plan_seconds, _ = run_to_end(env, "import", "linkedin", str(big_zip), "--dry-run", "--json")
    total_seconds, out = run_to_end(env, "import", "linkedin", str(big_zip), "--json")
    assert json.loads(out)["contacts"]["created"] > CONNECTIONS * 0.9
    after = state(database)
    assert after != before
    assert after["runs"][-1] == ("linkedin", "committed")

    rng = random.Random(int(os.environ.get("CRM_CRASH_SEED", "0")) or None)
    outcomes = []
    write_seconds = max(0.05, total_seconds - plan_seconds)
    for i in range(KILLS):
        restore(pristine, database)
        proc = crm(env, "import", "linkedin", str(big_zip), "--json")
        if i % 2 == 0:
            # Anywhere in the run.
            delay = rng.uniform(0.0, total_seconds)
            time.sleep(delay)
            in_write = False
        else:
            # Inside the write transaction: wait until the import holds the write lock.
            started = time.monotonic()
            in_write = wait_for_write_lock(str(database), proc)
            time.sleep(rng.uniform(0.0, write_seconds * 0.5))
            delay = time.monotonic() - started
            in_write = in_write and proc.poll() is None
        finished = proc.poll() is not None
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate(timeout=30)
        assert integrity(database) == "ok"
        now = state(database)
        assert now in (before, after), f"kill {i} after {delay:.2f}s left a partial import"
        assert all(status != "running" for _, status in now["runs"])
        outcomes.append(("after" if now == after else "before", round(delay, 2), finished, in_write))
    print(f"\nplan {plan_seconds:.1f}s, full import {total_seconds:.1f}s; kills: {outcomes}")
    assert any(o[0] == "before" for o in outcomes)
    # At least one kill landed while the import held the write lock mid-transaction.
    assert any(o[3] for o in outcomes), outcomes

    # Importing again after the last kill completes, and lands exactly on the complete state.
    restore(pristine, database)
    proc = crm(env, "import", "linkedin", str(big_zip), "--json")
    time.sleep(rng.uniform(plan_seconds, total_seconds))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    _, out = run_to_end(env, "import", "linkedin", str(big_zip), "--json")
    final = state(database)
    assert final.pop("runs")[-1] == ("linkedin", "committed")
    assert final == {k: v for k, v in after.items() if k != "runs"}
    assert integrity(database) == "ok"
