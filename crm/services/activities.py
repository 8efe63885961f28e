"""Logging touches and other activities on contacts; edit, trash and restore them."""

from __future__ import annotations

import datetime as dt

from crm import dates
from crm.db import write
from crm.models import STAGE_LABELS, TOUCH_KINDS, Activity, ActivityContact, Contact, Signal, utcnow
from crm.services import derived
from crm.services.stream import SHOWN, entry_label

DIRECTIONS = {"": "—", "out": "I reached out", "in": "They reached out"}

# A touch typed as a day without a time ("yesterday") is placed at midday.
TOUCH_DEFAULT_TIME = dt.time(12, 0)
# Clocks drift a little: a touch "now" on a slow machine is not refused as in the future.
TOUCH_FUTURE_GRACE = dt.timedelta(minutes=5)


def parse_touch_time(text: str, now: dt.datetime, tz, *, dayfirst: bool = False) -> dt.datetime:
    """When a touch happened, from what the owner typed, as an aware UTC datetime.

    The one rule for the web form and `crm log`: a bare weekday ("fri", "mon 10:30") is the most
    recent such day, and a moment in the future is refused (raises dates.DateParseError).
    """
    when = dates.parse_when(
        text or "now", now, tz, dayfirst=dayfirst, default_time=TOUCH_DEFAULT_TIME, past=True
    )
    if when.at > now + TOUCH_FUTURE_GRACE:
        raise dates.DateParseError("A touch has already happened: pick a time up to now.")
    return when.at


class ActivityError(ValueError):
    """Input a touch cannot be saved with, keyed by field like a form error."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def summarize(text: str, limit: int = 140) -> str:
    """The first line of a text, cut to fit a one-line summary."""
    first = " ".join((text or "").strip().split("\n", 1)[0].split())
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def _naive(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return utcnow()
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def _check(contact_ids: list[int], kind: str, text: str, direction: str | None) -> None:
    errors = {}
    if kind not in TOUCH_KINDS:
        errors["kind"] = "Pick what kind of touch this was."
    elif kind == "note" and not text.strip():
        errors["text"] = "Write the note first."
    if direction not in (None, "", "in", "out"):
        errors["direction"] = "Direction is in, out or none."
    if not contact_ids:
        errors["contact_id"] = "Pick who this was with."
    elif Contact.select().where(Contact.id.in_(contact_ids), Contact.deleted_at.is_null()).count() != len(
        set(contact_ids)
    ):
        errors["contact_id"] = "That contact no longer exists."
    if errors:
        raise ActivityError(errors)


def log_touch(
    contact_ids: list[int],
    kind: str,
    text: str,
    *,
    occurred_at: dt.datetime | None = None,
    direction: str | None = None,
) -> Activity:
    """Record a touch on one or more contacts and bring their clock and score up to date."""
    _check(contact_ids, kind, text, direction)
    when = _naive(occurred_at)
    with write():
        activity = Activity.create(
            kind=kind,
            occurred_at=when,
            direction=direction or None,
            origin="logged",
            source="manual",
            summary=summarize(text) or entry_label(kind),
            body=text.strip(),
        )
        ActivityContact.insert_many(
            [{"activity": activity.id, "contact": cid, "occurred_at": when} for cid in set(contact_ids)]
        ).execute()
        derived.refresh_contacts(contact_ids)
    return activity


def record_stage_change(contact_id: int, old: str, new: str) -> Activity:
    """Write "Stage: Lead → Customer" in the contact's stream (the caller owns the transaction).

    A system entry, not a touch: the activity_touch rule gives its link no touch, so the
    contact's last touch, cadence clock and score do not move because of it.
    """
    now = utcnow()
    activity = Activity.create(
        kind="stage_change",
        occurred_at=now,
        origin="system",
        source="stage",
        summary=f"Stage: {STAGE_LABELS.get(old, old)} → {STAGE_LABELS.get(new, new)}",
    )
    ActivityContact.create(activity=activity, contact=contact_id, occurred_at=now)
    return activity


def get_activity(activity_id: int, *, include_deleted: bool = False) -> Activity | None:
    """An activity by id (None when missing, in the trash, or about trashed contacts only: such
    an entry waits with them, gone from the Stream and from its own address alike)."""
    sql = f"SELECT a.* FROM activity a WHERE a.id = ? AND {SHOWN}"
    if not include_deleted:
        sql += " AND a.deleted_at IS NULL"
    return next(iter(Activity.raw(sql, activity_id)), None)


def update_activity(
    activity: Activity,
    *,
    kind: str,
    text: str,
    occurred_at: dt.datetime | None,
    direction: str | None,
) -> Activity:
    """Save an edited activity (imported ones keep their kind) and refresh its contacts."""
    contact_ids = derived.contacts_of_activity(activity.id)
    if activity.origin == "logged":
        _check(contact_ids, kind, text, direction)
        activity.kind = kind
        activity.direction = direction or None
    when = _naive(occurred_at) if occurred_at else activity.occurred_at
    with write():
        activity.occurred_at = when
        activity.body = text.strip()
        activity.summary = summarize(text) or entry_label(activity.kind)
        activity.updated_at = utcnow()
        activity.save()
        ActivityContact.update(occurred_at=when).where(ActivityContact.activity == activity).execute()
        derived.refresh_contacts(contact_ids)
    return activity


def delete_activity(activity: Activity) -> None:
    """Move an activity to the trash; the contacts' clocks forget it, and a signal's entry takes
    its signal along (dismissed at the same moment, so a restore knows what it dismissed)."""
    with write():
        activity.deleted_at = utcnow()
        activity.save()
        Signal.update(dismissed_at=activity.deleted_at).where(
            Signal.activity == activity, Signal.dismissed_at.is_null()
        ).execute()
        derived.refresh_contacts(derived.contacts_of_activity(activity.id))


def restore_activity(activity: Activity) -> None:
    """Bring an activity back from the trash, with the signals its deletion dismissed."""
    with write():
        Signal.update(dismissed_at=None).where(
            Signal.activity == activity, Signal.dismissed_at == activity.deleted_at
        ).execute()
        activity.deleted_at = None
        activity.save()
        derived.refresh_contacts(derived.contacts_of_activity(activity.id))
