"""The one SQLite database: pragmas for safety, one connection per request, locked writes."""

from __future__ import annotations

from peewee import Model, SqliteDatabase

# How long a write waits for the lock before failing with "database is locked". The longest
# holder is an import's write phase (~13 s for a full 30,000 / 300,000 LinkedIn export on the
# benchmark box); 60 s leaves room for a slower disk and stays well under gunicorn's 120 s
# worker timeout, so a note saved during an import waits and is saved instead of failing.
BUSY_TIMEOUT_SECONDS = 60

PRAGMAS = {
    "journal_mode": "wal",
    # FULL: in WAL mode NORMAL may roll back a committed save after a power loss.
    "synchronous": "full",
    "foreign_keys": 1,
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
    pragmas = {**PRAGMAS, "busy_timeout": int(BUSY_TIMEOUT_SECONDS * 1000)}
    db.init(path, pragmas=pragmas, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)


def write():
    """A transaction that takes the write lock up front, so it waits instead of failing busy."""
    return db.atomic(lock_type="IMMEDIATE")


def drop_for_bulk(kind: str, name: str) -> str | None:
    """Drop a trigger or index for a bulk write in the current transaction (a rollback brings it
    back); returns the SQL that creates it again, None if there is no such thing."""
    sql = "SELECT sql FROM sqlite_master WHERE type = ? AND name = ?"
    found = db.execute_sql(sql, (kind, name)).fetchone()
    if found:
        db.execute_sql(f'DROP {kind.upper()} "{name}"')
    return found[0] if found else None
