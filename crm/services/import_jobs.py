"""Imports started from the browser: one at a time, in a child process, with progress.

The upload is kept under <data dir>/uploads/<sha256> from preview until commit or cancel. The
preview runs in a child process (a fresh interpreter) that keeps its plan and waits for "commit"
or "cancel"; commit reuses that plan unless the database changed in between. So the web worker
neither holds a plan of hundreds of megabytes nor competes with the import for its interpreter
lock. The planning runs at a lower CPU priority, so on a one-CPU box the kernel serves pages
first; the write, which holds the database's write lock, does not. A thread in the worker
supervises each child and turns its messages into the job's state for the progress page.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import BinaryIO

from peewee import fn

from crm.db import db, init_database
from crm.models import ImportRun
from crm.services import addressbook_import, duplicates, imports, linkedin_import, settings
from importers.base import ImportRejected
from importers.csvread import HEADER_SCAN_ROWS, column_key
from importers.formats import NeedsMapping
from importers.linkedin import FILE_NAMES, REQUIRED, normalise_file_name

log = logging.getLogger("crm.imports")
ACCEPTED = (".zip", ".csv", ".vcf", ".vcard")
LINKEDIN_NAMES = frozenset(n for names in FILE_NAMES.values() for n in names)
LINKEDIN_FLOW = ("connections", "messages", "invitations", "endorsements")  # recognised by header
RUNNING = ("previewing", "committing")
NICE = 10  # the preview's CPU priority below the web worker's (0 = the same)
WAIT_FOR_DECISION = 3600  # seconds a previewed import waits for "Import now" or "Cancel"
CHILD_MAIN = "from crm.services.import_jobs import child_main; child_main()"
ROOT = str(Path(__file__).resolve().parents[2])  # where `crm` can be imported from
FAILED = "Something went wrong while importing. Details are in the server log."
VANISHED = "Its process ended (the server restarted, or the machine ran out of memory) before it was done."
EXPIRED = "It waited over an hour for Import now or Cancel, so the upload was dropped."
NOT_WAITING = "This import is no longer waiting to be committed; upload it again."


class Busy(Exception):
    """Another import is running; the message says which."""


@dataclass(frozen=True)
class Work:
    """What the child process needs to plan and write one import (sent to it pickled)."""

    database: str
    kind: str
    path: str
    file_name: str
    file_hash: str
    uploads: str
    mapping: dict[str, str] | None
    dayfirst: bool
    dates_chosen: bool  # dayfirst was picked for this file (reread_dates), not by Settings
    parent_pid: int
    wait_for_decision: float  # seconds the child keeps a preview for "Import now" or "Cancel"

    def planner(self) -> imports.Planner:
        if self.kind == "linkedin":
            return linkedin_import.planner(self.path, self.file_name, self.file_hash, self.uploads)
        return addressbook_import.planner(
            self.path, self.file_name, self.file_hash, kind=self.kind, mapping=self.mapping,
            dayfirst=self.dayfirst, dates_chosen=self.dates_chosen,
        )  # fmt: skip


@dataclass
class Job:
    id: str
    file_name: str
    file_hash: str
    path: str
    data_dir: str
    database: str
    kind: str = "linkedin"  # linkedin, csv, vcard: chosen from the content
    state: str = "previewing"  # previewing, mapping, ready, committing, done, failed
    phase: str = "Opening the file"
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    report: imports.Report | None = None
    run_id: int | None = None
    error: str = ""
    failure: str = ""  # why it failed: "file" (the file's fault), "internal" (ours), "stopped", "expired"
    mapping: dict[str, str] | None = None
    needs: NeedsMapping | None = None  # set while the owner maps the columns
    choices: dict[str, str] = field(default_factory=dict)  # preselected fields per column
    remembered: bool = False  # the choices are the mapping used last time for this header
    dayfirst: bool = False
    dates_chosen: bool = False
    pid: int | None = None  # the child process planning or writing this import
    runs_before: int = 0  # the newest import run's id when the commit began
    commands: Connection | None = field(default=None, repr=False)  # to that child, while it waits

    @property
    def running(self) -> bool:
        return self.state in RUNNING

    @property
    def elapsed(self) -> int:
        return int(time.monotonic() - self.started)

    def work(self) -> Work:
        uploads = str(Path(self.data_dir) / "uploads")
        return Work(
            self.database, self.kind, self.path, self.file_name, self.file_hash, uploads,
            self.mapping, self.dayfirst, self.dates_chosen, os.getpid(), WAIT_FOR_DECISION,
        )  # fmt: skip


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


def start(stream: BinaryIO, file_name: str, data_dir: str, database: str) -> Job:
    """Store the upload and start its preview; Busy if an import is already running."""
    with _lock:
        busy = next((j for j in _jobs.values() if j.running), None)
        if busy:
            raise Busy(f"An import of {busy.file_name} is still running; wait for it to finish.")
        for old in list(_jobs.values()):
            if old.state in ("ready", "mapping"):
                _discard(old)
        _sweep(data_dir)
        path, digest = save_upload(stream, data_dir)
        kind = _kind(path, file_name)
        job = Job(secrets.token_urlsafe(12), file_name, digest, path, data_dir, database, kind=kind)
        job.dayfirst = settings.dayfirst()
        _jobs[job.id] = job
    _launch(job)
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
        head = fh.read(16384)
    archive = head.startswith(b"PK\x03\x04") or file_name.lower().endswith(".zip")
    if archive or normalise_file_name(file_name) in LINKEDIN_NAMES or _linkedin_header(head):
        return "linkedin"
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").replace(b"\x00", b"").upper()
    if text.startswith(b"BEGIN:VCARD") or file_name.lower().endswith((".vcf", ".vcard")):
        return "vcard"
    return "csv"


def _linkedin_header(head: bytes) -> bool:
    """Whether one of the first lines is the header of a LinkedIn file we import: a browser saves
    a second download as "messages (1).csv", and Connections.csv belongs in the LinkedIn flow
    (job changes, no longer connected), not the address-book one."""
    lines = head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()[:HEADER_SCAN_ROWS]
    for line in lines:
        keys = {column_key(cell) for cell in line.split(",")}
        if any({column_key(c) for c in REQUIRED[kind]} <= keys for kind in LINKEDIN_FLOW):
            return True
    return False


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
        job.mapping, job.needs = mapping, None
        _previewing_again(job)
    _launch(job)
    return job


def reread_dates(job_id: str, dayfirst: bool) -> Job:
    """Preview a previewed address book again, reading dates like 3/4/1980 the given way.

    ImportRejected (nothing changed) when the job is no longer a preview waiting for a decision.
    """
    with _lock:
        job = _jobs.get(job_id)
        if job is None or job.state != "ready" or job.kind == "linkedin":
            raise ImportRejected(NOT_WAITING)
        # The waiting child is told to drop its plan; pid None tells its supervisor that the
        # end of that child is no failure of this job, which a new child now previews.
        _send(job, "cancel")
        job.pid, job.commands, job.report = None, None, None
        job.dayfirst, job.dates_chosen = dayfirst, True
        _previewing_again(job)
    _launch(job)
    return job


def _previewing_again(job: Job) -> None:
    """Back to "previewing" from the start, for a new child to plan the same upload (under _lock)."""
    job.state, job.phase, job.done, job.started = "previewing", "Opening the file", 0, time.monotonic()


def commit(job_id: str) -> Job:
    """Tell the job's child to write its previewed import; the job page shows its progress."""
    with _lock:
        job = _jobs.get(job_id)
        gone = ImportRejected(NOT_WAITING)
        if job is None or job.state != "ready":
            raise gone
        # the state first: the child may be done before this thread runs again
        job.runs_before = ImportRun.select(fn.MAX(ImportRun.id)).scalar() or 0
        job.state, job.phase, job.done, job.started = "committing", "Checking", 0, time.monotonic()
        if not _send(job, "commit"):
            job.state = "ready"  # its supervisor turns it into "failed" as the child ends
            raise gone
    return job


def cancel(job_id: str) -> None:
    """Forget a previewed import, stop its child and delete its upload."""
    with _lock:
        job = _jobs.get(job_id)
        if job is not None and not job.running:
            _discard(job)


def _discard(job: Job) -> None:
    _send(job, "cancel")
    _drop_upload(job)
    _jobs.pop(job.id, None)


def _send(job: Job, command: str) -> bool:
    """Send a command to the job's waiting child; False when there is none (any more)."""
    try:
        if job.commands is not None:
            job.commands.send(command)
            return True
    except OSError:  # the child is gone
        pass
    return False


def _drop_upload(job: Job) -> None:
    Path(job.path).unlink(missing_ok=True)


def _sweep(data_dir: str) -> None:
    """Delete what imports that ended abruptly left in the uploads folder: uploads, partial
    uploads and plan files (a full LinkedIn plan is ~150 MB). Called only while no import runs
    (imports run one at a time, in the one worker), so nothing there is in use."""
    folder = Path(data_dir) / "uploads"
    for leftover in folder.glob("*") if folder.is_dir() else ():
        if leftover.is_file():
            log.info("removing %s, left by an import that ended abruptly", leftover.name)
            leftover.unlink(missing_ok=True)


# -- the worker side: one thread per child turns its messages into the job's state ----------


def _launch(job: Job) -> None:
    threading.Thread(target=_supervise, args=(job,), daemon=True, name="import-supervisor").start()


def _supervise(job: Job) -> None:
    """Start the child and follow it to the end. This thread lives exactly as long as the child:
    the child asks the kernel to kill it when the thread that started it ends (PDEATHSIG), so a
    worker that dies takes its import with it (rolled back, never half-written)."""
    # A fresh interpreter, never a fork of this threaded worker; plain pipes carry pickled
    # messages (multiprocessing's spawn would add a resource-tracker process per worker).
    events_fd, events_out = os.pipe()
    commands_in, commands_fd = os.pipe()
    events = Connection(events_fd, writable=False)
    commands = Connection(commands_fd, readable=False)
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD_MAIN, str(events_out), str(commands_in)],
            pass_fds=(events_out, commands_in),
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (ROOT, os.getenv("PYTHONPATH"))))},
        )
        commands.send(job.work())
    except Exception:
        log.exception("could not start the import of %s", job.file_name)
        events.close()
        commands.close()
        _fail(job, FAILED, "internal")
        return
    finally:
        os.close(events_out)
        os.close(commands_in)
    job.pid, job.commands = child.pid, commands
    ended = False  # the child's last word arrived
    try:
        while not ended:
            try:
                message = events.recv()
            except (EOFError, OSError):
                break
            if job.pid != child.pid:  # reread_dates() gave the job to a new child
                break
            ended = _handle(job, *message)
    finally:
        with _lock:
            if job.commands is commands:  # a new child (after a mapping) has its own
                job.commands = None
        commands.close()  # a child still waiting for a decision reads the end of it and exits
        events.close()
        child.wait()
        with _lock:  # not while commit() is between its state change and its command
            replaced = job.pid != child.pid  # reread_dates() gave the job to a new child
            if not ended and job.id in _jobs and not replaced:
                log.error("the import of %s ended with exit code %s", job.file_name, child.returncode)
                _vanished(job)
                _sweep(job.data_dir)  # its plan file


def _handle(job: Job, kind: str, *args) -> bool:
    """One message from the child; True for its last. The state is set last in every branch:
    the status page shows the job as soon as the state changes, so its report, its error and
    the upload's removal must already be in place."""
    if kind == "progress":
        job.phase, job.done = args
        return False
    if kind == "ready":  # the child now waits for commit or cancel
        (job.report,) = args
        job.state = "ready"
        return False
    if kind == "done":
        _drop_upload(job)
        job.run_id, job.report = args
        job.state = "done"
    elif kind == "mapping":
        header, samples, suggestion, file, job.choices, job.remembered = args
        job.needs = NeedsMapping(header, samples, suggestion, file=file)
        job.state = "mapping"
    elif kind == "rejected":
        _fail(job, args[0])
    elif kind == "expired":
        _fail(job, EXPIRED, "expired")
    else:  # "error", with the child's traceback
        log.error("import %s failed:\n%s", job.file_name, args[0])
        _fail(job, FAILED, "internal")
    return True


def _vanished(job: Job) -> None:
    """The child ended without a last word: if it got as far as saving, say so (the scores of
    the imported people may be stale until the next rescore); otherwise nothing was written."""
    saved = None
    if job.state == "committing":
        db.connect(reuse_if_open=True)
        try:
            saved = (
                ImportRun.select(ImportRun.id)
                .where(
                    ImportRun.id > job.runs_before,
                    ImportRun.file_hash == job.file_hash,
                    ImportRun.status == "committed",
                )
                .scalar()
            )
        finally:
            db.close()
    if saved is None:
        _fail(job, VANISHED, "stopped")
        return
    log.warning("import run %s was saved, but its process ended before rescoring", saved)
    _drop_upload(job)
    job.run_id = saved
    job.state = "done"


def _fail(job: Job, error: str, failure: str = "file") -> None:
    _drop_upload(job)
    job.error, job.failure = error, failure
    job.state = "failed"


# -- the child process -----------------------------------------------------------------------


def child_main() -> None:
    """The child's entry point (CHILD_MAIN): its two pipes are given by number on the command line."""
    events = Connection(int(sys.argv[1]), readable=False)
    commands = Connection(int(sys.argv[2]), writable=False)
    try:
        work = commands.recv()
    except EOFError:
        return
    _child(work, events, commands)


def _child(work: Work, events: Connection, commands: Connection) -> None:
    """Plan the import, report it, wait for the owner's decision, then write it (or not)."""
    _die_with_parent(work.parent_pid)

    def tell(*message) -> None:
        events.send(message)

    def progress(phase: str, done: int) -> None:
        tell("progress", phase, done)

    init_database(work.database)
    db.connect()
    plan = None
    try:
        planner = work.planner()
        plan = _plan_niced(planner, progress)
        tell("ready", plan.report)
        if not commands.poll(work.wait_for_decision):
            tell("expired")
        elif commands.recv() == "commit":
            plan, owned = None, plan  # commit closes it
            run, report = imports.commit(planner, progress, plan=owned)
            progress("Looking for people you may now have twice", 0)
            report.duplicates = duplicates.pairs_touching(imports.touched_ids(run.id))
            tell("done", run.id, report)
    except NeedsMapping as exc:
        remembered = addressbook_import.remembered_mapping(exc.header)
        tell(
            "mapping",
            exc.header,
            exc.samples,
            exc.suggestion,
            exc.file,
            remembered or exc.suggestion,
            bool(remembered),
        )
    except ImportRejected as exc:
        tell("rejected", str(exc))
    except (EOFError, BrokenPipeError):
        pass  # the worker went away: nothing to report to, and nothing was written
    except Exception:
        tell("error", traceback.format_exc())
    finally:
        if plan is not None:
            plan.close()
        db.close()


def _plan_niced(planner: imports.Planner, progress: imports.Progress) -> imports.Plan:
    """Make the plan in a thread at a lower CPU priority (Linux keeps a nice value per thread).

    Planning holds no lock, so the pages may as well have the CPU first. The write that follows
    runs in the main thread at normal priority: it holds the database's write lock, and a niced
    writer would keep every save waiting behind the pages (measured: a logged touch's p95 during
    the import went from 2.8 s to 5.6 s with the whole import niced).
    """
    outcome: dict = {}

    def run() -> None:
        me = threading.get_native_id()
        try:
            os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + NICE))
        except OSError:  # a sandbox that forbids it: plan at normal priority
            pass
        db.connect(reuse_if_open=True)  # peewee connections are per thread
        try:
            outcome["plan"] = planner(progress)
        except BaseException as exc:  # raised again in the main thread
            outcome["error"] = exc
        finally:
            db.close()

    thread = threading.Thread(target=run, name="import-plan")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["plan"]


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this process when the thread that started it ends (Linux)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)
