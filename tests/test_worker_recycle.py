"""Gunicorn's max_requests recycle waits for a running or previewed import (crm/gunicorn_conf.py).

A web import lives in the worker's memory; a recycle in the middle of it would roll it back and
lose its preview. With max_requests at 3 the progress polls alone would recycle the worker
several times over during the import below.
"""

from __future__ import annotations

import sqlite3
import time

import pytest

from tests.linkedin_export import build
from tests.live_server import Client, Gunicorn, production_site

PASSWORD = "recycle-test-password-4821"
RECYCLED = "Autorestarting worker"


def _poll(client: Client, job_url: str, marker: str, polls: list[int]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status, _, body = client.request("GET", job_url + "/status", headers={"HX-Request": "true"})
        polls.append(status)
        assert status == 200, f"the job vanished (answered {status}) after {len(polls)} polls"
        if marker in body:
            return
        time.sleep(0.05)
    raise AssertionError(f"the import never showed {marker!r}")


@pytest.mark.slow
def test_the_worker_is_not_recycled_while_an_import_runs_or_waits(tmp_path):
    env, database, _ = production_site(tmp_path, PASSWORD)
    export, truth = build(400, 6000, 1, seed=5)
    log = tmp_path / "gunicorn.log"
    server = Gunicorn(env, log_path=log, extra=("--max-requests", "3", "--max-requests-jitter", "0"))
    server.start()
    try:
        client = Client(server.port)
        client.log_in(PASSWORD)
        job_url = client.start_import(export)
        polls: list[int] = []
        _poll(client, job_url, "Ready to import", polls)
        client.request("GET", job_url)  # the preview page, which carries the commit form
        for _ in range(3):  # the owner reads the preview; the plan must still be there
            assert client.request("GET", job_url + "/status", headers={"HX-Request": "true"})[0] == 200
        status, _, body = client.post(job_url + "/commit", {})
        assert status == 303, body[:300]
        _poll(client, job_url, "Imported as #", polls)
        assert len(polls) > 3
        recycled_during = log.read_text().count(RECYCLED)
        for _ in range(4):  # once the import is over, recycling works as configured again
            client.request("GET", "/contacts/")
        deadline = time.monotonic() + 10
        while log.read_text().count(RECYCLED) == recycled_during and time.monotonic() < deadline:
            time.sleep(0.1)
        assert log.read_text().count(RECYCLED) > recycled_during
    finally:
        server.stop()
    conn = sqlite3.connect(database)
    try:
        runs = conn.execute("SELECT source, status FROM import_run").fetchall()
        connections = conn.execute("SELECT count(*) FROM contact WHERE is_connection = 1").fetchone()[0]
    finally:
        conn.close()
    assert runs == [("linkedin", "committed")]
    assert connections == truth["connections"]
