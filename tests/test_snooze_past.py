"""A follow-up cannot be snoozed to a moment that has already passed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from crm import dates
from crm.models import Contact, FollowUp
from crm.services import followups
from tests.conftest import soup, token

UTC = ZoneInfo("UTC")


def person(name="Snooze Person") -> Contact:
    return Contact.create(full_name=name, name_key=name.lower())


def test_snoozing_to_yesterday_is_refused_next_to_the_field(client, database):
    fu = followups.create_followup(person().id, "Call back", "tomorrow", UTC)
    before = FollowUp.get_by_id(fu.id).due_at
    bad = client.post(
        f"/followups/{fu.id}/snooze",
        data={"csrf_token": token(client), "preset": "date", "date": "yesterday"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422
    assert "already past" in soup(bad).select_one(".when-preview.error").get_text()
    after = FollowUp.get_by_id(fu.id)
    assert after.due_at == before and after.snoozed_until is None


def test_snooze_service_refuses_a_past_time_today_but_takes_today_and_later(database):
    now = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)
    fu = followups.create_followup(person().id, "Call back", "tomorrow", UTC, now=now)
    with pytest.raises(dates.DateParseError):
        followups.snooze_followup(fu, "date", UTC, date_text="today 9am", now=now)
    with pytest.raises(dates.DateParseError):
        followups.snooze_followup(fu, "date", UTC, date_text="2026-11-01", now=now)
    followups.snooze_followup(fu, "date", UTC, date_text="today 5pm", now=now)
    assert FollowUp.get_by_id(fu.id).due_at == dt.datetime(2026, 11, 25, 17, 0)
    followups.snooze_followup(fu, "date", UTC, date_text="2026-12-01", now=now)
    assert FollowUp.get_by_id(fu.id).due_at.date() == dt.date(2026, 12, 1)
