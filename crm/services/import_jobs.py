"""Imports started from the browser: one at a time, in a background thread, with progress.

The upload is kept under <data dir>/uploads/<sha256> from preview until commit or cancel; the
plan made for the preview is reused by commit unless the database changed in between.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from crm.db import db
from crm.services import imports, linkedin_import
from importers.base import ImportRejected

log = logging.getLogger("crm.imports")
ACCEPTED = (".zip", ".csv")
RUNNING = ("previewing", "committing")


class Busy(Exception):
    """Another import is running; the message says which."""


@dataclass
class Job:
    id: str
    file_name: str
    file_hash: str
    path: str
    data_dir: str
    state: str = "previewing"  # previewing, ready, committing, done, failed
    phase: str = "Opening the file"
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    report: imports.Report | None = None
    plan: imports.Plan | None = None
    run_id: int | None = None
    error: str = ""

    @property
    def running(self) -> bool:
        return self.state in RUNNING

    @property
    def elapsed(self) -> int:
        return int(time.monotonic() - self.started)

    def planner(self) -> imports.Planner:
        return linkedin_import.planner(self.path, self.file_name, self.file_hash, self._uploads())

    def _uploads(self) -> str:
        return str(Path(self.data_dir) / "uploads")

    def progress(self, phase: str, done: int) -> None:
        self.phase, self.done = phase, done


_jobs: dict[str, Job] = {}
_lock = threading.Lock()


def save_upload(stream: BinaryIO, data_dir: str) -> tuple[str, str]:
    """Copy an uploaded file to uploads/<sha256> in chunks; returns (path, sha256)."""
    folder = Path(data_dir) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    partial = folder / f"partial-{secrets.token_hex(8)}"
    with open(partial, "wb") as out:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    final = folder / digest.hexdigest()
    partial.replace(final)
    return str(final), digest.hexdigest()


def start(stream: BinaryIO, file_name: str, data_dir: str) -> Job:
    """Store the upload and start its preview; Busy if an import is already running."""
    with _lock:
        busy = next((j for j in _jobs.values() if j.running), None)
        if busy:
            raise Busy(f"An import of {busy.file_name} is still running; wait for it to finish.")
        for old in list(_jobs.values()):
            if old.state == "ready":
                _discard(old)
        path, digest = save_upload(stream, data_dir)
        job = Job(secrets.token_urlsafe(12), file_name, digest, path, data_dir)
        _jobs[job.id] = job
    threading.Thread(target=_preview, args=(job,), daemon=True, name="import-preview").start()
    return job


def get(job_id: str) -> Job | None:
    """A job by id (None when unknown, e.g. after a restart)."""
    return _jobs.get(job_id)


def current() -> Job | None:
    """The job waiting for confirmation or still running, if any."""
    return next((j for j in _jobs.values() if j.running or j.state == "ready"), None)


def _guarded(job: Job, work) -> None:
    db.connect(reuse_if_open=True)
    try:
        work()
    except ImportRejected as exc:
        job.error, job.state = str(exc), "failed"
        _drop_upload(job)
    except Exception:
        log.exception("import %s failed", job.file_name)
        job.error = (
            "Something went wrong while importing; nothing was written. Details are in the server log."
        )
        job.state = "failed"
        _drop_upload(job)
    finally:
        db.close()


def _preview(job: Job) -> None:
    def work():
        job.plan = job.planner()(job.progress)
        job.report = job.plan.report
        job.state = "ready"

    _guarded(job, work)


def commit(job_id: str) -> Job:
    """Start writing a previewed import; the job page shows its progress."""
    with _lock:
        job = _jobs.get(job_id)
        if job is None or job.state != "ready":
            raise ImportRejected("This import is no longer waiting to be committed; upload it again.")
        job.state, job.phase, job.done, job.started = "committing", "Checking", 0, time.monotonic()
    threading.Thread(target=_commit, args=(job,), daemon=True, name="import-commit").start()
    return job


def _commit(job: Job) -> None:
    def work():
        plan, job.plan = job.plan, None
        run, report = imports.commit(job.planner(), job.progress, plan=plan)
        job.run_id, job.report, job.state = run.id, report, "done"
        _drop_upload(job)

    _guarded(job, work)


def cancel(job_id: str) -> None:
    """Forget a previewed import and delete its upload."""
    with _lock:
        job = _jobs.get(job_id)
        if job is not None and not job.running:
            _discard(job)


def _discard(job: Job) -> None:
    if job.plan is not None:
        job.plan.close()
        job.plan = None
    _drop_upload(job)
    _jobs.pop(job.id, None)


def _drop_upload(job: Job) -> None:
    Path(job.path).unlink(missing_ok=True)
