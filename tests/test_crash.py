"""Crash safety (issue 8, promise 1): a note the server acknowledged survives SIGKILL of the server.

The real production server (gunicorn, crm/gunicorn_conf.py when present) runs with
CRM_ENV=production and a secret key file. Plain http on loopback is fine because the test's
client is not a browser: it sends the Secure session cookie anyway, so production settings
need no exception. Writers post notes through the contact page's touch form; the whole process
group is SIGKILLed at random moments and restarted. Afterwards every acknowledged note is in
the database byte-for-byte and PRAGMA integrity_check is ok.

CRM_CRASH_KILLS sets the number of kills (default 20; e.g. 100 for a longer soak).
"""

from __future__ import annotations

import http.client
import os
import random
import sqlite3
import threading
import time
import uuid

import pytest

from tests.conftest import PASSWORD
from tests.live_server import Client, Gunicorn, production_site
from tests.security_helpers import seed

KILLS = int(os.environ.get("CRM_CRASH_KILLS", "20"))


class NoteWriter(threading.Thread):
    """Posts notes in a loop and records the text of every note the server acknowledged."""

    def __init__(self, client: Client, path: str, tag: str, acked: list[str]):
        super().__init__(daemon=True)
        self.client, self.path, self.tag, self.acked = client, path, tag, acked
        self.stopping = threading.Event()
        self.attempts = 0

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            # Non-ASCII, quotes and a newline: byte-for-byte means byte-for-byte.
            text = f"crash note {self.tag}-{n} {uuid.uuid4().hex} — «Zoë» \"q\" 'x'\nline 2 ✓"
            self.attempts += 1
            try:
                status, _, _ = self.client.post(self.path, {"kind": "note", "text": text})
            except (OSError, http.client.HTTPException):
                time.sleep(0.01)
                continue
            if status in (200, 303):
                self.acked.append(text)


@pytest.mark.slow
def test_acknowledged_notes_survive_sigkill(tmp_path):
    env, database, ids = production_site(tmp_path, PASSWORD, seed)
    server = Gunicorn(env, workers=1, threads=4, log_path=tmp_path / "gunicorn.log")
    rng = random.Random(int(os.environ.get("CRM_CRASH_SEED", "0")) or None)
    acked: list[str] = []
    attempts = 0
    path = f"/contacts/{ids['contact_id']}/touches"
    client = None
    started = time.monotonic()
    try:
        for i in range(KILLS):
            server.start()
            if client is None:
                client = Client(server.port)
                client.log_in(PASSWORD)
            client.port = server.port
            writers = [NoteWriter(client, path, f"{i}.{w}", acked) for w in range(2)]
            for w in writers:
                w.start()
            time.sleep(rng.uniform(0.1, 0.8))
            server.kill()
            for w in writers:
                w.stopping.set()
            for w in writers:
                w.join(timeout=15)
                attempts += w.attempts
    finally:
        server.kill()
    elapsed = time.monotonic() - started

    conn = sqlite3.connect(database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = [row[0] for row in conn.execute("SELECT body FROM activity WHERE kind = 'note'")]
    finally:
        conn.close()
    counts: dict[str, int] = {}
    for body in stored:
        counts[body] = counts.get(body, 0) + 1
    lost = [text for text in acked if counts.get(text) != 1]
    print(f"\n{KILLS} kills in {elapsed:.1f}s: {len(acked)} notes acknowledged of {attempts} attempts")
    assert len(acked) >= KILLS * 5, "too few saves to prove anything"
    assert attempts > len(acked), "no request was ever cut off by a kill"
    assert not lost, f"{len(lost)} acknowledged notes lost or duplicated, e.g. {lost[:2]}"
    # After the last kill the server starts cleanly on the same file and the data is readable.
    server.start()
    try:
        client.port = server.port
        status, _, body = client.request("GET", f"/contacts/{ids['contact_id']}")
        assert status == 200 and "crash note" in body
    finally:
        server.kill()
