"""A web import runs in its own process (crm/services/import_jobs.py): lower CPU priority, the
plan out of the worker's memory, and a clear, harmless end when that process dies."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from crm.db import db
from crm.models import ImportRun
from crm.services import import_jobs, imports, linkedin_import
from tests.conftest import token
from tests.imports.conftest import dump, wait_for
from tests.imports.test_addressbook_web import commit, settle, upload
from tests.linkedin_export import build
from tests.live_server import Client, Gunicorn, child_pids, production_site
from tests.test_import_concurrency import wait_for_write_lock


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # gone before open (FileNotFoundError) or between open and read (ProcessLookupError)
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not _alive(pid)


def _job(url: str) -> import_jobs.Job:
    return import_jobs.get(url.rstrip("/").rsplit("/", 1)[-1])


def _nice(pid: int) -> dict[int, int]:
    """{thread id: nice value} of a process (Linux keeps a nice value per thread)."""
    out = {}
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            out[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[16])
        except (OSError, IndexError):
            continue
    return out


def test_the_preview_runs_in_a_child_process_at_a_lower_priority_and_cancel_ends_it(client, tmp_path):
    data, _truth = build(2000, 20000, 1, seed=3)
    response = upload(client, "export.zip", data)
    assert response.status_code == 303
    url = response.headers["Location"]
    job = _job(url)
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    seen: dict[int, set[int]] = {}
    deadline = time.monotonic() + 60
    while job.state == "previewing" and time.monotonic() < deadline:
        if job.pid:
            for tid, nice in _nice(job.pid).items():
                seen.setdefault(tid, set()).add(nice)
        time.sleep(0.01)
    assert job.state == "ready", job.error
    assert job.pid not in (None, os.getpid())
    assert "child_main" in Path(f"/proc/{job.pid}/cmdline").read_text()
    planners = {tid for tid, values in seen.items() if min(19, ours + import_jobs.NICE) in values}
    assert planners and job.pid not in planners, f"no thread planned at a lower priority: {seen}"
    # the write lock is taken by the main thread, which stays at the worker's priority
    assert _alive(job.pid), "the child keeps the plan while the owner decides"
    assert _nice(job.pid)[job.pid] == ours
    assert Path(job.path).exists()

    response = client.post(url + "/cancel", data={"csrf_token": token(client)})
    assert response.status_code == 303
    assert _gone(job.pid), "cancel must end the child"
    assert not Path(job.path).exists()
    assert import_jobs.get(job.id) is None


def test_a_preview_whose_process_dies_says_so_and_the_next_import_works(client, db_path, exports):
    before = dump(db_path)
    url, _ = settle(client, upload(client, "export.zip", exports[1][0]))
    job = _job(url)
    os.kill(job.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while job.state == "ready" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert job.state == "failed"
    assert not list(Path(job.path).parent.iterdir()), "its plan file must not stay behind"
    html = client.get(url + "/status", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "This import stopped before it finished" in html and "Nothing was saved" in html
    assert "Upload it again" in html and "could not be imported" not in html
    assert not Path(job.path).exists()
    assert dump(db_path) == before

    # nothing is left "running": the same file imports normally
    url, page = settle(client, upload(client, "export.zip", exports[1][0]))
    done = commit(client, url)
    assert "Imported as #" in done.get_data(as_text=True)
    assert ImportRun.select().where(ImportRun.status == "committed").count() == 1


def test_a_failure_of_ours_is_not_blamed_on_the_file(client, db_path, exports, tmp_path, monkeypatch):
    """A bug in the import process (here: the planner raises) is headed as ours, the traceback
    goes to the log, and nothing is written."""
    (tmp_path / "sitecustomize.py").write_text(
        "from crm.services import linkedin_import\n"
        "def broken(*args, **kwargs):\n"
        "    raise RuntimeError('a bug in the importer')\n"
        "linkedin_import.planner = broken\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # the child's path: the repository, then this
    before = dump(db_path)
    url, page = settle(client, upload(client, "export.zip", exports[1][0]))
    html = page.get_data(as_text=True)
    assert _job(url).failure == "internal"
    assert "This import failed on our side" in html and "Details are in the server log" in html
    assert "could not be imported" not in html and "Upload it again" in html
    assert dump(db_path) == before


def test_a_new_upload_sweeps_what_an_abrupt_end_left_in_the_uploads_folder(app, client, exports):
    """A worker killed mid-import leaves its upload and its plan file (~150 MB for a full
    export) behind; nothing else would ever delete them."""
    uploads = Path(app.config["CRM"]["DATA_DIR"]) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    leftovers = [uploads / "rapport-plan-x1y2.sqlite3", uploads / "partial-0123abcd", uploads / ("f" * 64)]
    for leftover in leftovers:
        leftover.write_bytes(b"left behind")
    url, _ = settle(client, upload(client, "export.zip", exports[1][0]))
    job = _job(url)
    assert job.state == "ready"
    assert not any(leftover.exists() for leftover in leftovers)
    assert Path(job.path).exists(), "the new upload itself stays until commit or cancel"
    assert "Import now" in client.get(url).get_data(as_text=True)


def test_a_preview_left_waiting_expires_and_its_process_ends(client, db_path, exports, monkeypatch):
    monkeypatch.setattr(import_jobs, "WAIT_FOR_DECISION", 0.5)
    before = dump(db_path)
    url, _ = settle(client, upload(client, "export.zip", exports[1][0]))
    job = _job(url)
    assert _gone(job.pid), "the child must give up waiting"
    deadline = time.monotonic() + 10
    while job.state == "ready" and time.monotonic() < deadline:
        time.sleep(0.02)
    html = client.get(url + "/status", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert job.state == "failed" and "This preview has expired" in html and "waited over an hour" in html
    assert not Path(job.path).exists()
    response = client.post(url + "/commit", data={"csrf_token": token(client)})
    assert response.status_code == 409 and "no longer waiting" in response.get_data(as_text=True)
    assert dump(db_path) == before


@pytest.mark.slow
def test_a_commit_whose_process_is_killed_while_writing_writes_nothing(client, db_path):
    data, _truth = build(2000, 40000, 1, seed=11)
    before = dump(db_path)
    url, _ = settle(client, upload(client, "export.zip", data))
    job = _job(url)
    pid = job.pid
    response = client.post(url + "/commit", data={"csrf_token": token(client)})
    assert response.status_code == 303
    child = SimpleNamespace(poll=lambda: None if _alive(pid) else 0)
    assert wait_for_write_lock(db_path, child), "the commit never took the write lock"
    os.kill(pid, signal.SIGKILL)
    page = wait_for(client, url + "/status", timeout=60)
    assert job.state == "failed", job.state
    assert "stopped before it finished" in page.get_data(as_text=True)
    assert not list(Path(job.path).parent.iterdir()), "its plan file must not stay behind"
    assert dump(db_path) == before
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM import_run WHERE status = 'committed'").fetchone() == (0,)
    finally:
        conn.close()


def test_a_process_that_ends_after_saving_is_reported_as_imported(app, tmp_path, exports):
    """Killed after its write transaction (while rescoring): the run is there, and the page must
    not claim that nothing was saved."""
    path = tmp_path / "export.zip"
    path.write_bytes(exports[1][0])
    file_hash = imports.file_sha256(str(path))
    job = import_jobs.Job("j1", "export.zip", file_hash, str(path), str(tmp_path), "", state="committing")
    with app.app_context():
        db.connect(reuse_if_open=True)
        job.runs_before = ImportRun.select().count()
        import_jobs._vanished(job)
        assert (job.state, job.error) == ("failed", import_jobs.VANISHED)

        path.write_bytes(exports[1][0])
        job.state = "committing"
        run, _ = imports.commit(linkedin_import.planner(str(path), "export.zip", file_hash))
        import_jobs._vanished(job)
        assert (job.state, job.run_id) == ("done", run.id)
        assert not path.exists()


@pytest.mark.slow
def test_a_worker_that_dies_while_its_import_writes_takes_the_import_with_it(tmp_path):
    password = "child-process-test-7310"
    env, database, _ = production_site(tmp_path, password)
    export, _truth = build(2000, 40000, 1, seed=5)
    server = Gunicorn(env, log_path=tmp_path / "gunicorn.log")
    server.start()
    try:
        client = Client(server.port)
        client.log_in(password)
        job_url = client.start_import(export)
        deadline = time.monotonic() + 60
        while "Ready to import" not in client.request("GET", job_url + "/status")[2]:
            assert time.monotonic() < deadline, "the preview never finished"
            time.sleep(0.05)
        (worker,) = child_pids(server.proc.pid)
        (child,) = child_pids(worker)
        assert "child_main" in Path(f"/proc/{child}/cmdline").read_text()
        client.request("GET", job_url)  # the preview page, which carries the commit form
        assert client.post(job_url + "/commit", {})[0] == 303
        probe = SimpleNamespace(poll=lambda: None if _alive(child) else 0)
        assert wait_for_write_lock(str(database), probe), "the commit never took the write lock"
        os.kill(worker, signal.SIGKILL)
        assert _gone(child), "the import process outlived its worker"
    finally:
        server.stop()
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM import_run WHERE status = 'committed'").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM activity").fetchone() == (0,)
    finally:
        conn.close()
