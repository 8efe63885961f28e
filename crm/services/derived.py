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
from crm.models import get_setting, utcnow
from crm.services.settings import owner_zone, stage_cadences

# Activity kinds that count as a touch: the clock restarts on any of them, in either direction.
TOUCH_ACTIVITY_KINDS = (
    "note",
    "call",
    "email",
    "meeting",
    "message",
    "other",
    "invitation",
    "recommendation",
    "followup_done",
)
# Going quiet looks at the habit in the half year before the last touch.
QUIET_WINDOW_DAYS = 180
# "Going quiet": silent for more than twice the usual gap (issue 5).
GOING_QUIET_FACTOR = 2.0
BATCH = 2000

_KINDS_SQL = ", ".join(f"'{k}'" for k in TOUCH_ACTIVITY_KINDS)


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
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC)


def _day(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value[:10])


def weights() -> scoring.Weights:
    """The scoring weights with the owner's overrides and the issue's 2x going-quiet rule."""
    overrides = {"going_quiet_factor": GOING_QUIET_FACTOR}
    overrides.update(get_setting("score_weights", {}) or {})
    return scoring.Weights.from_overrides(overrides)


def _facts(where: str, params: tuple, now: dt.datetime) -> dict[int, dict]:
    """Every score input for the contacts matching `where` ({col} stands for the contact id column)."""
    rows = db.execute_sql(
        f"""SELECT c.id, c.full_name, co.name, c.title, c.stage, c.created_at, c.connected_on,
                   c.cadence_days, c.birthday_month, c.birthday_day, c.value_deal,
                   c.value_referrals, c.value_advocate, c.value_feedback, c.snoozed_until
            FROM contact c LEFT JOIN company co ON co.id = c.company_id
            WHERE c.deleted_at IS NULL AND {where.format(col="c.id")}""",
        params,
    ).fetchall()
    out: dict[int, dict] = {}
    for r in rows:
        out[r[0]] = {
            "name": r[1], "company": r[2] or "", "title": r[3], "stage": r[4],
            "created_at": _ts(r[5]), "connected_on": _day(r[6]), "own_cadence": r[7],
            "birthday": (r[8], r[9]) if r[8] and r[9] else None,
            "value": scoring.ValueFacts(
                deal_value=r[10] or 0.0, referrals_given=r[11] or 0,
                is_advocate=bool(r[12]), gives_feedback=bool(r[13]),
            ),
            "snoozed_until": _ts(r[14]), "tag_cadence": None, "last": None, "last_in": None,
            "last_out": None, "window": 0, "first_in_window": None, "followups": [],
            "signals": [], "gave": 0, "asked": 0,
        }  # fmt: skip
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
    touches = f"""SELECT ac.contact_id AS cid, ac.occurred_at AS at, a.direction AS dir,
                         a.kind AS kind
                  FROM activity_contact ac JOIN activity a ON a.id = ac.activity_id
                  WHERE a.deleted_at IS NULL AND a.kind IN ({_KINDS_SQL})
                        AND {where.format(col="ac.contact_id")}"""
    for cid, last, last_in, last_out, window, first in db.execute_sql(
        f"""WITH t AS ({touches}),
            agg AS (SELECT cid, MAX(at) AS last,
                           MAX(CASE WHEN dir = 'in' THEN at END) AS last_in,
                           MAX(CASE WHEN dir = 'out' OR (dir IS NULL AND kind != 'note')
                               THEN at END) AS last_out
                    FROM t GROUP BY cid)
            SELECT agg.cid, agg.last, agg.last_in, agg.last_out, COUNT(*), MIN(t.at)
            FROM agg JOIN t ON t.cid = agg.cid
                 AND t.at >= datetime(agg.last, '-{QUIET_WINDOW_DAYS} days')
            GROUP BY agg.cid""",
        params,
    ):
        if cid in out:
            item = out[cid]
            item.update(last=_ts(last), last_in=_ts(last_in), last_out=_ts(last_out))
            item.update(window=window, first_in_window=_ts(first))
    for cid, title, due_at, all_day in db.execute_sql(
        f"""SELECT f.contact_id, f.title, f.due_at, f.all_day FROM follow_up f
            WHERE f.done_at IS NULL AND f.deleted_at IS NULL
                  AND {where.format(col="f.contact_id")}""",
        params,
    ):
        if cid in out:
            out[cid]["followups"].append(scoring.FollowUpFact(title, _ts(due_at), bool(all_day)))
    for cid, kind, weight, half_life, observed, details in db.execute_sql(
        f"""SELECT s.contact_id, s.kind, s.weight, s.half_life_days, s.observed_at, s.details
            FROM signal s
            WHERE s.dismissed_at IS NULL AND {where.format(col="s.contact_id")}""",
        params,
    ):
        if cid in out and kind in scoring.SIGNAL_KINDS:
            out[cid]["signals"].append(
                scoring.SignalFact(kind, _ts(observed), weight, half_life, json.loads(details or "{}"))
            )
    for cid, direction, count in db.execute_sql(
        f"""SELECT r.contact_id, r.direction, COUNT(*) FROM reciprocity r
            WHERE {where.format(col="r.contact_id")}
            GROUP BY r.contact_id, r.direction""",
        params,
    ):
        if cid in out and direction in ("gave", "asked"):
            out[cid][direction] = count
    return out


def effective_cadence(item: dict, stages: dict[str, int]) -> tuple[int | None, str]:
    """The contact's own cadence, else its tags' shortest, else its stage's; and where from."""
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
    if item["window"] < 2 or item["last"] is None or item["first_in_window"] is None:
        return None
    span = (item["last"] - item["first_in_window"]).total_seconds() / 86400
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
        value=scoring.ValueFacts(**{**item["value"].__dict__, "gave": item["gave"], "asked": item["asked"]}),
        snoozed_until=item["snoozed_until"],
    )  # fmt: skip
    return scoring.score(facts, now, tz, w)


def _refresh(where: str, params: tuple, now: dt.datetime, tz: ZoneInfo, stages, w) -> int:
    items = _facts(where, params, now)
    stamp = now.replace(tzinfo=None)
    rows = []
    for cid, item in items.items():
        cadence, _ = effective_cadence(item, stages)
        start = _clock_start(item, tz)
        next_due = None
        if cadence and start is not None:
            next_due = start.astimezone(tz).date() + dt.timedelta(days=cadence)
        result = _score(item, cadence, start, now, tz, w)
        reasons = [{"code": r.code, "text": r.text, "points": round(r.points, 1)} for r in result.reasons]
        last = item["last"].replace(tzinfo=None).isoformat(" ") if item["last"] else None
        rows.append(
            (
                last,
                next_due.isoformat() if next_due else None,
                result.value,
                json.dumps(reasons, ensure_ascii=False, sort_keys=True),
                stamp.isoformat(" "),
                cid,
            )
        )
    db.cursor().executemany(
        "UPDATE contact SET last_touch_at = ?, next_touch_due = ?, score = ?, score_reasons = ?,"
        " score_updated_at = ? WHERE id = ?",
        rows,
    )
    return len(rows)


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


def refresh_all(now: dt.datetime | None = None, tz: ZoneInfo | None = None) -> int:
    """Recompute the derived fields of every contact, in id-range batches."""
    now, tz, stages, w = _context(now, tz)
    low, high = db.execute_sql("SELECT MIN(id), MAX(id) FROM contact").fetchone()
    if low is None:
        return 0
    done = 0
    for start in range(low, high + 1, BATCH):
        with write():
            done += _refresh("{col} BETWEEN ? AND ?", (start, start + BATCH - 1), now, tz, stages, w)
    return done


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
