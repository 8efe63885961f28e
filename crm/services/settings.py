"""Owner settings other services read without Flask: time zone, date order, cadences, feed token."""

from __future__ import annotations

import datetime as dt
import secrets
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from crm.db import write
from crm.models import STAGES, FollowUp, Tag, get_setting, set_setting

DATE_ORDERS = {"mdy": "Month first (12/1 is 1 December)", "dmy": "Day first (1/12 is 1 December)"}


def owner_zone(fallback: str = "UTC") -> ZoneInfo:
    """The owner's zone from settings, else `fallback` (the CRM_TIMEZONE the caller knows)."""
    name = get_setting("timezone") or fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback)


def dayfirst() -> bool:
    """True when the owner writes dates day-first (1/12 = 1 December)."""
    return get_setting("date_order", "mdy") == "dmy"


def stage_cadences() -> dict[str, int]:
    """Cadence in days per stage (only the stages that have one)."""
    stored = get_setting("stage_cadences", {}) or {}
    return {stage: int(days) for stage, days in stored.items() if stage in STAGES and days}


def tag_cadences() -> list[Tag]:
    """Every tag with its cadence, by name."""
    return list(Tag.select().order_by(Tag.name))


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def known_zone(typed: str) -> str:
    """The zone as typed if known, else the known zone of that name in another case
    ("america/los_angeles"), else as typed (valid_zone then says no)."""
    if valid_zone(typed):
        return typed
    return _zones_by_lower_name().get(typed.lower(), typed)


def valid_zone(name: str) -> bool:
    """True for a known IANA time zone name."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return bool(name)


def save_general(timezone: str, date_order: str, *, previous: ZoneInfo) -> None:
    """Store the owner's time zone and date order (validated by the caller). A new zone keeps
    every date-only follow-up on its day: each is stored as a local time of its day in the
    `previous` zone (midnight, or the morning a snooze picked), so it moves to that local time of
    the same day in the new zone. Then scores are recomputed for the new days."""
    from crm.services import derived

    zone = ZoneInfo(timezone)
    with write():
        set_setting("timezone", timezone)
        set_setting("date_order", date_order if date_order in DATE_ORDERS else "mdy")
        if zone.key != previous.key:
            _keep_whole_days(previous, zone)
    if zone.key != previous.key:
        derived.refresh_all(tz=zone)


def _keep_whole_days(old: ZoneInfo, new: ZoneInfo) -> None:
    def moved(at: dt.datetime) -> dt.datetime:
        wall = at.replace(tzinfo=dt.UTC).astimezone(old).replace(tzinfo=new)
        return wall.astimezone(dt.UTC).replace(tzinfo=None)

    for followup in FollowUp.select().where(FollowUp.all_day == True):  # noqa: E712 (SQL)
        if followup.snoozed_until == followup.due_at:
            followup.snoozed_until = moved(followup.due_at)
        followup.due_at = moved(followup.due_at)
        followup.save(only=[FollowUp.due_at, FollowUp.snoozed_until])


def save_cadences(tags: dict[int, int | None], stages: dict[str, int | None]) -> None:
    """Store tag and stage cadences, then recompute every contact's clock and score."""
    from crm.services import derived

    with write():
        for tag_id, days in tags.items():
            Tag.update(cadence_days=days).where(Tag.id == tag_id).execute()
        set_setting("stage_cadences", {s: d for s, d in stages.items() if s in STAGES and d})
    derived.refresh_all(tz=owner_zone())


def calendar_token(create: bool = True) -> str | None:
    """The calendar feed's secret token (made on first use)."""
    token = get_setting("calendar_token")
    if token is None and create:
        token = regenerate_calendar_token()
    return token


def regenerate_calendar_token() -> str:
    """A new secret for the calendar feed; the old URL stops working."""
    token = secrets.token_urlsafe(24)
    with write():
        set_setting("calendar_token", token)
    return token
