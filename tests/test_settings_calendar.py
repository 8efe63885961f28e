"""Settings' calendar feed: a new private address is made only after the owner confirms."""

from __future__ import annotations

from crm.services import settings
from tests.conftest import soup, token


def _calendar_form(client):
    return soup(client.get("/settings/")).select_one('form[action="/settings/calendar"]')


def test_making_a_new_calendar_address_asks_first_and_says_subscriptions_stop(client, database):
    first = _calendar_form(client)
    assert not first.has_attr("data-confirm")  # the first address replaces nothing: no question
    client.post("/settings/calendar", data={"csrf_token": token(client)})
    old = settings.calendar_token(create=False)
    assert old

    form = _calendar_form(client)
    question = form.get("data-confirm", "")
    assert "Calendars subscribed to the old address will stop updating" in question
    assert form.select_one("button[type=submit]") is not None  # a real button: Enter and Space work

    # Confirmed, the old address stops answering and the new one works.
    assert client.post("/settings/calendar", data={"csrf_token": token(client)}).status_code == 303
    new = settings.calendar_token(create=False)
    assert new and new != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
