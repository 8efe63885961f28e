"""`crm log`, `crm followup add` and `crm followups`: the stream and follow-ups from a shell."""

from __future__ import annotations

import datetime as dt
import json

import click
from flask import current_app

from crm import dates
from crm.cli import fail, needs_db
from crm.models import TOUCH_KINDS, utcnow


def _tz():
    from crm.services.settings import owner_zone

    return owner_zone(current_app.config["CRM"]["TIMEZONE"])


@click.command("log")
@click.argument("contact_id", type=int)
@click.option(
    "--kind", type=click.Choice(TOUCH_KINDS), default="note", show_default=True, help="Kind of touch."
)
@click.option("--text", default="", help="What happened.")
@click.option("--at", "when", default="now", show_default=True, help='When, e.g. "yesterday 3pm".')
@click.option("--direction", type=click.Choice(["in", "out"]), default=None, help="Who reached out.")
@needs_db
def log(contact_id, kind, text, when, direction):
    """Log a touch on a contact (restarts its keep-in-touch clock)."""
    from crm.services import activities
    from crm.services.settings import dayfirst

    try:
        at = activities.parse_touch_time(when, utcnow().replace(tzinfo=dt.UTC), _tz(), dayfirst=dayfirst())
        activity = activities.log_touch([contact_id], kind, text, occurred_at=at, direction=direction)
    except (dates.DateParseError, activities.ActivityError) as exc:
        fail(str(exc))
    click.echo(f"Logged {kind} #{activity.id} on contact {contact_id}.")


@click.group("followup")
def followup():
    """Add follow-ups."""


@followup.command("add")
@click.argument("contact_id", type=int)
@click.argument("title")
@click.option("--due", required=True, help='Natural due date: "next friday", "in 2 weeks", "2026-12-01".')
@click.option("--every", default=None, help='Repeat: "2 weeks", "month", "week on fri", "month on 31".')
@needs_db
def followup_add(contact_id, title, due, every):
    """Add a follow-up on a contact, due at a natural date, optionally repeating."""
    from crm.services import followups
    from crm.services.settings import dayfirst

    try:
        rule = _rule(every) if every else None
        item = followups.create_followup(contact_id, title, due, _tz(), rrule=rule, dayfirst=dayfirst())
    except (dates.DateParseError, followups.FollowUpError) as exc:
        fail(str(exc))
    words = dates.describe(item.due_at.replace(tzinfo=dt.UTC), _tz(), utcnow().replace(tzinfo=dt.UTC))
    click.echo(f"Follow-up #{item.id} '{item.title}' due {words}.")


def _rule(text: str) -> str:
    """'2 weeks' / 'week on fri' / 'month on 31' as an RRULE."""
    words = text.lower().replace("every", "").split()
    n = int(words.pop(0)) if words and words[0].isdigit() else 1
    if not words:
        raise dates.DateParseError("Repeat every what? e.g. --every '2 weeks'.")
    unit = words.pop(0).rstrip("s")
    weekday = monthday = None
    if len(words) >= 2 and words[0] == "on":
        target = words[1]
        if target.lstrip("-").isdigit():
            monthday = int(target)
        else:
            names = [d.lower()[:3] for d in dates.WEEKDAY_NAMES]
            if target[:3] not in names:
                raise dates.DateParseError(f"Unknown weekday “{target}”.")
            weekday = names.index(target[:3])
    return dates.make_rrule(n, unit, weekday=weekday, monthday=monthday)


@click.command("followups")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@needs_db
def followups_list(as_json):
    """List open follow-ups, soonest first."""
    from crm.services import followups

    tz = _tz()
    items = followups.list_open(tz)
    rows = [
        {
            "id": f.id,
            "contact_id": f.contact_id,
            "contact": f.contact.full_name if f.contact_id else None,
            "title": f.title,
            "due_at": f.due_at.replace(tzinfo=dt.UTC).isoformat(),
            "due_local": f.due_at.replace(tzinfo=dt.UTC).astimezone(tz).isoformat(),
            "all_day": f.all_day,
            "rrule": f.rrule,
        }
        for f in items
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No open follow-ups.")
    for row in rows:
        who = f" ({row['contact']})" if row["contact"] else ""
        # an all-day follow-up has a date, not a time: "00:00" was invented
        due = row["due_local"][:10] + " " * 6 if row["all_day"] else row["due_local"][:16].replace("T", " ")
        click.echo(f"#{row['id']:<5} {due}  {row['title']}{who}")


COMMANDS = [log, followup, followups_list]
