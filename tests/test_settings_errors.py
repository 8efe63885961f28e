"""Settings errors show only in their own section; a time zone's case does not matter."""

from __future__ import annotations

from crm.services import settings
from tests.conftest import soup, token

WEIGHTS_SUMMARY = "Some weights are not numbers"


def _today_section(response):
    return soup(response).select_one("form#today").get_text()


def test_a_bad_time_zone_is_not_reported_as_bad_weights(client, database):
    bad = client.post(
        "/settings/general",
        data={"csrf_token": token(client), "timezone": "Mars/Olympus", "date_order": "dmy"},
    )
    assert bad.status_code == 422
    assert "Not a time zone we know" in soup(bad).select_one("#e-timezone").get_text()
    assert WEIGHTS_SUMMARY not in bad.get_data(as_text=True)


def test_a_bad_cadence_is_not_reported_as_bad_weights(client, database):
    bad = client.post("/settings/cadences", data={"csrf_token": token(client), "stage-lead": "abc"})
    assert bad.status_code == 422
    assert "1 to 3650 days" in bad.get_data(as_text=True)
    assert WEIGHTS_SUMMARY not in bad.get_data(as_text=True)


def test_bad_weights_still_get_their_summary(client, database):
    bad = client.post(
        "/settings/today", data={"csrf_token": token(client), "daily_goal": "10", "w-job_change": "lots"}
    )
    assert bad.status_code == 422
    assert WEIGHTS_SUMMARY in _today_section(bad)


def test_time_zone_typed_in_the_wrong_case_is_accepted_and_stored_canonically(client, database):
    response = client.post(
        "/settings/general",
        data={"csrf_token": token(client), "timezone": "america/los_angeles", "date_order": "mdy"},
    )
    assert response.status_code == 303
    assert settings.owner_zone().key == "America/Los_Angeles"
