"""Follow-ups: natural due dates, recurrence, snooze, done (with the next occurrence), sections."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from peewee import JOIN

from crm import dates
from crm.db import db, write
from crm.models import Activity, ActivityContact, Company, Contact, FollowUp, utcnow
from crm.services import derived

SNOOZE_PRESETS = {
    "later_today": "Later today",
    "tomorrow": "Tomorrow",
    "next_week": "Next week",
    "next_month": "Next month",
}
REPEAT_UNITS = {
    "": "Does not repeat",
    "day": "Every N days",
    "week": "Every N weeks",
    "month": "Every N months",
}


class FollowUpError(ValueError):
    """Input a follow-up cannot be saved with, keyed by form field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class Sections:
    overdue: list[FollowUp]
    today: list[FollowUp]
    upcoming: list[FollowUp]
    done: list[FollowUp]


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or utcnow().replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def parse_due(
    text: str, tz: ZoneInfo, *, dayfirst: bool = False, now: dt.datetime | None = None
) -> dates.When:
    """What the owner typed as a due date, read in their zone (raises DateParseError)."""
    return dates.parse_when(text, _now(now), tz, dayfirst=dayfirst)


def preview(text: str, tz: ZoneInfo, *, dayfirst: bool = False, now: dt.datetime | None = None) -> str:
    """The due date shown back before saving ('Tue 1 Dec'); raises DateParseError."""
    when = parse_due(text, tz, dayfirst=dayfirst, now=now)
    return dates.describe(when, tz, _now(now))


def build_rrule(unit: str, every: str | int, weekday: str | int = "", monthday: str | int = "") -> str | None:
    """An RRULE from the repeat fields of a form (None for no repeat); raises DateParseError."""
    if not unit:
        return None
    try:
        n = int(every or 1)
    except ValueError:
        raise dates.DateParseError("Repeat every how many? Type a number.") from None
    wd = int(weekday) if str(weekday).strip().lstrip("-").isdigit() else None
    md = int(monthday) if str(monthday).strip().lstrip("-").isdigit() else None
    return dates.make_rrule(
        n, unit, weekday=wd if unit == "week" else None, monthday=md if unit == "month" else None
    )


def create_followup(
    contact_id: int | None,
    title: str,
    due: str | dates.When,
    tz: ZoneInfo,
    *,
    rrule: str | None = None,
    dayfirst: bool = False,
    now: dt.datetime | None = None,
) -> FollowUp:
    """Add a follow-up (on a contact or on its own) due at a natural date."""
    errors = {}
    title = " ".join((title or "").split())[:200]
    if not title:
        errors["title"] = "Say what to do, e.g. “Send pricing”."
    when = due
    if isinstance(due, str):
        try:
            when = parse_due(due, tz, dayfirst=dayfirst, now=now)
        except dates.DateParseError as exc:
            errors["due"] = str(exc)
    if rrule:
        try:
            rrule = dates.validate_rrule(rrule)
        except dates.DateParseError as exc:
            errors["repeat"] = str(exc)
    if (
        contact_id is not None
        and not Contact.select().where(Contact.id == contact_id, Contact.deleted_at.is_null()).exists()
    ):
        errors["contact_id"] = "That contact no longer exists."
    if errors:
        raise FollowUpError(errors)
    with write():
        followup = FollowUp.create(
            contact=contact_id, title=title, due_at=_naive(when.at), all_day=when.all_day, rrule=rrule or None
        )
        derived.refresh_contacts([contact_id], now=now, tz=tz)
    return followup


def get_followup(followup_id: int) -> FollowUp | None:
    """A follow-up by id (None when missing or deleted)."""
    return (
        FollowUp.select(FollowUp, Contact)
        .join(Contact, JOIN.LEFT_OUTER)
        .where(FollowUp.id == followup_id, FollowUp.deleted_at.is_null())
        .get_or_none()
    )


def snooze_followup(
    followup: FollowUp,
    preset: str,
    tz: ZoneInfo,
    *,
    date_text: str = "",
    dayfirst: bool = False,
    now: dt.datetime | None = None,
) -> FollowUp:
    """Push a follow-up to a preset moment or a picked date (raises DateParseError)."""
    now = _now(now)
    if preset == "date":
        when = dates.parse_when(date_text, now, tz, dayfirst=dayfirst, default_time=dates.SNOOZE_MORNING)
        if when.local.date() < dates.local_today(now, tz) or (not when.all_day and when.at <= now):
            raise dates.DateParseError("That is already past: snooze to a later time or date.")
        until, all_day = when.at, when.all_day
    else:
        until, all_day = dates.snooze_until(preset, now, tz), False
    with write():
        followup.due_at = _naive(until)
        followup.snoozed_until = _naive(until)
        followup.all_day = all_day and preset == "date"
        followup.save()
        derived.refresh_contacts([followup.contact_id], now=now, tz=tz)
    return followup


def complete_followup(followup: FollowUp, tz: ZoneInfo, *, now: dt.datetime | None = None) -> FollowUp | None:
    """Mark done, log it in the stream, and schedule the next one if it repeats (returned)."""
    now = _now(now)
    following = None
    with write():
        activity = Activity.create(
            kind="followup_done",
            occurred_at=_naive(now),
            origin="system",
            source="followup",
            summary=f"Done: {followup.title}"[:140],
            body="",
        )
        if followup.contact_id:
            ActivityContact.create(activity=activity, contact=followup.contact_id, occurred_at=_naive(now))
        followup.done_at = _naive(now)
        followup.done_activity = activity
        followup.save()
        if followup.rrule:
            due = followup.due_at.replace(tzinfo=dt.UTC)
            nxt = dates.next_occurrence(followup.rrule, max(due, now), due, tz)
            following = FollowUp.create(
                contact=followup.contact_id,
                title=followup.title,
                due_at=_naive(nxt),
                all_day=followup.all_day,
                rrule=followup.rrule,
            )
        derived.refresh_contacts([followup.contact_id], now=now, tz=tz)
    return following


def reopen_followup(followup: FollowUp, tz: ZoneInfo) -> None:
    """Undo 'done' (the logged activity stays in the stream)."""
    with write():
        followup.done_at = None
        followup.save()
        derived.refresh_contacts([followup.contact_id], tz=tz)


def delete_followup(followup: FollowUp, tz: ZoneInfo) -> None:
    """Remove a follow-up (kept with deleted_at, out of every list)."""
    with write():
        followup.deleted_at = utcnow()
        followup.save()
        derived.refresh_contacts([followup.contact_id], tz=tz)


def _open():
    return (
        FollowUp.select(FollowUp, Contact, Company)
        .join(Contact, JOIN.LEFT_OUTER)
        .join(Company, JOIN.LEFT_OUTER)
        .where(FollowUp.done_at.is_null(), FollowUp.deleted_at.is_null())
        .where(Contact.id.is_null() | Contact.deleted_at.is_null())
    )


def _day_bounds(now: dt.datetime, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    today = dates.local_today(now, tz)
    start = dates.start_of_local_day(today, tz)
    end = dates.start_of_local_day(today + dt.timedelta(days=1), tz)
    return _naive(start), _naive(end)


def sections(
    tz: ZoneInfo, *, contact_id: int | None = None, now: dt.datetime | None = None, upcoming: int = 100
) -> Sections:
    """Open follow-ups split into overdue, today and upcoming (owner's days), plus recently done."""
    start, end = _day_bounds(_now(now), tz)
    query = _open()
    done = (
        FollowUp.select(FollowUp, Contact)
        .join(Contact, JOIN.LEFT_OUTER)
        .where(FollowUp.done_at.is_null(False), FollowUp.deleted_at.is_null())
    )
    if contact_id is not None:
        query = query.where(FollowUp.contact == contact_id)
        done = done.where(FollowUp.contact == contact_id)
    order = (FollowUp.due_at, FollowUp.id)
    return Sections(
        overdue=list(query.where(FollowUp.due_at < start).order_by(*order)),
        today=list(query.where(FollowUp.due_at >= start, FollowUp.due_at < end).order_by(*order)),
        upcoming=list(query.where(FollowUp.due_at >= end).order_by(*order).limit(upcoming)),
        done=list(done.order_by(FollowUp.done_at.desc()).limit(20)),
    )


def due_count(tz: ZoneInfo, now: dt.datetime | None = None) -> int:
    """Open follow-ups overdue or due today, as the Follow-ups page lists them (none of a
    contact in the trash): one query on the due_at index."""
    _, end = _day_bounds(_now(now), tz)
    return db.execute_sql(
        "SELECT COUNT(*) FROM follow_up f WHERE f.due_at < ? AND f.done_at IS NULL AND f.deleted_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM contact c WHERE c.id = f.contact_id AND c.deleted_at IS NOT NULL)",
        (str(end),),
    ).fetchone()[0]


def list_open(tz: ZoneInfo, now: dt.datetime | None = None) -> list[FollowUp]:
    """Every open follow-up, soonest first (for the CLI and the calendar)."""
    return list(_open().order_by(FollowUp.due_at, FollowUp.id))
