"""Logging touches and other activities on contacts."""

from __future__ import annotations

import datetime as dt

from crm.db import write
from crm.models import TOUCH_KINDS, Activity, ActivityContact, Contact, utcnow


def summarize(text: str, limit: int = 140) -> str:
    """The first line of a text, cut to fit a one-line summary."""
    first = " ".join((text or "").strip().split("\n", 1)[0].split())
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def log_touch(
    contact_ids: list[int],
    kind: str,
    text: str,
    *,
    occurred_at: dt.datetime | None = None,
    direction: str | None = None,
) -> Activity:
    """Record a touch on one or more contacts and move their last-touch time forward."""
    if kind not in TOUCH_KINDS:
        raise ValueError(f"Unknown kind of touch: {kind}")
    when = occurred_at or utcnow()
    with write():
        activity = Activity.create(
            kind=kind,
            occurred_at=when,
            direction=direction,
            origin="logged",
            source="manual",
            summary=summarize(text) or kind.capitalize(),
            body=text.strip(),
        )
        for contact_id in contact_ids:
            ActivityContact.create(activity=activity, contact=contact_id, occurred_at=when)
        (
            Contact.update(last_touch_at=when, updated_at=utcnow())
            .where(
                Contact.id.in_(contact_ids),
                Contact.last_touch_at.is_null() | (Contact.last_touch_at < when),
            )
            .execute()
        )
    return activity
