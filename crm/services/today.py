"""The Today page: who to contact today, why, and how much of the daily goal is done.

A contact is *done today* when, on the owner's calendar day, you logged a touch with them (or
sent them a message or email), completed a follow-up on them, or snoozed them.
Each of those counts once toward the daily goal and moves the person to "Done today".
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from crm import dates
from crm.db import db, write
from crm.models import Contact, get_setting, utcnow
from crm.services import derived, signals

DEFAULT_GOAL = 10
MAX_GOAL = 200
SNOOZES = {"1d": "1 day", "1w": "1 week", "date": "Pick a date"}
# Multipliers scale the sum of the other reasons; they are shown apart from the points.
MULTIPLIER_CODES = ("stage", "value", "reciprocity")
_DONE_KINDS = ", ".join(f"'{k}'" for k in derived.TOUCH_ACTIVITY_KINDS)


class TodayError(ValueError):
    """Input Today cannot act on, keyed by form field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class Row:
    """One person to contact today, with the reasons and what the row's buttons act on."""

    contact_id: int
    name: str
    title: str
    company: str
    linkedin_url: str | None
    stage: str
    score: float
    reasons: list[dict]
    due_followup: dict | None = None
    next_followup: dict | None = None
    signals: list[signals.ActiveSignal] = field(default_factory=list)

    @property
    def points(self) -> list[dict]:
        """Reasons that add points, strongest first."""
        return [r for r in self.reasons if r["code"] not in MULTIPLIER_CODES]

    @property
    def multipliers(self) -> list[dict]:
        """Stage, value and give/ask reasons: they scale the points above."""
        return [r for r in self.reasons if r["code"] in MULTIPLIER_CODES]


@dataclass
class Done:
    """One person done today and what was done."""

    contact_id: int
    name: str
    title: str = ""
    company: str = ""
    what: str = ""
    at: dt.datetime | None = None
    snoozed_until: dt.datetime | None = None


@dataclass
class Board:
    """The whole Today page."""

    rows: list[Row]
    done: list[Done]
    goal: int
    more: bool
    has_contacts: bool
    snoozed: int = 0

    @property
    def done_count(self) -> int:
        return len(self.done)

    @property
    def percent(self) -> int:
        """Progress toward the goal in steps of 5 (for a CSS width class)."""
        if self.goal <= 0:
            return 100
        return min(100, round(self.done_count * 100 / self.goal / 5) * 5)


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or utcnow().replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


def _ts(value) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC)


def day_bounds(now: dt.datetime, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The owner's calendar day around `now`, as aware UTC datetimes [start, end)."""
    today = dates.local_today(now, tz)
    return (
        dates.start_of_local_day(today, tz),
        dates.start_of_local_day(today + dt.timedelta(days=1), tz),
    )


def daily_goal() -> int:
    """How many people the owner wants to reach each day (default 10)."""
    try:
        return max(1, min(MAX_GOAL, int(get_setting("daily_goal", DEFAULT_GOAL))))
    except (TypeError, ValueError):
        return DEFAULT_GOAL


def _done_today(now: dt.datetime, tz: ZoneInfo) -> tuple[dict[int, Done], list[int]]:
    """Who is done today and how; plus contacts whose snooze has ended (to score afresh)."""
    start, end = (_text(t) for t in day_bounds(now, tz))
    done: dict[int, Done] = {}
    for cid, kind, summary, at in db.execute_sql(
        f"""SELECT ac.contact_id, a.kind, a.summary, a.occurred_at
            FROM activity a JOIN activity_contact ac ON ac.activity_id = a.id
            WHERE a.occurred_at >= ? AND a.occurred_at < ? AND a.deleted_at IS NULL
                  AND a.kind IN ({_DONE_KINDS}) AND (a.direction IS NULL OR a.direction = 'out')
            ORDER BY a.occurred_at""",
        (start, end),
    ):
        if kind == "followup_done":
            what = summary or "Follow-up done"
        else:
            words = {"message": "Messaged", "email": "Emailed", "call": "Called", "meeting": "Met"}.get(
                kind, kind.capitalize()
            )
            what = words if not summary or summary.lower() == kind else f"{words}: {summary}"
        done[cid] = Done(cid, "", what=what, at=_ts(at))
    woken = []
    for cid, snoozed_at, until in db.execute_sql(
        # Named, because without fresh statistics SQLite guesses most rows are snoozed and scans.
        "SELECT id, snoozed_at, snoozed_until FROM contact INDEXED BY contact_snoozed_until"
        " WHERE snoozed_until IS NOT NULL AND deleted_at IS NULL",
    ):
        until = _ts(until)
        if until <= now:
            woken.append(cid)
        elif snoozed_at is not None and start <= str(snoozed_at) < end:
            done[cid] = Done(cid, "", what="Snoozed", at=_ts(snoozed_at), snoozed_until=until)
    return done, woken


_ROW_SQL = """SELECT c.id, c.full_name, c.title, co.name, c.linkedin_url, c.stage, c.score,
                     c.score_reasons
              FROM contact c LEFT JOIN company co ON co.id = c.company_id"""


def _rows(where: str, params: tuple, limit: int) -> list[Row]:
    return [
        Row(r[0], r[1], r[2] or "", r[3] or "", r[4], r[5], r[6], json.loads(r[7] or "[]"))
        for r in db.execute_sql(f"{_ROW_SQL} WHERE {where} LIMIT ?", (*params, limit))
    ]


def _decorate(rows: list[Row], now: dt.datetime, tz: ZoneInfo) -> list[Row]:
    """Attach the follow-up due now and the active signals: two queries for all rows."""
    if not rows:
        return rows
    ids = [r.contact_id for r in rows]
    marks = ", ".join("?" * len(ids))
    _, end = day_bounds(now, tz)
    due: dict[int, dict] = {}
    upcoming: dict[int, dict] = {}
    for fid, cid, title, due_at in db.execute_sql(
        f"""SELECT id, contact_id, title, due_at FROM follow_up
            WHERE contact_id IN ({marks}) AND done_at IS NULL AND deleted_at IS NULL
            ORDER BY due_at, id""",
        tuple(ids),
    ):
        item = {"id": fid, "title": title, "due_at": _ts(due_at)}
        (due if item["due_at"] < end else upcoming).setdefault(cid, item)
    active = signals.active_signals(ids, now=now)
    for row in rows:
        row.due_followup = due.get(row.contact_id)
        row.next_followup = upcoming.get(row.contact_id)
        row.signals = active.get(row.contact_id, [])
    return rows


def _woken_rows(ids: list[int], now: dt.datetime, tz: ZoneInfo) -> list[Row]:
    """Contacts whose snooze ended since the last rescore, scored in memory (nothing written)."""
    rows = []
    for cid, (item, result) in derived.score_in_memory(ids, now, tz).items():
        if result.value <= 0:
            continue
        reasons = [{"code": r.code, "text": r.text, "points": round(r.points, 1)} for r in result.reasons]
        rows.append(Row(cid, item["name"], item["title"] or "", item["company"], None, item["stage"],
                        result.value, reasons))  # fmt: skip
    if rows:
        urls = dict(
            db.execute_sql(
                f"SELECT id, linkedin_url FROM contact WHERE id IN ({', '.join('?' * len(rows))})",
                tuple(r.contact_id for r in rows),
            ).fetchall()
        )
        for row in rows:
            row.linkedin_url = urls.get(row.contact_id)
    return rows


def board(
    tz: ZoneInfo,
    *,
    now: dt.datetime | None = None,
    extra: int = 0,
    goal: int | None = None,
    fill: bool = False,
) -> Board:
    """Today: the top contacts by score not yet done today, up to what is left of the goal.

    One indexed query ranks everyone (Contact.score on the (deleted_at, score) index); a
    constant handful more find who is done today and decorate the rows, whatever the size.
    With `fill`, `goal` rows are listed whatever is already done (for the CLI).
    """
    now = _now(now)
    goal = goal or daily_goal()
    done, woken = _done_today(now, tz)
    limit = goal if fill else max(goal - len(done), 0) + max(extra, 0)
    rows: list[Row] = []
    more = False
    if limit > 0:
        skip = sorted(done)
        marks = ", ".join("?" * len(skip))
        where = (
            "c.deleted_at IS NULL AND c.score > 0"
            " AND (c.snoozed_until IS NULL OR c.snoozed_until <= ?)"
            + (f" AND c.id NOT IN ({marks})" if skip else "")
            + " ORDER BY c.score DESC"
        )
        rows = _rows(where, (_text(now), *skip), limit + 1)
        woken_left = [cid for cid in woken if cid not in done]
        if woken_left:
            known = {r.contact_id for r in rows}
            rows += [r for r in _woken_rows(woken_left, now, tz) if r.contact_id not in known]
            rows.sort(key=lambda r: -r.score)
        more = len(rows) > limit
        rows = _decorate(rows[:limit], now, tz)
    else:
        more = (
            db.execute_sql(
                "SELECT 1 FROM contact c WHERE c.deleted_at IS NULL AND c.score > 0 LIMIT 1"
            ).fetchone()
            is not None
        )
    done_list = _done_rows(done)
    has_contacts = bool(rows or done_list) or (
        db.execute_sql("SELECT 1 FROM contact WHERE deleted_at IS NULL LIMIT 1").fetchone() is not None
    )
    return Board(rows=rows, done=done_list, goal=goal, more=more, has_contacts=has_contacts)


def _done_rows(done: dict[int, Done]) -> list[Done]:
    if not done:
        return []
    ids = sorted(done)
    for cid, name, title, company in db.execute_sql(
        f"""SELECT c.id, c.full_name, c.title, co.name FROM contact c
            LEFT JOIN company co ON co.id = c.company_id
            WHERE c.id IN ({", ".join("?" * len(ids))}) AND c.deleted_at IS NULL""",
        tuple(ids),
    ):
        done[cid].name, done[cid].title, done[cid].company = name, title or "", company or ""
    alive = [d for d in done.values() if d.name]
    return sorted(alive, key=lambda d: d.at or dt.datetime.min.replace(tzinfo=dt.UTC), reverse=True)


def left_today(tz: ZoneInfo, *, now: dt.datetime | None = None) -> int:
    """How many people Today still lists before the goal is reached (for the navigation)."""
    now = _now(now)
    done, _ = _done_today(now, tz)
    limit = daily_goal() - len(done)
    if limit <= 0:
        return 0
    skip = sorted(done)
    return db.execute_sql(
        "SELECT COUNT(*) FROM (SELECT 1 FROM contact c WHERE c.deleted_at IS NULL AND c.score > 0"
        " AND (c.snoozed_until IS NULL OR c.snoozed_until <= ?)"
        + (f" AND c.id NOT IN ({', '.join('?' * len(skip))})" if skip else "")
        + " LIMIT ?)",
        (_text(now), *skip, limit),
    ).fetchone()[0]


def progress(tz: ZoneInfo, *, now: dt.datetime | None = None) -> tuple[int, int]:
    """(done today, daily goal)."""
    done, _ = _done_today(_now(now), tz)
    return len(done), daily_goal()


def is_done_today(contact_id: int, tz: ZoneInfo, *, now: dt.datetime | None = None) -> Done | None:
    """How this contact was done today, or None."""
    done, _ = _done_today(_now(now), tz)
    if contact_id not in done:
        return None
    rows = _done_rows({contact_id: done[contact_id]})
    return rows[0] if rows else None


def row_for(contact_id: int, tz: ZoneInfo, *, now: dt.datetime | None = None) -> Row | None:
    """One contact's Today row as it stands now (None when nothing calls for them)."""
    now = _now(now)
    rows = _rows(
        "c.id = ? AND c.deleted_at IS NULL AND c.score > 0"
        " AND (c.snoozed_until IS NULL OR c.snoozed_until <= ?)",
        (contact_id, _text(now)),
        1,
    )
    return _decorate(rows, now, tz)[0] if rows else None


def snooze_contact(
    contact_id: int,
    preset: str,
    tz: ZoneInfo,
    *,
    date_text: str = "",
    dayfirst: bool = False,
    now: dt.datetime | None = None,
) -> dt.datetime:
    """Hide a contact from Today until the start of a later day; returns when it ends (UTC)."""
    now = _now(now)
    today = dates.local_today(now, tz)
    if preset == "1d":
        day = today + dt.timedelta(days=1)
    elif preset == "1w":
        day = today + dt.timedelta(days=7)
    elif preset == "date":
        try:
            when = dates.parse_when(date_text, now, tz, dayfirst=dayfirst)
        except dates.DateParseError as exc:
            raise TodayError({"date": str(exc)}) from None
        day = dates.to_local(when.at, tz).date()
        if day <= today:
            raise TodayError({"date": "Pick a day after today."})
    else:
        raise TodayError({"preset": "Snooze for a day, a week, or until a date."})
    until = dates.start_of_local_day(day, tz)
    with write():
        changed = (
            Contact.update(snoozed_until=_naive(until), snoozed_at=_naive(now))
            .where(Contact.id == contact_id, Contact.deleted_at.is_null())
            .execute()
        )
        if not changed:
            raise TodayError({"contact_id": "That contact no longer exists."})
        derived.refresh_contacts([contact_id], now=now, tz=tz)
    return until


def unsnooze_contact(contact_id: int, tz: ZoneInfo, *, now: dt.datetime | None = None) -> None:
    """End a snooze now (it no longer counts as done today)."""
    with write():
        Contact.update(snoozed_until=None, snoozed_at=None).where(Contact.id == contact_id).execute()
        derived.refresh_contacts([contact_id], now=_now(now), tz=tz)


def _naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass
class Ranked:
    """One line of `crm today`."""

    contact_id: int
    name: str
    linkedin_url: str | None
    score: float
    reasons: list[dict]


def ranked_as_of(tz: ZoneInfo, when: dt.datetime, limit: int) -> list[Ranked]:
    """Everyone's score as of `when`, computed in memory from the facts known then; top `limit`."""
    scored = derived.score_in_memory(None, when, tz, as_of=True)
    top = sorted(
        ((cid, res) for cid, (_, res) in scored.items() if res.value > 0),
        key=lambda pair: (-pair[1].value, pair[0]),
    )[:limit]
    urls = {}
    if top:
        ids = [cid for cid, _ in top]
        urls = dict(
            db.execute_sql(
                f"SELECT id, linkedin_url FROM contact WHERE id IN ({', '.join('?' * len(ids))})",
                tuple(ids),
            ).fetchall()
        )
    return [
        Ranked(
            cid,
            scored[cid][0]["name"],
            urls.get(cid),
            res.value,
            [{"code": r.code, "text": r.text, "points": round(r.points, 1)} for r in res.reasons],
        )  # fmt: skip
        for cid, res in top
    ]


def ranked_now(tz: ZoneInfo, limit: int, *, now: dt.datetime | None = None) -> list[Ranked]:
    """Today's list as the page shows it (stored scores; done and snoozed people left out)."""
    page = board(tz, now=now, goal=limit, fill=True)
    return [Ranked(r.contact_id, r.name, r.linkedin_url, r.score, r.reasons) for r in page.rows]


def morning(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """08:00 on `day` in the owner's zone, as aware UTC (when `crm today --date` looks)."""
    return dt.datetime.combine(day, dt.time(8, 0), tzinfo=tz).astimezone(dt.UTC)
