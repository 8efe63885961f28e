"""Ordered, named schema migrations, recorded in the database and applied by `crm init`.

Each migration is a frozen SQL file in this folder (NNNN_name.sql); never edit one that has
been released, add the next one instead.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

HERE = Path(__file__).resolve().parent
TABLE = "schema_migrations"
# Migrations that change a rule the derived fields follow (last touch, score): whoever applies
# them rescores every contact afterwards (`crm init` does), which SQL alone cannot.
# (0011 came with scores that let a long-unanswered message fade: an upgrade rescores at once,
# not at the owner's next day; 0013 may give contacts a merged tag with another cadence.)
RESCORE_AFTER = frozenset(
    {"0009_touch_is_a_conversation", "0011_last_linkedin_role", "0013_tag_names_ignore_case"}
)


class SchemaError(RuntimeError):
    """The database is missing or behind the code; the message names the command to run."""


def available() -> list[str]:
    """Migration names in the order they apply."""
    return sorted(p.stem for p in HERE.glob("[0-9][0-9][0-9][0-9]_*.sql"))


def applied(conn: sqlite3.Connection) -> list[str]:
    """Names already applied to this database."""
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (TABLE,)).fetchone()
    if not exists:
        return []
    return [row[0] for row in conn.execute(f"SELECT name FROM {TABLE} ORDER BY name")]  # noqa: S608


def pending(conn: sqlite3.Connection) -> list[str]:
    """Migrations this database still needs."""
    done = set(applied(conn))
    return [name for name in available() if name not in done]


def _create_private(path: str) -> None:
    """Create a missing database file readable by its owner only (0600); SQLite gives its -wal
    and -shm files the database file's mode. An existing file keeps the mode it has."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def migrate(path: str) -> list[str]:
    """Create the database if needed and apply every pending migration, each atomically."""
    Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _create_private(path)
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        conn.execute("PRAGMA journal_mode=wal")
        conn.execute("PRAGMA foreign_keys=OFF")
        ran = []
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            for name in pending(conn):
                script = (HERE / f"{name}.sql").read_text()
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute(
                    f"INSERT INTO {TABLE} (name, applied_at) VALUES (?, datetime('now'))",  # noqa: S608
                    (name,),
                )
                ran.append(name)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return ran
    finally:
        conn.close()


def _statements(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement keeps triggers whole)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise SchemaError("A migration ends in the middle of a statement")
    return statements


def check(path: str) -> None:
    """Refuse a missing database or one whose schema is behind (fail closed, never create)."""
    if not Path(path).exists():
        raise SchemaError(f"No database at {path}. Create it with: crm init")
    _check_access(path)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
    except sqlite3.Error as exc:
        raise SchemaError(f"The database at {path} cannot be opened: {exc}") from None
    try:
        missing = pending(conn)
    except sqlite3.DatabaseError as exc:
        raise SchemaError(f"The database at {path} is unreadable: {exc}") from None
    finally:
        conn.close()
    if missing:
        raise SchemaError(
            f"The database schema is behind ({len(missing)} migration(s) pending: "
            f"{', '.join(missing)}). Run: crm init"
        )


def _check_access(path: str) -> None:
    """Name a permission problem plainly instead of SQLite's "unable to open database file"."""
    folder = Path(path).resolve().parent
    try:
        os.close(os.open(path, os.O_RDWR))
    except PermissionError:
        raise SchemaError(
            f"Permission denied: Rapport may not read and write the database at {path}. The user "
            f"running Rapport must own the data directory and its files, e.g.: "
            f"sudo chown -R rapport:rapport {folder} && sudo chmod 700 {folder}"
        ) from None
    except OSError as exc:
        raise SchemaError(f"The database at {path} cannot be opened: {exc.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK, effective_ids=True):
        raise SchemaError(
            f"Permission denied: Rapport may not write in {folder}, where SQLite keeps the database's "
            f"journal. The user running Rapport must own it, e.g.: sudo chown -R rapport:rapport {folder}"
        )
