"""Hostile archives through the real web upload and the CLI (issue 8, promise 3).

Every archive of the zip zoo is refused with a clear message in under 2 s and under 50 MB of
extra peak memory (measured in a subprocess, tests/hostile_probe.py), and nothing is left on
disk (uploads dir, temp dir) or in the database.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from crm import migrations
from tests.importers.test_safezip import CONNECTIONS, _many_empty_entries, central_entries, make_zip

ROOT = Path(__file__).resolve().parents[1]


def ratio_bomb() -> bytes:
    buf, chunk = io.BytesIO(), bytes(1 << 20)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("messages.csv", "w", force_zip64=False) as member:
            for _ in range(256):
                member.write(chunk)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr("Connections.csv", CONNECTIONS)
    return buf.getvalue()


def overlapping() -> bytes:
    data = bytearray(make_zip({"Connections.csv": CONNECTIONS, "messages.csv": CONNECTIONS}))
    struct.pack_into("<I", data, central_entries(bytes(data))[1] + 42, 0)
    return bytes(data)


def forged_size() -> bytes:
    data = bytearray(make_zip({"Connections.csv": CONNECTIONS, "messages.csv": CONNECTIONS}))
    for at in central_entries(bytes(data)):
        struct.pack_into("<I", data, at + 20, 0xFFFFFFFE)
        struct.pack_into("<I", data, at + 42, 0)
    return bytes(data)


def encrypted() -> bytes:
    data = bytearray(make_zip({"Connections.csv": CONNECTIONS}))
    struct.pack_into("<H", data, 6, 1)
    struct.pack_into("<H", data, central_entries(bytes(data))[0] + 8, 1)
    return bytes(data)


ZOO = {
    "ratio-bomb.zip": (ratio_bomb, "zip bomb"),
    "overlap.zip": (overlapping, "overlapping"),
    "forged-size.zip": (forged_size, ""),
    "bzip2.zip": (lambda: make_zip({"Connections.csv": CONNECTIONS}, zipfile.ZIP_BZIP2), "deflated"),
    "lzma.zip": (lambda: make_zip({"Connections.csv": CONNECTIONS}, zipfile.ZIP_LZMA), "deflated"),
    "many-entries.zip": (lambda: _many_empty_entries(60_000), "entries"),
    "dotdot.zip": (lambda: make_zip({"Connections.csv": CONNECTIONS, "../../x.csv": b"x"}), "unsafe"),
    "absolute.zip": (lambda: make_zip({"Connections.csv": CONNECTIONS, "/etc/x.csv": b"x"}), "unsafe"),
    "nested.zip": (
        lambda: make_zip({"inner.zip": make_zip({"Connections.csv": CONNECTIONS})}),
        "upload the ZIP that was inside",
    ),
    "encrypted.zip": (encrypted, "encrypted"),
    "truncated.zip": (lambda: make_zip({"Connections.csv": CONNECTIONS * 50})[:-30], ""),
    "not-a-zip.zip": (lambda: b"hello\n" * 100, ""),
}


@pytest.fixture(scope="module")
def zoo(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("zoo")
    out = {}
    for name, (make, _) in ZOO.items():
        out[name] = folder / name
        out[name].write_bytes(make())
    return out


def snapshot(data: Path) -> tuple:
    conn = sqlite3.connect(data / "rapport.sqlite3")
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()
    counts.pop("login_attempt", None)  # the probe's own login
    counts.pop("session", None)
    files = sorted(
        str(p.relative_to(data)) for p in data.rglob("*") if p.is_file() and "sqlite3" not in p.name
    )
    # the subprocesses get a private TMPDIR (data/../tmp), so other processes' files do not count
    return counts, files, sorted(os.listdir(data.parent / "tmp"))


@pytest.mark.slow
def test_hostile_archives_are_refused_through_the_web_upload(zoo, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "tmp").mkdir()
    migrations.migrate(str(data / "rapport.sqlite3"))
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.hostile_probe", str(data)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )  # warm-up run: the probe's own first login and key file, before the baseline
    before = snapshot(data)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.hostile_probe", str(data), *map(str, zoo.values())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    results = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [r["file"] for r in results] == list(zoo)
    for r in results:
        print(f"\n{r['file']:18} {r['seconds']:.2f}s +{r['growth_mb']:.1f} MB: {r['text'][-160:]}")
        expected = ZOO[r["file"]][1]
        assert r["state"] == "failed", r
        assert "Something went wrong" not in r["text"], r  # our own message, not a crash
        assert expected.lower() in r["text"].lower(), r
        assert r["seconds"] < 2.0, r
        assert r["growth_mb"] < 50, r
    assert snapshot(data) == before


@pytest.mark.slow
def test_hostile_archives_are_refused_by_the_cli(zoo, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "tmp").mkdir()
    migrations.migrate(str(data / "rapport.sqlite3"))
    env = {
        **os.environ,
        "TMPDIR": str(tmp_path / "tmp"),
        "CRM_DATA_DIR": str(data),
        "CRM_DATABASE": str(data / "rapport.sqlite3"),
        "CRM_SECRET_KEY": "hostile-cli-secret-0123456789abcdef",
    }
    before = snapshot(data)
    for name, path in zoo.items():
        # A fresh wrapper process whose only child is the CLI, so its rusage is the CLI's alone
        # (this test process's own children include servers and browsers from other tests).
        proc = subprocess.run(
            [sys.executable, "-c", MEASURED_CLI, "import", "linkedin", str(path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=60,
        )
        usage = json.loads(proc.stdout.decode().strip().splitlines()[-1])
        err = proc.stderr.decode()
        assert usage["returncode"] != 0, name
        assert "Traceback" not in err, err
        assert ZOO[name][1].lower() in err.lower(), (name, err)
        # CPU time, not wall time: CI boxes are shared; start-up of the interpreter is included.
        assert usage["cpu"] < 3.0, (name, usage)
        assert usage["maxrss_kib"] < 200 * 1024, (name, usage)
        assert snapshot(data) == before, name


MEASURED_CLI = """
import json, resource, subprocess, sys
proc = subprocess.run([sys.executable, "-c", "from crm.cli import main; main()", *sys.argv[1:]])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"returncode": proc.returncode, "cpu": usage.ru_utime + usage.ru_stime,
                  "maxrss_kib": usage.ru_maxrss}))
"""
