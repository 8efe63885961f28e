"""A touch's time is never in the future, on the web or the CLI; a bare weekday is the last one."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from crm import dates
from crm.cli import cli
from crm.models import Activity, Contact, utcnow
from crm.services import activities
from tests.conftest import token

UTC = ZoneInfo("UTC")
# A Wednesday, mid-afternoon.
WED = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)


def person(name="Ada Lovelace") -> Contact:
    from importers.base import name_key

    return Contact.create(full_name=name, name_key=name_key(name))


def test_cli_log_refuses_a_time_in_the_future_like_the_web_form(app, database):
    c = person()
    future = (utcnow() + dt.timedelta(days=30)).date().isoformat()
    result = app.test_cli_runner().invoke(cli, ["log", str(c.id), "--at", future, "--text", "x"])
    assert result.exit_code != 0
    assert "A touch has already happened: pick a time up to now." in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert Activity.select().count() == 0


def test_bare_weekday_for_a_touch_is_the_most_recent_one():
    def touch(text):
        return activities.parse_touch_time(text, WED, UTC).replace(tzinfo=None)

    assert touch("mon 10:30") == dt.datetime(2026, 11, 23, 10, 30)
    assert touch("fri") == dt.datetime(2026, 11, 20, 12, 0)
    assert touch("friday 2pm") == dt.datetime(2026, 11, 20, 14, 0)
    # Today counts when the moment has passed, not when it is still to come.
    assert touch("wed 9am") == dt.datetime(2026, 11, 25, 9, 0)
    assert touch("wed") == dt.datetime(2026, 11, 25, 12, 0)
    assert touch("wed 6pm") == dt.datetime(2026, 11, 18, 18, 0)


def test_follow_ups_keep_reading_a_bare_weekday_as_the_next_one():
    assert dates.parse_when("mon", WED, UTC).local.date() == dt.date(2026, 11, 30)
    assert dates.parse_when("wed", WED, UTC).local.date() == dt.date(2026, 12, 2)


def test_cli_log_accepts_a_bare_weekday(app, database):
    c = person()
    result = app.test_cli_runner().invoke(cli, ["log", str(c.id), "--at", "mon 10:30", "--text", "hi"])
    assert result.exit_code == 0, result.output
    activity = Activity.get()
    assert activity.occurred_at <= utcnow()
    assert activity.occurred_at.weekday() == 0 and activity.occurred_at.time() == dt.time(10, 30)


def test_web_log_a_touch_accepts_the_readme_weekday_example(client, database):
    c = person("Weekday Target")
    response = client.post(
        "/stream/touches",
        data={"csrf_token": token(client), "contact_id": c.id, "kind": "call", "when": "fri",
              "text": "Friday call"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 200, response.get_data(as_text=True)
    activity = Activity.get(Activity.body == "Friday call")
    assert activity.occurred_at <= utcnow() and activity.occurred_at.weekday() == 4
    assert utcnow() - activity.occurred_at < dt.timedelta(days=7)
