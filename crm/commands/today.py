"""`crm today`, `crm signal add` and `crm rescore`: the ranked list and its inputs from a shell."""

from __future__ import annotations

import datetime as dt
import json
import time

import click
from flask import current_app

from crm.cli import fail, needs_db
from crm.scoring import SIGNAL_KINDS


def _tz():
    from crm.services.settings import owner_zone

    return owner_zone(current_app.config["CRM"]["TIMEZONE"])


@click.command("today")
@click.option("--date", "day", default=None, help="Evaluate as of this day (YYYY-MM-DD), 08:00 your time.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=None, help="How many (default: daily goal).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@needs_db
def today(day, limit, as_json):
    """Who to contact today, best first, with the reasons and their points."""
    from crm.services import today as service

    tz = _tz()
    limit = limit or service.daily_goal()
    if day:
        try:
            when = service.morning(dt.date.fromisoformat(day), tz)
        except ValueError:
            fail(f"--date wants YYYY-MM-DD, not {day!r}.")
        rows = service.ranked_as_of(tz, when, limit)
    else:
        from crm.services import derived

        derived.refresh_if_new_day(tz=tz)  # as the Today page: scores as of the owner's today
        rows = service.ranked_now(tz, limit)
    out = [
        {
            "contact_id": r.contact_id,
            "name": r.name,
            "linkedin_url": r.linkedin_url,
            "score": r.score,
            "reasons": [{"code": x["code"], "text": x["text"], "points": x["points"]} for x in r.reasons],
        }
        for r in rows
    ]
    if as_json:
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    if not out:
        click.echo("Nobody to contact: you're all caught up.")
    for n, row in enumerate(out, 1):
        click.echo(f"{n:>2}. {row['name']}  (#{row['contact_id']}, score {row['score']:g})")
        for reason in row["reasons"]:
            click.echo(f"      {reason['points']:>+6.1f}  {reason['text']}")


@click.group("signal")
def signal():
    """Record buying and relationship signals."""


OWNER_KINDS = [kind for kind, spec in SIGNAL_KINDS.items() if spec.owner_recorded]


@signal.command("add")
@click.argument("contact_id", type=int)
@click.argument("kind", type=click.Choice(OWNER_KINDS))
@click.option("--note", default="", help='What happened, e.g. "Series B, $30M".')
@needs_db
def signal_add(contact_id, kind, note):
    """Record a signal on a contact (it shows in the stream and lifts them on Today)."""
    from crm.services import signals

    try:
        item = signals.record_signal(contact_id, kind, note)
    except signals.SignalError as exc:
        fail(str(exc))
    click.echo(f"Recorded {signals.label_of(kind).lower()} #{item.id} on contact {contact_id}.")


@click.command("rescore")
@needs_db
def rescore():
    """Recompute every contact's score, last touch and next due (run nightly for time decay)."""
    from crm.services import derived

    started = time.perf_counter()
    count = derived.refresh_all(tz=_tz())
    click.echo(f"Rescored {count} contacts in {time.perf_counter() - started:.1f} s.")


COMMANDS = [today, signal, rescore]
