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
from crm.services import addressbook_import, imports, linkedin_import, settings
from importers.base import ImportRejected
from importers.formats import NeedsMapping
from importers.linkedin import FILE_NAMES, normalise_file_name

log = logging.getLogger("crm.imports")
ACCEPTED = (".zip", ".csv", ".vcf", ".vcard")
LINKEDIN_NAMES = frozenset(n for names in FILE_NAMES.values() for n in names)
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
    kind: str = "linkedin"  # linkedin, csv, vcard: chosen from the content
    state: str = "previewing"  # previewing, mapping, ready, committing, done, failed
    phase: str = "Opening the file"
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    report: imports.Report | None = None
    plan: imports.Plan | None = None
    run_id: int | None = None
    error: str = ""
    mapping: dict[str, str] | None = None
    needs: NeedsMapping | None = None  # set while the owner maps the columns
    choices: dict[str, str] = field(default_factory=dict)  # preselected fields per column
    dayfirst: bool = False

    @property
    def running(self) -> bool:
        return self.state in RUNNING

    @property
    def elapsed(self) -> int:
        return int(time.monotonic() - self.started)

    def planner(self) -> imports.Planner:
        if self.kind == "linkedin":
            return linkedin_import.planner(self.path, self.file_name, self.file_hash, self._uploads())
        return addressbook_import.planner(
            self.path, self.file_name, self.file_hash, kind=self.kind, mapping=self.mapping,
            dayfirst=self.dayfirst,
        )  # fmt: skip

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
            if old.state in ("ready", "mapping"):
                _discard(old)
        path, digest = save_upload(stream, data_dir)
        job = Job(secrets.token_urlsafe(12), file_name, digest, path, data_dir, kind=_kind(path, file_name))
        job.dayfirst = settings.dayfirst()
        _jobs[job.id] = job
    threading.Thread(target=_preview, args=(job,), daemon=True, name="import-preview").start()
    return job


def get(job_id: str) -> Job | None:
    """A job by id (None when unknown, e.g. after a restart)."""
    return _jobs.get(job_id)


def current() -> Job | None:
    """The job waiting for confirmation or still running, if any."""
    return next((j for j in _jobs.values() if j.running or j.state in ("ready", "mapping")), None)


def _kind(path: str, file_name: str) -> str:
    """Which flow a file takes, by content: LinkedIn ZIP or CSV, vCard, or any other CSV.

    A file named .zip is always an archive (a broken one is refused by the archive checks,
    never read as a CSV).
    """
    with open(path, "rb") as fh:
        head = fh.read(4096)
    archive = head.startswith(b"PK\x03\x04") or file_name.lower().endswith(".zip")
    if archive or normalise_file_name(file_name) in LINKEDIN_NAMES:
        return "linkedin"
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").replace(b"\x00", b"").upper()
    if text.startswith(b"BEGIN:VCARD") or file_name.lower().endswith((".vcf", ".vcard")):
        return "vcard"
    return "csv"


def set_mapping(job_id: str, mapping: dict[str, str]) -> Job:
    """Use the owner's column mapping (remembered for this header) and preview again.

    ImportRejected (nothing started) when the mapping maps nothing useful or the job is gone.
    """
    with _lock:
        job = _jobs.get(job_id)
        if job is None or job.state != "mapping" or job.needs is None:
            raise ImportRejected("This import is no longer waiting for a mapping; upload it again.")
        job.choices = dict(mapping)
        addressbook_import.check_mapping(job.path, job.file_name, mapping)
        addressbook_import.remember_mapping(job.needs.header, mapping)
        job.mapping, job.needs, job.state = mapping, None, "previewing"
        job.phase, job.done, job.started = "Opening the file", 0, time.monotonic()
    threading.Thread(target=_preview, args=(job,), daemon=True, name="import-preview").start()
    return job


def _guarded(job: Job, work) -> None:
    """Run a job's work in its thread, turning errors into the job's state.

    The state is set last in every branch: the status page shows the job as soon as the state
    changes, so its choices, its error and the upload's removal must already be in place.
    """
    db.connect(reuse_if_open=True)
    try:
        work()
    except NeedsMapping as exc:
        job.choices = addressbook_import.remembered_mapping(exc.header) or exc.suggestion
        job.needs, job.state = exc, "mapping"
    except ImportRejected as exc:
        _drop_upload(job)
        job.error, job.state = str(exc), "failed"
    except Exception:
        log.exception("import %s failed", job.file_name)
        job.error = (
            "Something went wrong while importing; nothing was written. Details are in the server log."
        )
        _drop_upload(job)
        job.state = "failed"
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
        _drop_upload(job)
        job.run_id, job.report, job.state = run.id, report, "done"

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
