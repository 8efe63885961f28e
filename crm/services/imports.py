"""The generic import flow: plan (a dry run that writes nothing), commit in one transaction, undo.

A source-specific planner (linkedin_import.py; CSV and vCard later) fills a Plan. Commit writes
it all in one BEGIN IMMEDIATE transaction and records ImportChange rows so undo is exact.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import os
import sqlite3
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from crm.db import db, drop_for_bulk, write
from crm.models import CONTACT_GROUPS, ImportChange, ImportRun, Merge, utcnow
from crm.services import derived, search
from crm.services.derived import touch_sql
from importers.base import ImportRejected, Skipped

Progress = Callable[[str, int], None]
SKIPPED_KEPT = 500  # skipped rows stored with a run (the CLI prints them all)
ROUTINE_SKIPS = frozenset(("draft", "sponsored", "system"))  # LinkedIn rows that are not messages
CHUNK = 5000
FTS_BULK_MIN = 1000
LINK_INDEX = "activity_contact_contact_id_occurred_at_touch"  # (contact_id, occurred_at, touch)
PLAN_DB = "import_plan"  # the plan's spill file, attached while a commit writes it
WARNINGS_LISTED = 20  # row warnings listed in the preview; the rest are counted
# Created rows are inserted in this order and deleted in the reverse one (foreign keys).
TABLES = ("company", "tag", "contact", "contact_email", "contact_phone", "contact_tag", "signal")
# Tables whose rows the database deletes with their contact (foreign key ON DELETE CASCADE), with
# the columns that make a row that row (a unique index).
CASCADED = {
    "contact_email": ("contact_id", "email"),
    "contact_phone": ("contact_id", "phone_key"),
    "contact_tag": ("contact_id", "tag_id"),
}
# What the progress line says while each table is written.
WRITING = {
    "company": "companies", "tag": "tags", "contact": "contacts", "contact_email": "email addresses",
    "contact_phone": "phone numbers", "contact_tag": "contact tags", "signal": "signals",
}  # fmt: skip
UPDATABLE = {
    "company": {"name", "deleted_at"},
    "contact": {
        "first_name", "last_name", "full_name", "name_key", "linkedin_url", "company_id", "title",
        "location", "website", "connected_on", "is_connection", "connected", "last_touch_at",
        "updated_at", "source", "birthday_month", "birthday_day", "birthday_year", "notes",
        "linkedin_company", "linkedin_title",
    },
    "contact_email": {"email"},  # an address that lost letters in an export, put right
}  # fmt: skip


# json.dumps(value, sort_keys=True) without building an encoder per call (10,000 updated rows)
_SORTED_JSON = json.JSONEncoder(sort_keys=True).encode


def _no_progress(phase: str, done: int) -> None:
    pass


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector paused while a plan is made or written.

    A plan holds hundreds of thousands of small tuples and dicts that form no reference cycles,
    and as they pile up the collector walks all of them again and again: 0.4 s of planning a
    50,000-person address book, 0.1 s of writing it. Reference counting frees memory as usual.
    """
    if not gc.isenabled():  # already paused (another import in this process): leave it to that one
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def db_time(value: dt.datetime | dt.date | None) -> str | None:
    """A datetime or date as peewee stores it (naive UTC text)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return str(value)
        if value.tzinfo is dt.UTC:
            return value.isoformat(" ")[:-6]  # drops "+00:00"; the hot path of big imports
        return str(value.astimezone(dt.UTC).replace(tzinfo=None))
    return value.isoformat()


class Ref(NamedTuple):
    """A row this plan creates, before it has an id: resolved at commit."""

    table: str
    index: int


ContactRef = int | Ref


@dataclass
class Report:
    """What an import would do (preview) or did (commit), in plain counts and short lists."""

    source: str
    file_name: str
    file_hash: str
    contacts: Counter = field(default_factory=Counter)
    activities: Counter = field(default_factory=Counter)
    signals: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    skipped: list[Skipped] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    job_changes: list[dict] = field(default_factory=list)
    promotions: list[dict] = field(default_factory=list)
    new_connections: list[str] = field(default_factory=list)
    no_longer_connected: list[str] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)  # address-book imports: values kept
    observed_at: str = ""
    # LinkedIn: how recent the export is (its date from the file name, its newest Connected On),
    # kept with the run so a later, older export is recognised as such
    export: dict[str, str] = field(default_factory=dict)
    # address books: birthdays like 3/4/1980 ({"count", "read", "other"}), to offer reading
    # them the other way
    date_order: dict[str, Any] = field(default_factory=dict)
    # after a commit in the browser: suggested duplicate pairs with someone the run touched
    duplicates: int | None = None
    # rows imported with something left out ("unreadable Connected On date: 31 Feb 2024")
    warnings: list[str] = field(default_factory=list)
    warning_count: int = 0

    def skip(self, item: Skipped) -> None:
        """Count a skipped row (its reason is its category)."""
        self.skipped.append(item)

    def warn(self, file: str, row: int, warning: str) -> None:
        """Note what was left out of a row that was imported; the first WARNINGS_LISTED are kept."""
        self.warning_count += 1
        if len(self.warnings) < WARNINGS_LISTED:
            self.warnings.append(f"{file}, row {row}: {warning}")

    def warning_notices(self) -> list[str]:
        """The kept warnings as notices, and how many more there were."""
        more = self.warning_count - len(self.warnings)
        return self.warnings + ([f"…and {more:,} more warnings."] if more else [])

    @property
    def skipped_by_reason(self) -> Counter:
        return Counter(s.reason for s in self.skipped)

    @property
    def skipped_to_read(self) -> list[Skipped]:
        """Skipped rows with the unusual reasons first: thousands of drafts, sponsored and system
        rows (skipped by design) would otherwise bury the one row that needs a look."""
        return sorted(self.skipped, key=lambda s: s.reason in ROUTINE_SKIPS)

    @property
    def skipped_by_design(self) -> bool:
        """Every skipped row is a draft, sponsored or system row: nothing to look at."""
        return bool(self.skipped) and all(s.reason in ROUTINE_SKIPS for s in self.skipped)

    def counts(self) -> dict[str, Any]:
        """Everything countable, for ImportRun.counts and the history list."""
        return {
            "contacts": {k: self.contacts[k] for k in ("created", "updated", "unchanged")}
            | {k: v for k, v in self.contacts.items() if k not in ("created", "updated", "unchanged")},
            "activities": dict(self.activities) | {"created": self.activities["created"]},
            "signals": {k: self.signals[k] for k in ("job_change", "promotion", "new_connection")},
            "rows": dict(self.rows),
            "skipped": len(self.skipped),
            "skipped_by_reason": dict(self.skipped_by_reason),
        } | ({"export": self.export} if self.export else {})

    def summary_json(self, run_id: int | None, dry_run: bool) -> dict[str, Any]:
        """The CLI's JSON object (issue 3 item 8), exactly."""
        return {
            "run_id": run_id,
            "dry_run": dry_run,
            "contacts": {k: self.contacts[k] for k in ("created", "updated", "unchanged")},
            "activities": {"created": self.activities["created"]},
            "signals": {k: self.signals[k] for k in ("job_change", "promotion", "new_connection")},
            "skipped": [{"file": s.file, "row": s.row, "reason": s.reason} for s in self.skipped],
        }


class Spill:
    """Planned activities on disk (a throwaway SQLite file), so 300k messages never sit in RAM."""

    def __init__(self, directory: str | None = None):
        fd, self.path = tempfile.mkstemp(prefix="rapport-plan-", suffix=".sqlite3", dir=directory)
        os.close(fd)
        self.conn = sqlite3.connect(self.path, check_same_thread=False)
        # temp_store=file: ordering 282,000 activities by time sorts beyond SQLite's cache in a
        # temporary file, as fast as in memory (12 MB less at the peak of a first import)
        self.conn.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=file;"
            "CREATE TABLE act (seq INTEGER PRIMARY KEY, kind, occurred_at, direction, source,"
            " source_key, summary, body, contacts);"
        )
        self.count = 0
        self.ordered = False
        self._acts: list[tuple] = []

    def add(self, kind, occurred_at, direction, source, key, summary, body, contacts: str) -> int:
        """Queue one activity linked to contacts (a JSON list of ids, -(index+1) for planned ones)."""
        self.count += 1
        self._acts.append((self.count, kind, occurred_at, direction, source, key, summary, body, contacts))
        if len(self._acts) >= CHUNK:
            self.flush()
        return self.count

    def flush(self) -> None:
        if self._acts:
            self.conn.executemany("INSERT INTO act VALUES (?,?,?,?,?,?,?,?,?)", self._acts)
            self._acts.clear()

    def order(self) -> None:
        """Number the planned activities by time (`ord`: n, seq, when, contacts as a JSON list,
        the links' touch): ids then grow with occurred_at, so the activity indexes are appended
        to instead of written all over, and the links can be written from `ord` alone. Once."""
        if self.ordered:
            return
        self.ordered = True
        self.flush()
        self.conn.commit()
        self.conn.executescript(
            "DROP TABLE IF EXISTS ord;"
            "CREATE TABLE ord (n INTEGER PRIMARY KEY, seq INTEGER, occurred_at, contacts, touch);"
            "INSERT INTO ord SELECT row_number() OVER (ORDER BY occurred_at, seq), seq, occurred_at,"
            f" contacts, {touch_sql('kind', 'direction')} FROM act;"
        )

    def numbers(self, seqs: list[int]) -> dict[int, int]:
        """The time-ordered number of some planned activities."""
        marks = ",".join("?" * len(seqs))
        return dict(self.conn.execute(f"SELECT seq, n FROM ord WHERE seq IN ({marks})", seqs))

    def close(self) -> None:
        self.conn.close()
        Path(self.path).unlink(missing_ok=True)


class Plan:
    """Everything one import would write; `report` says it in words and numbers."""

    def __init__(self, report: Report, workdir: str | None = None):
        self.report = report
        self.fingerprint = fingerprint()
        # New rows as tuples of values in the order of their table's `columns`: a dict per row
        # took 850 bytes for a LinkedIn contact, 27 MB of a first 30,000-connection import.
        self.created: dict[str, list[tuple]] = defaultdict(list)
        self.columns: dict[str, tuple[str, ...]] = {}
        self._values: dict[str, Callable[[dict], tuple]] = {}
        self.updates: dict[tuple[str, int], tuple[dict, dict]] = {}
        self.spill = Spill(workdir)
        self.signals: list[dict] = []

    def create(self, table: str, values: dict) -> Ref:
        """Plan a new row; values may hold Refs to other planned rows. Every row of a table names
        the same columns."""
        if table not in self.columns:
            self.columns[table] = tuple(values)
            self._values[table] = _values_of(self.columns[table])
        if len(values) != len(self.columns[table]):
            raise ValueError(f"planned {table} rows name other columns: {sorted(values)}")
        rows = self.created[table]
        rows.append(self._values[table](values))
        return Ref(table, len(rows) - 1)

    def rows(self, table: str, columns: tuple[str, ...]) -> list[tuple]:
        """The planned rows of `table`, for a planner that appends many: each a tuple of values
        in `columns` order (Refs allowed), the row's Ref being Ref(table, its index). Cheaper than
        create() by a dict, a tuple and a Ref per row (an address book plans 150,000 rows)."""
        if self.columns.setdefault(table, columns) != columns:
            raise ValueError(f"planned {table} rows name other columns: {columns}")
        self._values.setdefault(table, _values_of(columns))
        return self.created[table]

    def get(self, ref: Ref, column: str):
        """A value of a row this plan creates."""
        return self.created[ref.table][ref.index][self.columns[ref.table].index(column)]

    def set(self, ref: Ref, column: str, value) -> None:
        """Change a value of a row this plan creates."""
        at = self.columns[ref.table].index(column)
        rows = self.created[ref.table]
        row = rows[ref.index]
        rows[ref.index] = (*row[:at], value, *row[at + 1 :])

    def company(self, companies: dict, name: str, key: str, now: str) -> tuple[int | Ref, bool]:
        """The company under `key` in `companies` (id or Ref), planned and added when new;
        returns (it, whether it is new)."""
        ref = companies.get(key)
        if ref is not None:
            return ref, False
        ref = companies[key] = self.create(
            "company",
            {"name": name, "name_key": key, "website": "", "notes": "",
             "created_at": now, "deleted_at": None},
        )  # fmt: skip
        return ref, True

    def update(self, table: str, row_id: int, changes: dict, before: dict) -> None:
        """Plan new values for an existing row (merged with earlier changes to it)."""
        unknown = set(changes) - UPDATABLE[table]
        if unknown:
            raise ValueError(f"cannot update {table}.{', '.join(sorted(unknown))}")
        old_changes, old_before = self.updates.get((table, row_id), ({}, {}))
        merged_before = {**before, **old_before}
        self.updates[(table, row_id)] = ({**old_changes, **changes}, merged_before)

    def activity(self, kind, occurred_at, direction, source, key, summary, body, contacts) -> int:
        """Plan an activity (stored in the spill file); returns its sequence number."""
        if len(contacts) == 1:  # nearly always: one person
            c = contacts[0]
            links = f"[{c}]" if type(c) is int else f"[{-(c.index + 1)}]"
        else:
            links = json.dumps([-(c.index + 1) if isinstance(c, Ref) else c for c in contacts])
        return self.spill.add(kind, occurred_at, direction, source, key, summary, body, links)

    def close(self) -> None:
        """Drop the spill file."""
        self.spill.close()


def _values_of(columns: tuple[str, ...]) -> Callable[[dict], tuple]:
    """A function giving a dict's values of `columns` as a tuple, in that order."""
    if len(columns) == 1:
        return lambda values: (values[columns[0]],)
    return itemgetter(*columns)


def fingerprint() -> tuple:
    """A cheap summary of the tables a plan reads; if it moves, the plan is redone.

    Of activities a plan reads only the imported ones (their source keys), so touches and notes
    logged while an import previews do not force a new plan inside the write lock. Every table
    whose ids a plan writes into references is here: commits do not check foreign keys row by row.
    """
    return tuple(
        db.execute_sql(
            "SELECT (SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(max(updated_at), '')"
            " FROM contact), (SELECT count(source_key) || ':' || coalesce(max(source_key), '')"
            " FROM activity),"
            " (SELECT count(*) || ':' || coalesce(max(id), 0) FROM company),"
            " (SELECT count(*) || ':' || coalesce(max(id), 0) FROM signal),"
            " (SELECT count(*) || ':' || coalesce(max(id), 0) FROM contact_email),"
            " (SELECT count(*) || ':' || coalesce(max(id), 0) FROM tag)"
        ).fetchone()
    )


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file (or of every file under a folder, by relative name)."""
    digest = hashlib.sha256()
    root = Path(path)
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    for item in files:
        if root.is_dir():
            digest.update(item.relative_to(root).as_posix().encode() + b"\0")
        with open(item, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


Planner = Callable[[Progress], Plan]


def preview(planner: Planner, progress: Progress = _no_progress) -> Report:
    """Parse and match without writing anything; the report says what commit would do."""
    plan = planner(progress)
    plan.close()
    return plan.report


REPLANS = 2  # replans outside the lock before the last one is made under it


class _Stale(Exception):
    """The database changed since the plan was made."""


def commit(planner: Planner, progress: Progress = _no_progress, plan: Plan | None = None):
    """Plan (outside the write lock), then write it all in one transaction; returns (run, report).

    If the database changed since the plan was made, it is made again (outside the lock, and
    under it only if the database keeps moving) so it never works from stale ids. Any error
    rolls everything back.
    """
    for attempt in range(REPLANS + 1):
        plan = plan or planner(progress)
        try:
            progress("Ordering activities by time", plan.spill.count)
            plan.spill.order()  # plan-local work: before the lock, not under it
            with _bulk_write():
                if fingerprint() != plan.fingerprint:
                    if attempt < REPLANS:
                        # Replan without holding the lock (planning a full export takes
                        # ~14 s): saves made meanwhile must not wait for it.
                        raise _Stale
                    plan.close()
                    plan = planner(progress)
                progress("Preparing to write", 0)
                with collector_paused():
                    run = _apply(plan, progress)
            break
        except _Stale:
            plan.close()
            plan = None
        finally:
            if plan is not None:
                plan.close()
    touched = touched_ids(run.id)
    progress("Updating scores and due dates", len(touched))
    after_import(touched)
    return run, plan.report


def _insert(table: str, columns: list[str], rows: list[tuple], fixed: dict[str, Any] | None = None) -> None:
    """Insert rows of values in `columns` order; `fixed` columns hold one value in every row, which
    is written into the statement (SQLite's quote()) instead of bound row by row: binding is a
    quarter of inserting 39,000 new contacts, 21 of whose 34 columns are the same in all of them."""
    fixed = fixed or {}
    marks = ["?"] * len(columns)
    if fixed:
        marks += db.execute_sql(
            f"SELECT {', '.join(['quote(?)'] * len(fixed))}", [*fixed.values()]
        ).fetchone()
    names = ", ".join(f'"{c}"' for c in (*columns, *fixed))
    cursor = db.cursor()
    for at in range(0, len(rows), CHUNK):
        cursor.executemany(
            f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(marks)})', rows[at : at + CHUNK]
        )


def _literal(types: set[type], column: list) -> bool:
    """Whether every value of a column is the same, of one type (0, 0.0 and False stay apart), and
    one quote() writes exactly: None, an integer or text without NUL (quote() stops at one)."""
    if len(types) != 1 or column.count(column[0]) != len(column):
        return False
    value = column[0]
    return value is None or type(value) is int or (type(value) is str and "\0" not in value)


def _max_id(table: str) -> int:
    return db.execute_sql(f'SELECT coalesce(max(id), 0) FROM "{table}"').fetchone()[0]


def _copy_activities(act_base: int, run_id: int, now: str) -> None:
    """Insert the attached plan's activities, numbered after `act_base` in time order."""
    db.execute_sql(
        "INSERT INTO activity (id, kind, occurred_at, direction, origin, source, source_key,"
        " summary, body, import_run_id, created_at, updated_at)"
        " SELECT ? + o.n, a.kind, a.occurred_at, a.direction, 'imported', a.source, a.source_key,"
        f" a.summary, a.body, ?, ?, ? FROM {PLAN_DB}.ord o JOIN {PLAN_DB}.act a ON a.seq = o.seq"
        " ORDER BY o.n",
        (act_base, run_id, now, now),
    )


def _copy_links(act_base: int, contact_base: int, count: int) -> None:
    """Insert the attached plan's activity links (planned contacts are -(index + 1)), about
    `count` of them.

    The links arrive in activity order, so the per-contact index takes them all over the place;
    when they at least double the table, it is cheaper to drop that index and build it again
    from a sort (0.9 s instead of about 2 s for the 282,000 links of a first 300k-message import).
    """
    index = drop_for_bulk("index", LINK_INDEX) if count >= max(_max_id("activity_contact"), 1) else None
    db.execute_sql(
        "INSERT INTO activity_contact (activity_id, contact_id, occurred_at, touch)"
        " SELECT ? + o.n, CASE WHEN j.value > 0 THEN j.value ELSE ? - j.value END, o.occurred_at,"
        " o.touch"
        f" FROM {PLAN_DB}.ord o, json_each(o.contacts) j ORDER BY o.n",
        (act_base, contact_base),
    )
    if index:
        db.execute_sql(index)


@contextmanager
def _bulk_write():
    """write(), with foreign keys unchecked while it lasts and the plan detached after it.

    Every reference a plan writes is an id it read under the same fingerprint or one it
    assigns itself (tests run `PRAGMA foreign_key_check` after imports); checking each of
    ~600,000 of them again costs about a second. A commit only inserts and updates, so no
    ON DELETE action is skipped. The pragma and DETACH only work outside a transaction.
    """
    db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        with write():
            yield
    finally:
        db.execute_sql("PRAGMA foreign_keys = ON")
        if any(row[1] == PLAN_DB for row in db.execute_sql("PRAGMA database_list")):
            db.execute_sql(f"DETACH DATABASE {PLAN_DB}")


def _apply(plan: Plan, progress: Progress) -> ImportRun:
    report = plan.report
    now = db_time(utcnow())
    run = ImportRun.create(
        source=report.source,
        file_name=report.file_name[:255],
        file_hash=report.file_hash,
        status="running",
        started_at=utcnow(),
    )
    base = {table: _max_id(table) for table in TABLES}
    base["activity"] = _max_id("activity")

    def resolve(value):
        if isinstance(value, Ref):
            return base[value.table] + value.index + 1
        return value

    changes: list[tuple] = []  # the undo log of updated rows

    plan.spill.order()
    signal_acts = [r["activity_id"] for r in plan.signals if r.get("activity_id") is not None]
    act_number = plan.spill.numbers(signal_acts) if signal_acts else {}

    def create_rows(table: str, keys: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        progress(f"Writing {WRITING[table]}", len(rows))
        # Column by column: a column is resolved only when it holds Refs (most hold none), and
        # one holding the same value in every row is not bound row by row (_insert's `fixed`).
        ids = range(base[table] + 1, base[table] + len(rows) + 1)
        columns: list[Iterable] = [ids]
        names = ["id"]
        fixed = {"import_run_id": run.id} if table in ("contact", "signal") else {}
        for at, key in enumerate(keys):
            column = list(map(itemgetter(at), rows))
            types = set(map(type, column))
            if key == "activity_id":
                column = [None if v is None else base["activity"] + act_number[v] for v in column]
            elif Ref in types:
                column = [resolve(v) for v in column]
            elif _literal(types, column):
                fixed[key] = column[0]
                continue
            names.append(key)
            columns.append(column)
        _insert(table, names, list(zip(*columns, strict=True)), fixed)
        # The undo log of the rows just inserted, in SQL: they are the ids above the base. Rows of
        # a contact this run creates go when undo deletes that contact (ON DELETE CASCADE): only
        # those added to existing contacts (ids up to the contact base) are logged one by one.
        # Those are logged with what makes them that row (the edit form writes a contact's lists
        # again under new ids, so undo finds them by it).
        owned, after = "", "NULL"
        if table in CASCADED:
            owned = f" AND contact_id <= {base['contact']:d}"
            after = "json_object(" + ", ".join(f"'{c}', {c}" for c in CASCADED[table]) + ")"
        db.execute_sql(
            'INSERT INTO import_change (run_id, "table", row_id, action, before, after)'
            f" SELECT ?, ?, id, 'created', NULL, {after} FROM \"{table}\" WHERE id > ?{owned} ORDER BY id",
            (run.id, table, base[table]),
        )

    for table in TABLES[:-1]:
        create_rows(table, plan.columns.get(table, ()), plan.created.get(table, []))

    # The planned activities and links go from the spill file to the database in two
    # statements, already in id order: no row passes through Python again.
    db.execute_sql(f"ATTACH DATABASE ? AS {PLAN_DB}", (plan.spill.path,))
    # The search trigger costs ~10x the insert itself when run per row; for a big batch drop it
    # inside this transaction, index the new rows in one statement, and put it back.
    trigger = None
    if plan.spill.count >= FTS_BULK_MIN:
        trigger = drop_for_bulk("trigger", "activity_search_insert")
    progress("Writing activities", plan.spill.count)
    _copy_activities(base["activity"], run.id, now)
    if trigger:
        progress("Indexing for search", plan.spill.count)
        search.index_run(run.id)
        db.execute_sql(trigger)
    progress("Linking activities to contacts", plan.spill.count)
    _copy_links(base["activity"], base["contact"], plan.spill.count)
    cursor = db.cursor()

    if plan.signals:
        keys = tuple(plan.signals[0])
        create_rows("signal", keys, list(map(_values_of(keys), plan.signals)))
    by_columns: dict[tuple[str, tuple], list[tuple]] = defaultdict(list)
    for (table, row_id), (new, before) in plan.updates.items():
        cols = tuple(sorted(new))
        by_columns[(table, cols)].append((*(resolve(new[c]) for c in cols), row_id))
        changes.append((run.id, table, row_id, "updated", _SORTED_JSON(before)))
    for (table, cols), rows in by_columns.items():
        sets = ", ".join(f'"{c}" = ?' for c in cols)
        cursor.executemany(f'UPDATE "{table}" SET {sets} WHERE id = ?', rows)

    _insert("import_change", ["run_id", "table", "row_id", "action", "before"], changes)
    for table in {table for table, _ in by_columns} & UPDATABLE.keys():  # what they hold now, for undo
        db.execute_sql(
            f'UPDATE import_change SET after = (SELECT {_undoable_json(table)} FROM "{table}" t'
            " WHERE t.id = import_change.row_id) WHERE run_id = ? AND \"table\" = ? AND action = 'updated'",
            (run.id, table),
        )
    # The commit that follows writes what the cache still holds and syncs it (1.2 s at 300k).
    progress("Saving to disk", plan.spill.count)
    run.status = "committed"
    run.finished_at = utcnow()
    run.counts = report.counts()
    kept = report.skipped_to_read[:SKIPPED_KEPT]
    run.problems = [{"file": s.file, "row": s.row, "reason": s.reason} for s in kept]
    run.notices = report.notices
    run.save()
    return run


def touched_ids(run_id: int) -> list[int]:
    """Contacts a run created or changed, gave an email, phone, tag or signal, or linked an
    activity to."""
    rows = db.execute_sql(
        "SELECT row_id FROM import_change WHERE run_id = ? AND \"table\" = 'contact'", (run_id,)
    )
    ids = {r[0] for r in rows}
    for table in (*CASCADED, "signal"):  # rows the run gave contacts it did not create
        ids.update(
            r[0]
            for r in db.execute_sql(
                f'SELECT contact_id FROM "{table}" WHERE id IN (SELECT row_id FROM import_change'  # noqa: S608
                " WHERE run_id = ? AND \"table\" = ? AND action = 'created' AND after IS NULL)"
                " UNION SELECT json_extract(after, '$.contact_id') FROM import_change"
                " WHERE run_id = ? AND \"table\" = ? AND action = 'created' AND after IS NOT NULL",
                (run_id, table, run_id, table),
            )
        )
    ids.update(
        r[0]
        for r in db.execute_sql(
            "SELECT DISTINCT ac.contact_id FROM activity_contact ac JOIN activity a"
            " ON a.id = ac.activity_id WHERE a.import_run_id = ?",
            (run_id,),
        )
    )
    return sorted(ids)


def after_import(contact_ids: list[int]) -> None:
    """After an import commit or undo: recompute next due dates and scores of the people it touched.

    In chunks, each its own short transaction, so the app's own saves get the lock in between;
    contacts without history (most of a fresh address book) in one query per chunk.
    """
    derived.refresh_many(contact_ids)


def undo(run_id: int) -> ImportRun:
    """Remove what a run created and restore what it changed, in one transaction, and nothing the
    owner did since (what it leaves is counted in the run's counts under "undo", see undo_kept):
    - a field changed since keeps its value (a name or a birthday only changes back whole);
    - a contact the run created is kept when the owner has worked with it since: edited it, logged
      a touch or note, set a follow-up, tagged it in bulk or recorded a favour;
    - a tag or company the run created stays while anyone has it (a tag also once given a cadence).
    """
    with write():
        run = ImportRun.get_or_none(ImportRun.id == run_id)
        if run is None:
            raise ImportRejected(f"there is no import run {run_id}")
        if run.status != "committed":
            raise ImportRejected(f"import run {run_id} is {run.status}, so there is nothing to undo")
        later = (
            ImportRun.select()
            .where(ImportRun.id > run_id, ImportRun.status == "committed")
            .order_by(ImportRun.id)
            .first()
        )
        if later is not None:
            raise ImportRejected(
                f"undo the later import #{later.id} ({later.file_name}) first; it built on this one"
            )
        touched = touched_ids(run_id)
        _refuse_if_merged_since(run, touched)
        kept = {"contacts": _keep_worked_on(run)}
        _delete_activities(run_id)
        kept["changed"] = _restore_updated(run_id)
        _delete_created(run_id)
        kept |= _delete_unused(run_id)
        run.status = "undone"
        run.undone_at = utcnow()
        run.counts = {**run.counts, "undo": kept}
        run.save()
    after_import([c for c in touched if isinstance(c, int)])
    return run


def undo_kept(counts: dict) -> str:
    """What an undo left because the owner had used it since, as a sentence ("" for nothing)."""
    kept = counts.get("undo") or {}
    parts = []
    for key, one, many in (
        ("contacts", "1 person you had worked with since", "{n} people you had worked with since"),
        (
            "changed",
            "your later edits to 1 contact",
            "your later edits to {n} contacts",
        ),
        ("tags", "1 tag in use", "{n} tags in use"),
        ("companies", "1 company in use", "{n} companies in use"),
    ):
        n = kept.get(key, 0)
        if n:
            parts.append(one if n == 1 else many.format(n=f"{n:,}"))
    if not parts:
        return ""
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"It kept {listed}."


def kept_by_undo(run_id: int) -> str:
    """undo_kept of an undone run ("" for any other)."""
    run = ImportRun.get_or_none(ImportRun.id == run_id, ImportRun.status == "undone")
    return undo_kept(run.counts) if run else ""


# Columns an undo always puts back (derived again right after the undo).
_DERIVED = frozenset({"last_touch_at"})


def _undoable_json(table: str) -> str:
    """SQL for a JSON object of the undoable columns of `table` (aliased t), as the log keeps them."""
    return "json_object(" + ", ".join(f"'{c}', t.\"{c}\"" for c in sorted(UPDATABLE[table])) + ")"


def _restorable(table: str, before: dict, after: dict | None, now: dict | None) -> tuple[list[str], bool]:
    """The columns of `before` an undo puts back, and whether it leaves any the owner changed since.
    A run logged without `after` (before migration 0015) puts back every one."""
    cols = [c for c in before if c in UPDATABLE[table]]
    if after is None:
        return cols, False
    if now is None:
        return [], False  # the row is gone
    same = {c for c in cols if c in _DERIVED or now.get(c) == after.get(c)}
    for group in CONTACT_GROUPS:
        if group & set(cols) - same:
            same -= group
    left = any(c not in same and c != "updated_at" for c in cols)
    return [c for c in cols if c in same], left


def _restore_updated(run_id: int) -> int:
    """Put back what the run changed and the owner has not changed since; returns how many rows
    keep something the owner changed."""
    changes = list(
        ImportChange.select(ImportChange.table, ImportChange.row_id, ImportChange.before, ImportChange.after)
        .where(ImportChange.run == run_id, ImportChange.action == "updated")
        .tuples()
    )
    now: dict[tuple[str, int], dict] = {}
    for table in {table for table, *_ in changes if table in UPDATABLE}:
        rows = db.execute_sql(
            f'SELECT ic.row_id, {_undoable_json(table)} FROM import_change ic JOIN "{table}" t'  # noqa: S608
            " ON t.id = ic.row_id WHERE ic.run_id = ? AND ic.\"table\" = ? AND ic.action = 'updated'"
            " AND ic.after IS NOT NULL",
            (run_id, table),
        )
        now.update(((table, row_id), json.loads(values)) for row_id, values in rows)
    left = 0
    by_columns: dict[tuple[str, tuple], list[tuple]] = defaultdict(list)
    for table, row_id, before, after in changes:
        if table not in UPDATABLE:
            continue
        cols, kept = _restorable(table, before, after, now.get((table, row_id)))
        left += kept
        if cols:
            by_columns[(table, tuple(cols))].append((*(before[c] for c in cols), row_id))
    cursor = db.cursor()
    for (table, cols), rows in by_columns.items():
        sets = ", ".join(f'"{c}" = ?' for c in cols)
        cursor.executemany(f'UPDATE "{table}" SET {sets} WHERE id = ?', rows)
    return left


def _keep_worked_on(run: ImportRun) -> int:
    """Take the contacts the run created that the owner has worked with since out of its undo log
    (they stay, no longer marked as imported); returns how many."""
    worked = (
        "SELECT ic.id, ic.row_id FROM import_change ic JOIN contact c ON c.id = ic.row_id"
        " WHERE ic.run_id = ? AND ic.\"table\" = 'contact' AND ic.action = 'created' AND ("
        " julianday(c.updated_at) > julianday(?)"
        " OR EXISTS (SELECT 1 FROM follow_up f WHERE f.contact_id = c.id)"
        " OR EXISTS (SELECT 1 FROM reciprocity r WHERE r.contact_id = c.id)"
        " OR EXISTS (SELECT 1 FROM tag_action_contact x WHERE x.contact_id = c.id)"
        " OR EXISTS (SELECT 1 FROM activity_contact ac JOIN activity a ON a.id = ac.activity_id"
        " WHERE ac.contact_id = c.id AND a.import_run_id IS NOT ic.run_id))"
    )
    rows = db.execute_sql(worked, (run.id, db_time(run.finished_at))).fetchall()
    for at in range(0, len(rows), 500):
        chunk = rows[at : at + 500]
        marks = ", ".join("?" * len(chunk))
        db.execute_sql(f"DELETE FROM import_change WHERE id IN ({marks})", [r[0] for r in chunk])
        db.execute_sql(
            f"UPDATE contact SET import_run_id = NULL WHERE id IN ({marks})", [r[1] for r in chunk]
        )
    return len(rows)


def _delete_created(run_id: int) -> None:
    """Delete the rows the run created, but its tags and companies (_delete_unused). An email,
    phone or tag it gave an existing contact is found by what makes it that row."""
    for table in reversed(TABLES):
        if table in ("tag", "company"):
            continue
        db.execute_sql(
            f'DELETE FROM "{table}" WHERE id IN (SELECT row_id FROM import_change'  # noqa: S608
            " WHERE run_id = ? AND \"table\" = ? AND action = 'created' AND after IS NULL)",
            (run_id, table),
        )
        if table in CASCADED:
            same = " AND ".join(f"x.{c} = json_extract(ic.after, '$.{c}')" for c in CASCADED[table])
            db.execute_sql(
                f'DELETE FROM "{table}" WHERE id IN (SELECT x.id FROM import_change ic'  # noqa: S608
                f' JOIN "{table}" x ON {same} WHERE ic.run_id = ? AND ic."table" = ?'
                " AND ic.action = 'created' AND ic.after IS NOT NULL)",
                (run_id, table),
            )


def _delete_unused(run_id: int) -> dict[str, int]:
    """Delete the tags and companies the run created that nobody has now (a tag given a cadence
    stays too); returns how many of each stay."""
    unused = {
        "tag": "NOT EXISTS (SELECT 1 FROM contact_tag ct WHERE ct.tag_id = tag.id) AND cadence_days IS NULL",
        "company": "NOT EXISTS (SELECT 1 FROM contact c WHERE c.company_id = company.id)",
    }
    kept = {}
    for table, free in unused.items():
        created = (
            f"SELECT row_id FROM import_change WHERE run_id = ? AND \"table\" = '{table}'"
            " AND action = 'created'"
        )
        total = db.execute_sql(f'SELECT count(*) FROM "{table}" WHERE id IN ({created})', (run_id,))
        gone = db.execute_sql(f'DELETE FROM "{table}" WHERE id IN ({created}) AND {free}', (run_id,))
        kept["tags" if table == "tag" else "companies"] = total.fetchone()[0] - gone.rowcount
    return kept


def _refuse_if_merged_since(run: ImportRun, touched: list[int]) -> None:
    """A merge made since the run that involves its people would be torn apart by the undo: its
    survivor deleted with the merged contact still in the trash, or the run's emails and phones
    left on the survivor. Those merges are undone first (they can be; the import then can)."""
    merges = list(
        Merge.select(Merge.id, Merge.kept, Merge.merged_id, Merge.batch_id)
        .where(Merge.undone_at.is_null(), Merge.created_at >= run.started_at)
        .tuples()
    )
    if not merges:
        return
    people = set(touched)
    tied = [m for m in merges if m[1] in people or m[2] in people]
    if not tied:
        return
    batches = sorted({m[3] for m in tied if m[3] is not None})
    singles = sorted(m[0] for m in tied if m[3] is None)
    what = []
    if batches:
        ids = ", ".join(f"#{b}" for b in batches)
        what.append(
            f"a merge all ({ids})" if len(batches) == 1 else f"{len(batches)} merge-all batches ({ids})"
        )
    if singles:
        ids = ", ".join(f"#{m}" for m in singles)
        what.append(f"a merge ({ids})" if len(singles) == 1 else f"{len(singles)} merges ({ids})")
    one = len(batches) + len(singles) == 1
    raise ImportRejected(
        f"{' and '.join(what)} made after this import {'involves' if one else 'involve'} people it"
        f" brought in or changed: undo {'it' if one else 'them'} first (Duplicates, under Recent"
        " merges), then undo this import"
    )


def _delete_activities(run_id: int) -> None:
    """Delete a run's activities; a big batch leaves the search index in one statement."""
    count = db.execute_sql("SELECT count(*) FROM activity WHERE import_run_id = ?", (run_id,)).fetchone()[0]
    trigger = drop_for_bulk("trigger", "activity_search_delete") if count >= FTS_BULK_MIN else None
    if trigger:
        search.unindex_run(run_id)
    db.execute_sql("DELETE FROM activity WHERE import_run_id = ?", (run_id,))
    if trigger:
        db.execute_sql(trigger)


@dataclass
class RunSummary:
    id: int
    source: str
    file_name: str
    status: str
    started_at: dt.datetime
    undone_at: dt.datetime | None
    counts: dict
    problems: list
    notices: list
    can_undo: bool
    kept: str  # what its undo kept (undo_kept), "" if nothing or not undone


def history(limit: int = 50) -> list[RunSummary]:
    """Import runs, newest first; only the latest committed run can be undone."""
    runs = list(ImportRun.select().order_by(ImportRun.id.desc()).limit(limit))
    latest = next((r.id for r in runs if r.status == "committed"), None)
    return [
        RunSummary(
            r.id, r.source, r.file_name, r.status, r.started_at, r.undone_at, r.counts or {},
            r.problems or [], r.notices or [], r.id == latest, undo_kept(r.counts or {}),
        )
        for r in runs
    ]  # fmt: skip


def latest_run(source: str) -> ImportRun | None:
    """The newest committed run of a source (None before the first import)."""
    return (
        ImportRun.select()
        .where(ImportRun.source == source, ImportRun.status == "committed")
        .order_by(ImportRun.id.desc())
        .first()
    )
