"""Derived contact fields kept current: last touch, next touch due, the priority score.

Inputs are read in a few set-based queries per batch of contacts, never one query per contact.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from crm import scoring
from crm.db import db, write
from crm.models import get_setting, set_setting, utcnow
from crm.services.settings import owner_zone, stage_cadences

# Activity kinds that count as a touch: the clock restarts on any of them, in either direction.
# Not an invitation or a recommendation: a last touch is a real exchange (migration 0009).
TOUCH_ACTIVITY_KINDS = ("note", "call", "email", "meeting", "message", "other", "followup_done")
# Going quiet looks at the habit in the half year before the last touch.
QUIET_WINDOW_DAYS = 180
# "Going quiet": silent for more than twice the usual gap (issue 5).
GOING_QUIET_FACTOR = 2.0
BATCH = 2000

_KINDS_SQL = ", ".join(f"'{k}'" for k in TOUCH_ACTIVITY_KINDS)
# activity_contact.touch (migration 0006): what scoring needs of a link's activity, kept on the
# link so the touch history is read from one index. UNKNOWN: the insert trigger fills it in.
TOUCH_UNKNOWN, TOUCH_NONE, TOUCH_IN, TOUCH_OUT, TOUCH_OTHER = -1, 0, 1, 2, 3


def touch_sql(kind: str, direction: str, deleted_at: str = "NULL") -> str:
    """SQL for the `touch` of an activity with these column expressions (the triggers' rule):
    inbound, outbound (also no direction, except a note), another touch, or none at all."""
    return (
        f"CASE WHEN {deleted_at} IS NOT NULL OR {kind} NOT IN ({_KINDS_SQL}) THEN {TOUCH_NONE}"
        f" WHEN {direction} = 'in' THEN {TOUCH_IN}"
        f" WHEN {direction} = 'out' OR ({direction} IS NULL AND {kind} != 'note') THEN {TOUCH_OUT}"
        f" ELSE {TOUCH_OTHER} END"
    )


@dataclass
class Rhythm:
    """One contact's keep-in-touch clock, as shown on the contact page."""

    cadence_days: int | None
    cadence_from: str  # contact, tag, stage or ""
    last_touch_at: dt.datetime | None
    next_due: dt.date | None
    days_late: int
    cadences_late: float
    going_quiet: bool
    usual_gap_days: float | None
    touches_in_window: int


def _ts(value) -> dt.datetime | None:
    """A stored naive-UTC timestamp (text from raw SQL) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        # Parsing the offset in C is several times cheaper than .replace(tzinfo=...) afterwards.
        try:
            return dt.datetime.fromisoformat(value + "+00:00")
        except ValueError:
            value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC)


def _day(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value[:10])


def default_weights() -> scoring.Weights:
    """The weights before the owner tunes anything (scoring's, with the 2x going-quiet rule)."""
    return scoring.Weights.from_overrides({"going_quiet_factor": GOING_QUIET_FACTOR})


def weights() -> scoring.Weights:
    """The scoring weights with the owner's overrides and the issue's 2x going-quiet rule."""
    overrides: dict = {"going_quiet_factor": GOING_QUIET_FACTOR}
    overrides.update(get_setting("score_weights", {}) or {})
    return scoring.Weights.from_overrides(overrides)


_CONTACT_COLUMNS = """c.id, c.full_name, co.name, c.title, c.stage, c.created_at, c.connected_on,
    c.cadence_days, c.birthday_month, c.birthday_day, c.value_deal, c.value_referrals,
    c.value_advocate, c.value_feedback, c.snoozed_until, c.score, c.score_reasons,
    c.last_touch_at, c.next_touch_due"""


def _item(r: tuple) -> dict:
    """One contact's facts from a row of _CONTACT_COLUMNS, before any history is added."""
    return {
        "name": r[1], "company": r[2] or "", "title": r[3], "stage": r[4],
        "created_at": _ts(r[5]), "connected_on": _day(r[6]), "own_cadence": r[7],
        "birthday": (r[8], r[9]) if r[8] and r[9] else None,
        "value": (r[10] or 0.0, r[11] or 0, bool(r[12]), bool(r[13])),
        "snoozed_until": _ts(r[14]), "tag_cadence": None, "last": None, "last_in": None,
        "last_out": None, "window": 0, "span_days": 0.0, "followups": [],
        "signals": [], "gave": 0, "asked": 0,
        "stored": (r[15], r[16], r[17], r[18], r[14]),
    }  # fmt: skip


def _facts(where: str, params: tuple, now: dt.datetime, as_of: bool = False) -> dict[int, dict]:
    """Every score input for the contacts matching `where` ({col} stands for the contact id column).

    With `as_of`, only what had happened by `now` counts (for `crm today --date`): later
    touches, signals, ledger entries and follow-ups are left out, and later completions or
    dismissals are undone.
    """
    stamp = now.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    when = {"act": "", "fu": "", "sig": "s.dismissed_at IS NULL", "rec": ""}
    extra: tuple = ()
    if as_of:
        when = {
            "act": "AND ac.occurred_at <= ?",
            "fu": "AND f.created_at <= ? AND (f.done_at IS NULL OR f.done_at > ?)",
            "sig": "s.observed_at <= ? AND (s.dismissed_at IS NULL OR s.dismissed_at > ?)",
            "rec": "AND r.occurred_at <= ?",
        }
        extra = (stamp,)
    rows = db.execute_sql(
        f"SELECT {_CONTACT_COLUMNS} FROM contact c LEFT JOIN company co ON co.id = c.company_id"
        # "+": the id list or range must drive the query; on the deleted_at index (SQLite's pick
        # for long id lists and ranges) every batch would walk every live contact.
        f" WHERE +c.deleted_at IS NULL AND {where.format(col='c.id')}",
        params,
    ).fetchall()
    out = {r[0]: _item(r) for r in rows}
    if not out:
        return out
    for cid, days in db.execute_sql(
        f"""SELECT ct.contact_id, MIN(t.cadence_days) FROM contact_tag ct
            JOIN tag t ON t.id = ct.tag_id
            WHERE t.cadence_days IS NOT NULL AND {where.format(col="ct.contact_id")}
            GROUP BY ct.contact_id""",
        params,
    ):
        if cid in out:
            out[cid]["tag_cadence"] = days
    # One pass for the latest touches, then only the half year before the last one for the habit;
    # both walk the (contact_id, occurred_at, touch) index alone and never leave SQLite with
    # per-touch rows.
    for cid, last, last_in, last_out, window, span in db.execute_sql(
        f"""WITH agg AS MATERIALIZED (
                SELECT ac.contact_id AS cid, MAX(ac.occurred_at) AS last,
                       MAX(CASE WHEN ac.touch = {TOUCH_IN} THEN ac.occurred_at END) AS last_in,
                       MAX(CASE WHEN ac.touch = {TOUCH_OUT} THEN ac.occurred_at END) AS last_out
                FROM activity_contact ac
                WHERE ac.touch > {TOUCH_NONE} AND {where.format(col="ac.contact_id")} {when["act"]}
                GROUP BY ac.contact_id)
            SELECT agg.cid, agg.last, agg.last_in, agg.last_out, COUNT(*),
                   julianday(agg.last) - julianday(MIN(w.occurred_at))
            FROM agg JOIN activity_contact w ON w.contact_id = agg.cid
                 AND w.occurred_at >= datetime(agg.last, '-{QUIET_WINDOW_DAYS} days')
                 AND w.occurred_at <= agg.last AND w.touch > {TOUCH_NONE}
            GROUP BY agg.cid""",
        params + extra,
    ):
        if cid in out:
            item = out[cid]
            item.update(last=_ts(last), last_in=_ts(last_in), last_out=_ts(last_out))
            item.update(window=window, span_days=span or 0.0)
    for cid, title, due_at, all_day in db.execute_sql(
        f"""SELECT f.contact_id, f.title, f.due_at, f.all_day FROM follow_up f
            WHERE f.deleted_at IS NULL AND {where.format(col="f.contact_id")}
                  {when["fu"] or "AND f.done_at IS NULL"}""",
        params + extra * 2,
    ):
        if cid in out:
            out[cid]["followups"].append(scoring.FollowUpFact(title, _ts(due_at), bool(all_day)))
    for cid, kind, weight, half_life, observed, details in db.execute_sql(
        f"""SELECT s.contact_id, s.kind, s.weight, s.half_life_days, s.observed_at, s.details
            FROM signal s
            WHERE {when["sig"]} AND {where.format(col="s.contact_id")}""",
        extra * 2 + params,
    ):
        spec = scoring.SIGNAL_KINDS.get(kind)
        if cid in out and spec is not None:
            # A stored weight or half-life equal to the kind's default follows the owner's tuning.
            if weight == spec.default_weight:
                weight = None
            if half_life == spec.half_life_days:
                half_life = None
            out[cid]["signals"].append(
                scoring.SignalFact(kind, _ts(observed), weight, half_life, json.loads(details or "{}"))
            )
    for cid, direction, count in db.execute_sql(
        f"""SELECT r.contact_id, r.direction, COUNT(*) FROM reciprocity r
            WHERE {where.format(col="r.contact_id")} {when["rec"]}
            GROUP BY r.contact_id, r.direction""",
        params + extra,
    ):
        if cid in out and direction in ("gave", "asked"):
            out[cid][direction] = count
    return out


# Stages with no keep-in-touch clock at all: never due, never late, whatever the cadences say.
NO_CADENCE_STAGES = frozenset({"do_not_contact"})


def effective_cadence(item: dict, stages: dict[str, int]) -> tuple[int | None, str]:
    """The contact's own cadence, else its tags' shortest, else its stage's; and where from.

    A do-not-contact contact has none, so it is never due for a touch."""
    if item["stage"] in NO_CADENCE_STAGES:
        return None, ""
    if item["own_cadence"]:
        return item["own_cadence"], "contact"
    if item["tag_cadence"]:
        return item["tag_cadence"], "tag"
    if stages.get(item["stage"]):
        return stages[item["stage"]], "stage"
    return None, ""


def _clock_start(item: dict, tz: ZoneInfo) -> dt.datetime | None:
    """Where the clock starts: the last touch, else when connected, else when added."""
    if item["last"] is not None:
        return item["last"]
    if item["connected_on"] is not None:
        return dt.datetime.combine(item["connected_on"], dt.time(), tzinfo=tz).astimezone(dt.UTC)
    return item["created_at"]


def _usual_gap(item: dict) -> float | None:
    if item["window"] < 2 or item["last"] is None:
        return None
    span = item["span_days"]
    return span / (item["window"] - 1) if span > 0 else None


def rhythm_of(item: dict, stages: dict[str, int], now: dt.datetime, tz: ZoneInfo) -> Rhythm:
    """Cadence, next due date, lateness and going-quiet state from one contact's facts."""
    cadence, source = effective_cadence(item, stages)
    today = now.astimezone(tz).date()
    start = _clock_start(item, tz)
    next_due = None
    late = 0
    if cadence and start is not None:
        next_due = start.astimezone(tz).date() + dt.timedelta(days=cadence)
        late = max(0, (today - next_due).days)
    gap = _usual_gap(item)
    w = weights()
    quiet = False
    if gap and item["last"] is not None and item["window"] >= w.going_quiet_min_touches:
        silent = (today - item["last"].astimezone(tz).date()).days
        quiet = silent >= max(w.going_quiet_min_days, w.going_quiet_factor * gap)
    return Rhythm(
        cadence, source, item["last"], next_due, late,
        round(late / cadence, 1) if cadence else 0.0, quiet, gap, item["window"],
    )  # fmt: skip


def _score(item: dict, cadence: int | None, start, now: dt.datetime, tz, w) -> scoring.Score:
    awaiting = None
    if item["last_in"] is not None and (item["last_out"] is None or item["last_in"] > item["last_out"]):
        awaiting = item["last_in"]
    facts = scoring.ContactFacts(
        name=item["name"], company=item["company"], title=item["title"], stage=item["stage"],
        created_at=start if item["last"] is None else item["created_at"],
        connected_on=item["connected_on"], last_touch_at=item["last"],
        last_inbound_at=item["last_in"], last_outbound_at=item["last_out"],
        awaiting_reply_since=awaiting, cadence_days=cadence,
        touches_in_window=item["window"], usual_gap_days=_usual_gap(item),
        birthday=item["birthday"], followups=tuple(item["followups"]),
        signals=tuple(item["signals"]),
        value=scoring.ValueFacts(*item["value"], gave=item["gave"], asked=item["asked"]),
        snoozed_until=item["snoozed_until"],
    )  # fmt: skip
    return scoring.score(facts, now, tz, w)


def _reasons_json(result: scoring.Score) -> str:
    """The reasons as stored: [{code, points, text}] (keys sorted, like JSONField writes them)."""
    if not result.reasons:
        return "[]"
    return json.dumps(
        [{"code": r.code, "points": round(r.points, 1), "text": r.text} for r in result.reasons],
        ensure_ascii=False,
    )


def _naive_text(value: dt.datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=None).isoformat(" ")


def _refresh(where: str, params: tuple, now: dt.datetime, tz: ZoneInfo, stages, w) -> int:
    """Recompute and write only the contacts whose derived fields changed; returns how many read."""
    items = _facts(where, params, now)
    _write(items, now, tz, stages, w)
    return len(items)


def _bare(item: dict) -> bool:
    """True when a contact has no history: no touch, open follow-up, live signal or ledger entry."""
    return (
        item["last"] is None
        and not item["followups"]
        and not item["signals"]
        and not item["gave"]
        and not item["asked"]
        and not item["window"]
    )


def _derive(item: dict, now: dt.datetime, tz: ZoneInfo, stages, w) -> tuple:
    """(score, reasons JSON, last touch, next due, snoozed until) as stored, from one's facts."""
    cadence, _ = effective_cadence(item, stages)
    start = _clock_start(item, tz)
    next_due = None
    if cadence and start is not None:
        next_due = start.astimezone(tz).date() + dt.timedelta(days=cadence)
    result = _score(item, cadence, start, now, tz, w)
    snoozed = item["snoozed_until"]
    if snoozed is not None and snoozed <= now:
        snoozed = None  # an ended snooze is forgotten, so Today finds the contact again
    return (
        result.value,
        _reasons_json(result),
        _naive_text(item["last"]),
        next_due.isoformat() if next_due else None,
        _naive_text(snoozed),
    )


def _write(items: dict[int, dict], now: dt.datetime, tz: ZoneInfo, stages, w) -> int:
    """Write the derived fields of these contacts where they changed; returns how many written."""
    stamp = _naive_text(now)
    rows = []
    # Contacts without history (new imports, mostly) differ only in a few facts: the result
    # depends on nothing else (name, company and title appear only in job-change and promotion
    # reasons, which need a signal), so each distinct combination is scored once.
    known: dict[tuple, tuple] = {}
    for cid, item in items.items():
        if _bare(item):
            key = (item["stage"], item["created_at"], item["connected_on"], item["own_cadence"],
                   item["tag_cadence"], item["birthday"], item["value"], item["snoozed_until"])  # fmt: skip
            new = known.get(key)
            if new is None:
                new = known[key] = _derive(item, now, tz, stages, w)
        else:
            new = _derive(item, now, tz, stages, w)
        if _changed(new, item["stored"]):
            rows.append((new[2], new[3], new[0], new[1], stamp, new[4], cid))
    if rows:
        db.cursor().executemany(_UPDATE, rows)
    return len(rows)


_UPDATE = (
    "UPDATE contact SET last_touch_at = ?, next_touch_due = ?, score = ?, score_reasons = ?,"
    " score_updated_at = ?, snoozed_until = ? WHERE id = ?"
)


def _changed(new: tuple, old: tuple) -> bool:
    """True when freshly derived fields differ from the stored (score, reasons, last, due, snooze)."""
    return not (
        new[0] == old[0]
        and new[1] == old[1]
        and _same_time(new[2], old[2])
        and new[3] == old[3]
        and _same_time(new[4], old[4])
    )


def _refresh_bare(ids: list[int], now: dt.datetime, tz: ZoneInfo, stages, w) -> set[int]:
    """Write the derived fields of those of these contacts that have no history; returns their ids.

    Without history a contact's facts are a few of its own columns and its tags' cadence, so
    SQLite groups the contacts by those (and by what is stored now) and each group is scored
    once, through the same code as _write, and written only where it changed.
    """
    marks = ", ".join("?" * len(ids))
    groups = db.execute_sql(
        f"""SELECT group_concat(id), stage, created_at, connected_on, cadence_days, birthday_month,
                   birthday_day, value_deal, value_referrals, value_advocate, value_feedback,
                   snoozed_until, score, score_reasons, last_touch_at, next_touch_due, tag_cadence
            FROM (SELECT c.*, (SELECT MIN(t.cadence_days) FROM contact_tag ct
                               JOIN tag t ON t.id = ct.tag_id
                               WHERE ct.contact_id = c.id AND t.cadence_days IS NOT NULL) AS tag_cadence
                  FROM contact c
                  WHERE +c.deleted_at IS NULL AND c.id IN ({marks})
                    AND NOT EXISTS (SELECT 1 FROM activity_contact ac WHERE ac.contact_id = c.id)
                    AND NOT EXISTS (SELECT 1 FROM follow_up f WHERE f.contact_id = c.id
                                    AND f.deleted_at IS NULL AND f.done_at IS NULL)
                    AND NOT EXISTS (SELECT 1 FROM signal s WHERE s.contact_id = c.id
                                    AND s.dismissed_at IS NULL)
                    AND NOT EXISTS (SELECT 1 FROM reciprocity r WHERE r.contact_id = c.id))
            GROUP BY 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17""",
        ids,
    ).fetchall()
    done: set[int] = set()
    stamp = _naive_text(now)
    rows = []
    for g in groups:
        members = [int(i) for i in g[0].split(",")]
        done.update(members)
        # the row _facts reads (name, company and title matter only with a signal: none here)
        item = _item((0, "", "", "", *g[1:16]))
        item["tag_cadence"] = g[16]
        new = _derive(item, now, tz, stages, w)
        if not _changed(new, item["stored"]):
            continue
        rows += [(new[2], new[3], new[0], new[1], stamp, new[4], cid) for cid in members]
    if rows:
        db.cursor().executemany(_UPDATE, rows)
    return done


def _same_time(new: str | None, old) -> bool:
    if new is None or old is None:
        return new is None and old is None
    return new == old or dt.datetime.fromisoformat(str(old)) == dt.datetime.fromisoformat(new)


def _context(now: dt.datetime | None, tz: ZoneInfo | None):
    now = (now or utcnow().replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return now, tz or owner_zone(), stage_cadences(), weights()


def refresh_contacts(
    contact_ids: Iterable[int], now: dt.datetime | None = None, tz: ZoneInfo | None = None
) -> int:
    """Recompute last touch, next due and score for these contacts; returns how many."""
    ids = sorted({int(i) for i in contact_ids if i is not None})
    if not ids:
        return 0
    now, tz, stages, w = _context(now, tz)
    done = 0
    with write():
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            done += _refresh("{col} IN (" + marks + ")", tuple(chunk), now, tz, stages, w)
    return done


def refresh_many(
    contact_ids: Iterable[int], now: dt.datetime | None = None, tz: ZoneInfo | None = None
) -> int:
    """refresh_contacts for many contacts at once (after an import): those without history in one
    query per batch, the rest as refresh_contacts does. One short write transaction per batch, so
    the app's own saves get the lock in between; returns how many were read."""
    ids = sorted({int(i) for i in contact_ids if i is not None})
    now, tz, stages, w = _context(now, tz)
    done = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        with write():
            bare = _refresh_bare(batch, now, tz, stages, w)
            rest = [i for i in batch if i not in bare]
            done += len(bare)
            for at in range(0, len(rest), 500):
                chunk = rest[at : at + 500]
                items = _facts("{col} IN (" + ", ".join("?" * len(chunk)) + ")", tuple(chunk), now)
                _write(items, now, tz, stages, w)
                done += len(items)
    return done


RESCORED_ON = "rescored_on"  # setting: the owner's local day of the last refresh_all


def refresh_all(now: dt.datetime | None = None, tz: ZoneInfo | None = None) -> int:
    """Recompute the derived fields of every contact, in id-range batches."""
    now, tz, stages, w = _context(now, tz)
    low, high = db.execute_sql("SELECT MIN(id), MAX(id) FROM contact").fetchone()
    done = 0
    for start in range(low or 1, (high or 0) + 1, BATCH):
        with write():
            done += _refresh("{col} BETWEEN ? AND ?", (start, start + BATCH - 1), now, tz, stages, w)
    with write():
        set_setting(RESCORED_ON, now.astimezone(tz).date().isoformat())
    return done


def needs_new_day(now: dt.datetime | None = None, tz: ZoneInfo | None = None) -> bool:
    """Whether the owner's day has turned since the last refresh_all (reads only)."""
    now = (now or utcnow().replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return get_setting(RESCORED_ON) != now.astimezone(tz or owner_zone()).date().isoformat()


def refresh_if_new_day(now: dt.datetime | None = None, tz: ZoneInfo | None = None) -> bool:
    """refresh_all once the owner's day has turned since the last one (time decay, birthdays
    coming closer, follow-ups falling due today), so Today is right at 7 am without a cron job;
    True when it ran. A nightly `crm rescore` makes this a no-op."""
    if not needs_new_day(now, tz):
        return False
    refresh_all(now, tz)
    return True


def score_in_memory(
    contact_ids: Iterable[int] | None,
    now: dt.datetime | None = None,
    tz: ZoneInfo | None = None,
    *,
    as_of: bool = False,
) -> dict[int, tuple[dict, scoring.Score]]:
    """Score contacts (all when None) at `now` without writing: {id: (facts, score)}.

    With `as_of`, facts are cut at `now` too, so a past or future day is evaluated as it was
    (or will be) then; the stored scores are left alone.
    """
    now, tz, stages, w = _context(now, tz)
    out: dict[int, tuple[dict, scoring.Score]] = {}
    if contact_ids is None:
        low, high = db.execute_sql("SELECT MIN(id), MAX(id) FROM contact").fetchone()
        batches = (
            [] if low is None
            else [("{col} BETWEEN ? AND ?", (s, s + BATCH - 1)) for s in range(low, high + 1, BATCH)]
        )  # fmt: skip
    else:
        ids = sorted({int(i) for i in contact_ids})
        batches = [
            ("{col} IN (" + ", ".join("?" * len(ids[i : i + 500])) + ")", tuple(ids[i : i + 500]))
            for i in range(0, len(ids), 500)
        ]
    for where, params in batches:
        for cid, item in _facts(where, params, now, as_of=as_of).items():
            cadence, _ = effective_cadence(item, stages)
            out[cid] = (item, _score(item, cadence, _clock_start(item, tz), now, tz, w))
    return out


def rhythm(contact_id: int, now: dt.datetime | None = None, tz: ZoneInfo | None = None) -> Rhythm | None:
    """The keep-in-touch clock of one contact (None when missing)."""
    now, tz, stages, _ = _context(now, tz)
    item = _facts("{col} = ?", (contact_id,), now).get(contact_id)
    return None if item is None else rhythm_of(item, stages, now, tz)


def contacts_of_activity(activity_id: int) -> list[int]:
    """The contacts an activity involves."""
    return [
        r[0]
        for r in db.execute_sql(
            "SELECT contact_id FROM activity_contact WHERE activity_id = ?", (activity_id,)
        )
    ]
