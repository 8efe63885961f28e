"""The private calendar feed: open follow-ups and birthdays as RFC 5545 iCalendar."""

from __future__ import annotations

import datetime as dt
import hmac
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from crm.models import Contact, utcnow
from crm.services import followups
from crm.services.settings import calendar_token

# A timed follow-up shows as a short block in the calendar.
TIMED_MINUTES = 30


def token_matches(candidate: str) -> bool:
    """Compare a URL token with the stored one in constant time."""
    expected = calendar_token(create=False)
    return bool(expected) and hmac.compare_digest(candidate.encode(), expected.encode())


def build_feed(tz: ZoneInfo, host: str = "rapport") -> bytes:
    """The feed as bytes: one event per open follow-up, one yearly event per birthday."""
    cal = Calendar()
    cal.add("prodid", "-//Rapport//Follow-ups and birthdays//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Rapport")
    stamp = utcnow().replace(tzinfo=dt.UTC)
    for item in followups.list_open(tz):
        event = Event()
        event.add("uid", f"followup-{item.id}@{host}")
        event.add("dtstamp", stamp)
        who = f" — {item.contact.full_name}" if item.contact_id else ""
        event.add("summary", f"{item.title}{who}")
        due = item.due_at.replace(tzinfo=dt.UTC)
        if item.all_day:
            day = due.astimezone(tz).date()
            event.add("dtstart", day)
            event.add("dtend", day + dt.timedelta(days=1))
        else:
            event.add("dtstart", due)
            event.add("dtend", due + dt.timedelta(minutes=TIMED_MINUTES))
        cal.add_component(event)
    people = Contact.select(
        Contact.id, Contact.full_name, Contact.birthday_month, Contact.birthday_day
    ).where(
        Contact.deleted_at.is_null(),
        Contact.birthday_month.is_null(False),
        Contact.birthday_day.is_null(False),
    )
    for person in people:
        try:
            # 2000 is a leap year, so 29 February is a valid first occurrence.
            first = dt.date(2000, person.birthday_month, person.birthday_day)
        except ValueError:
            continue
        event = Event()
        event.add("uid", f"birthday-{person.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("summary", f"Birthday: {person.full_name}")
        event.add("dtstart", first)
        event.add("dtend", first + dt.timedelta(days=1))
        event.add("rrule", vRecur(freq="YEARLY"))
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
