"""The one SQLite database: pragmas for safety, one connection per request, locked writes."""

from __future__ import annotations

from peewee import Model, SqliteDatabase

PRAGMAS = {
    "journal_mode": "wal",
    # FULL: in WAL mode NORMAL may roll back a committed save after a power loss.
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "cache_size": -16000,
    "temp_store": "memory",
    "journal_size_limit": 64 * 1024 * 1024,
}

db = SqliteDatabase(None)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


def init_database(path: str) -> None:
    """Point the shared database object at a file (pragmas run on every new connection)."""
    if not db.is_closed():
        db.close()
    db.init(path, pragmas=PRAGMAS, timeout=10, check_same_thread=False)


def write():
    """A transaction that takes the write lock up front, so it waits instead of failing busy."""
    return db.atomic(lock_type="IMMEDIATE")
