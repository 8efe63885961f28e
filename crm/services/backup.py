"""Consistent backups, safe restores and the operator's health check of the data directory.

Backups use SQLite's online backup API (never a file copy of a live WAL database), are checked
with PRAGMA integrity_check, fsynced and renamed into place atomically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

from crm import migrations, serverlock

BACKUP_NAME = re.compile(r"^rapport-(\d{8}-\d{6})(?:-(\d+))?\.sqlite3$")
MIN_FREE_BYTES = 200 * 1024 * 1024


class BackupError(RuntimeError):
    """A backup or restore could not be done safely; the message says why and what to do."""


@dataclass
class Backup:
    path: Path
    size: int
    pruned: list[Path]


def _stamp(now: dt.datetime | None) -> str:
    return (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d-%H%M%S")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def integrity(path: Path | str) -> str:
    """'ok', or SQLite's description of what is wrong with the file (read only)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()
    return "ok" if rows == ["ok"] else "; ".join(rows[:5])


def _copy(source: str, target: Path) -> None:
    """Copy a live database into a new single file (one step: a consistent snapshot)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(dst)
        # A rollback-journal file is self-contained: nothing beside it is needed to open it.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()
    os.chmod(target, 0o600)


def list_backups(folder: Path) -> list[Path]:
    """Our backup files in a folder, oldest first (other files are never touched)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = BACKUP_NAME.match(path.name)
        if match and path.is_file():
            found.append(((match.group(1), int(match.group(2) or 0)), path))
    return [path for _, path in sorted(found)]


def backup(database: str, dest: Path, keep: int, now: dt.datetime | None = None) -> Backup:
    """Write a verified, time-stamped copy of the database into dest and keep the newest `keep`."""
    if keep < 1:
        raise BackupError("--keep must be at least 1")
    migrations.check(database)
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = _stamp(now)
    final = dest / f"rapport-{stamp}.sqlite3"
    counter = 1
    while final.exists():
        counter += 1
        final = dest / f"rapport-{stamp}-{counter}.sqlite3"
    temp = dest / f".{final.name}.tmp"
    try:
        _copy(database, temp)
        verdict = integrity(temp)
        if verdict != "ok":
            raise BackupError(f"The copy failed its integrity check ({verdict}); nothing was kept")
        _fsync_file(temp)
        os.replace(temp, final)
        _fsync_dir(dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    pruned = list_backups(dest)[:-keep]
    for old in pruned:
        old.unlink()
    return Backup(path=final, size=final.stat().st_size, pruned=pruned)


def check_restorable(path: Path) -> list[str]:
    """Refuse anything but a healthy Rapport database this version knows; returns its migrations."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    with open(path, "rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{path} is not a SQLite database")
    verdict = integrity(path)
    if verdict != "ok":
        raise BackupError(f"{path} is damaged (integrity check: {verdict}); choose another backup")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        done = migrations.applied(conn)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from None
    finally:
        conn.close()
    known = set(migrations.available())
    if not done or migrations.available()[0] not in done:
        raise BackupError(f"{path} is not a Rapport database (no schema history)")
    newer = sorted(set(done) - known)
    if newer:
        raise BackupError(
            f"{path} comes from a newer Rapport (migrations {', '.join(newer)}); upgrade Rapport first"
        )
    return done


def _set_aside(database: Path, stamp: str) -> Path | None:
    """Checkpoint the current database into its main file and move it (and -wal/-shm) aside."""
    if not database.exists():
        return None
    conn = sqlite3.connect(database, isolation_level=None, timeout=30)
    try:
        # Fails if a writer is still busy (e.g. another crm command); the WAL is then empty.
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    aside = database.with_name(f"{database.name}.before-restore-{stamp}")
    os.replace(database, aside)
    for suffix in ("-wal", "-shm"):
        extra = Path(f"{database}{suffix}")
        if extra.exists():
            os.replace(extra, Path(f"{aside}{suffix}"))
    return aside


def restore(source: Path, database: str, now: dt.datetime | None = None) -> Path | None:
    """Replace the database with a backup; returns where the previous database was kept."""
    check_restorable(source)
    target = Path(database)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        lock = serverlock.hold_exclusive(database)
    except serverlock.Busy as exc:
        raise BackupError(str(exc)) from None
    try:
        temp = target.with_name(f".{target.name}.restore-tmp")
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        try:
            _copy(str(source), temp)
            _fsync_file(temp)
            try:
                aside = _set_aside(target, _stamp(now))
            except sqlite3.OperationalError as exc:
                raise BackupError(
                    f"The current database is busy ({exc}); stop what uses it and retry"
                ) from None
            os.replace(temp, target)
            _fsync_dir(target.parent)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        migrations.migrate(database)
        return aside
    finally:
        lock.close()


@dataclass
class Finding:
    name: str
    ok: bool
    detail: str


def _mode_finding(name: str, path: Path) -> Finding:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o007:
        return Finding(name, False, f"{path} is open to every user (mode {mode:o}); run: chmod o-rwx {path}")
    return Finding(name, True, f"{path} mode {mode:o}")


def check(settings: dict) -> list[Finding]:
    """Everything an operator should know is right: database, schema, disk, secret, permissions."""
    database = Path(settings["DATABASE"])
    data_dir = Path(settings["DATA_DIR"])
    findings: list[Finding] = []
    try:
        migrations.check(str(database))
        findings.append(Finding("schema", True, f"{len(migrations.available())} migrations applied"))
    except migrations.SchemaError as exc:
        findings.append(Finding("schema", False, str(exc)))
    if database.exists() and findings[-1].ok:
        verdict = integrity(database)
        findings.append(Finding("integrity", verdict == "ok", verdict))
    if data_dir.is_dir():
        findings.append(_mode_finding("data directory", data_dir))
        if not findings[-1].ok:
            # Files inside a private directory are out of reach whatever their own mode.
            for path in (database, data_dir / "backups", data_dir / "secret_key"):
                if path.exists():
                    findings.append(_mode_finding(path.name, path))
        free = shutil.disk_usage(data_dir).free
        needed = max(MIN_FREE_BYTES, 2 * (database.stat().st_size if database.exists() else 0))
        findings.append(
            Finding(
                "disk", free >= needed, f"{free // (1024 * 1024)} MB free (want {needed // (1024 * 1024)} MB)"
            )
        )
    else:
        findings.append(Finding("data directory", False, f"{data_dir} does not exist; run: crm init"))
    key_file = os.environ.get("CRM_SECRET_KEY_FILE", "").strip()
    if key_file and Path(key_file).exists():
        finding = _mode_finding("secret key file", Path(key_file))
        mode = stat.S_IMODE(Path(key_file).stat().st_mode)
        if mode & 0o077:
            finding = Finding(
                "secret key file", False, f"{key_file} mode {mode:o}; run: chmod 600 {key_file}"
            )
        findings.append(finding)
    backups = list_backups(data_dir / "backups")
    if not backups:
        findings.append(Finding("backups", True, f"none in {data_dir / 'backups'} yet (run: crm backup)"))
    else:
        age = dt.datetime.now(dt.UTC).timestamp() - backups[-1].stat().st_mtime
        findings.append(
            Finding("backups", age < 2 * 86400, f"newest {backups[-1].name}, {age / 3600:.0f} h old")
        )
    return findings
