"""A lock file that says "a server has this database open", so `crm restore` can refuse.

Every serving process (gunicorn master and workers, `crm run`) holds a shared flock on
<database>.lock for its lifetime; the kernel drops it when the process dies, so it never goes
stale. `crm restore` takes it exclusively, which fails while any server holds it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import BinaryIO


class Busy(RuntimeError):
    """Another process holds the lock in a conflicting way."""


def lock_path(database: str) -> Path:
    """The lock file that sits beside the database."""
    return Path(f"{database}.lock")


def _open(database: str) -> BinaryIO:
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600), "rb+", buffering=0)


def hold_shared(database: str) -> BinaryIO:
    """Mark this process as serving the database; keep the returned file open (closing releases)."""
    handle = _open(database)
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise Busy(
            f"A restore is replacing {database} right now; start Rapport when it has finished"
        ) from None
    return handle


def hold_exclusive(database: str) -> BinaryIO:
    """Take the lock only when no server holds the database; close the returned file afterwards."""
    handle = _open(database)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise Busy(
            f"Rapport is running on {database} (a server holds {lock_path(database)}). "
            "Stop it first, e.g.: sudo systemctl stop rapport"
        ) from None
    return handle
