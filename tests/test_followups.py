"""Follow-ups through the HTTP endpoints and the service: create, preview, snooze, done, repeat."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from crm.models import Activity, Contact, FollowUp, utcnow
from crm.services import followups
from tests.conftest import soup, token

BERLIN = ZoneInfo("Europe/Berlin")


def person(name="Fu Person") -> Contact:
    return Contact.create(full_name=name, name_key=name.lower())


def test_preview_echoes_the_date_and_rejects_nonsense(client, database):
    ok = client.get("/followups/preview", query_string={"due": "2026-12-01"})
    assert ok.status_code == 200 and "Tue 1 Dec" in ok.get_data(as_text=True)
    bad = client.get("/followups/preview", query_string={"due": "someday maybe"})
    assert bad.status_code == 422 and soup(bad).select_one(".when-preview.error")


def test_create_unparseable_is_422_with_text_kept(client, database):
    c = person()
    response = client.post(
        "/followups/",
        data={
            "csrf_token": token(client),
            "contact_id": c.id,
            "title": "Send pricing",
            "due": "whenever-ish",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("input[name=due]")["value"] == "whenever-ish"
    assert page.select_one("input[name=title]")["value"] == "Send pricing"
    assert FollowUp.select().count() == 0


def test_a_refused_follow_up_keeps_the_contact_picked_on_the_follow_ups_page(client, database):
    """The page's "With" box: after a due date that cannot be read the form came back with the
    name typed but no contact picked, so the corrected follow-up was saved with nobody."""
    c = person("Matteo Rossi")
    typed = {"csrf_token": token(client), "contact_q": "Matteo Rossi", "title": "Send deck"}
    response = client.post(
        "/followups/",
        data={**typed, "contact_id": c.id, "due": "whenever-ish"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#fu-contact")["value"] == "Matteo Rossi"
    choices = page.select("#fu-matches input[name=contact_id]")
    assert [(p["value"], p.has_attr("checked")) for p in choices] == [(str(c.id), True)]
    # the corrected form sends what it holds
    client.post(
        "/followups/",
        data={**typed, "contact_id": choices[0]["value"], "due": "tomorrow"},
        headers={"HX-Request": "true"},
    )
    assert [(f.contact_id, f.title) for f in FollowUp.select()] == [(c.id, "Send deck")]


def test_create_with_weekly_repeat_then_done_schedules_the_next(client, database):
    c = person()
    csrf = token(client)
    response = client.post(
        "/followups/",
        data={"csrf_token": csrf, "contact_id": c.id, "title": "Weekly update",
              "due": "2026-01-02 9am", "repeat": "week", "every": "1", "weekday": "4"},
    )  # fmt: skip
    assert response.status_code == 303
    fu = FollowUp.get(FollowUp.title == "Weekly update")
    assert fu.rrule == "FREQ=WEEKLY;INTERVAL=1;BYDAY=FR" and not fu.all_day
    assert client.post(f"/followups/{fu.id}/done", data={"csrf_token": csrf}).status_code == 303
    done = FollowUp.get_by_id(fu.id)
    assert done.done_at is not None
    log = Activity.get_by_id(done.done_activity_id)
    assert (log.kind, log.origin) == ("followup_done", "system")
    following = FollowUp.get(FollowUp.done_at.is_null(), FollowUp.title == "Weekly update")
    assert following.due_at.weekday() == 4 and following.due_at > utcnow() - dt.timedelta(days=1)
    assert following.due_at.time() == dt.time(9, 0)


def test_monthly_on_the_31st_keeps_to_month_ends_in_the_service(database):
    now = dt.datetime(2026, 1, 31, 10, tzinfo=dt.UTC)
    fu = followups.create_followup(
        None, "Invoice", "2026-01-31", BERLIN, rrule="FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=31", now=now
    )
    nxt = followups.complete_followup(fu, BERLIN, now=now)
    local = nxt.due_at.replace(tzinfo=dt.UTC).astimezone(BERLIN)
    assert local.date() == dt.date(2026, 2, 28)


def test_snooze_presets_and_picked_date(client, database):
    c = person()
    fu = followups.create_followup(c.id, "Call back", "yesterday", ZoneInfo("UTC"))
    csrf = token(client)
    assert (
        client.post(f"/followups/{fu.id}/snooze", data={"csrf_token": csrf, "preset": "tomorrow"}).status_code
        == 303
    )
    snoozed = FollowUp.get_by_id(fu.id)
    assert snoozed.due_at == dt.datetime.combine(utcnow().date() + dt.timedelta(days=1), dt.time(9))
    assert snoozed.snoozed_until == snoozed.due_at
    client.post(
        f"/followups/{fu.id}/snooze", data={"csrf_token": csrf, "preset": "date", "date": "2027-03-04"}
    )
    assert FollowUp.get_by_id(fu.id).due_at.date() == dt.date(2027, 3, 4)
    bad = client.post(
        f"/followups/{fu.id}/snooze",
        data={"csrf_token": csrf, "preset": "date", "date": "nope"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422


def test_sections_use_the_owners_today_and_nav_counts(client, database):
    c = person()
    tz = ZoneInfo("UTC")
    followups.create_followup(c.id, "Late", "3 days ago", tz)
    followups.create_followup(c.id, "Now", "today", tz)
    followups.create_followup(c.id, "Later", "in 5 days", tz)
    page = soup(client.get("/followups/"))

    def titles(key):
        return [
            p.get_text(" ", strip=True).split(" ")[0] for p in page.select(f".section-{key} .followup-title")
        ]  # noqa: E731

    assert titles("overdue") == ["Late"] and titles("today") == ["Now"] and titles("upcoming") == ["Later"]
    nav = page.select_one('.mainnav a[href="/followups/"] .count')
    assert nav.get_text() == "2"


def test_owner_today_differs_from_server_today(database):
    # 23:30 UTC on 1 March is already 2 March in Tokyo: a follow-up due 2 March is "today" there.
    tokyo = ZoneInfo("Asia/Tokyo")
    now = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    followups.create_followup(None, "Tokyo", "2026-03-02", tokyo, now=now)
    sections = followups.sections(tokyo, now=now)
    assert [f.title for f in sections.today] == ["Tokyo"]
    assert followups.due_count(tokyo, now=now) == 1


def test_contact_page_shows_followups_and_rhythm(client, database):
    c = person("Panel Person")
    followups.create_followup(c.id, "Send the deck", "tomorrow", ZoneInfo("UTC"))
    page = soup(client.get(f"/contacts/{c.id}"))
    assert "Send the deck" in page.select_one("#contact-followups").get_text()
    assert page.select_one("#contact-rhythm") is not None


def test_crm_followups_prints_a_date_without_an_invented_time(app, database):
    """Found by QA: a date-only follow-up printed as "00:00" (or "04:00" in another zone)."""
    from crm.cli import cli
    from crm.forms import ContactInput
    from crm.services import contacts

    ann = contacts.create_contact(ContactInput(first_name="Ann", last_name="Lee"))
    day = followups.create_followup(ann.id, "Send deck", "2030-05-17", ZoneInfo("UTC"))
    timed = followups.create_followup(ann.id, "Call", "2030-05-18 14:30", ZoneInfo("UTC"))
    out = app.test_cli_runner().invoke(cli, ["followups"]).output.splitlines()
    assert out == [
        f"#{day.id:<5} 2030-05-17        Send deck (Ann Lee)",
        f"#{timed.id:<5} 2030-05-18 14:30  Call (Ann Lee)",
    ]


def test_a_daily_cadence_reads_every_day(client, database):
    from crm.forms import ContactInput
    from crm.services import contacts

    ann = contacts.create_contact(ContactInput(first_name="Ann", last_name="Lee", cadence_days=1))
    cadence = soup(client.get(f"/contacts/{ann.id}")).find("dt", string="Cadence").find_next("dd")
    assert cadence.get_text(" ", strip=True).startswith("Every day (set on this contact)")


def test_changing_time_zone_keeps_date_only_followups_on_their_day(client, database):
    """Before the owner set a zone (CRM_TIMEZONE is UTC here) a follow-up for 1 December is
    midnight UTC: read in New York that is 30 November. Choosing New York moves it to New York's
    midnight of 1 December (and a snoozed one to 9:00 of its day there); one with a time keeps its
    moment."""
    c = person()
    csrf = token(client)
    for title, due in (
        ("Send pricing", "2026-12-01"),
        ("Call at nine", "2026-12-01 9am"),
        ("Chase", "2026-12-02"),
    ):
        form = {"csrf_token": csrf, "contact_id": c.id, "title": title, "due": due}
        assert client.post("/followups/", data=form).status_code == 303
    whole, timed, snoozed = (
        FollowUp.get(FollowUp.title == t) for t in ("Send pricing", "Call at nine", "Chase")
    )
    now = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    followups.snooze_followup(snoozed, "date", ZoneInfo("UTC"), date_text="2026-12-03", now=now)
    assert FollowUp.get_by_id(snoozed.id).due_at == dt.datetime(2026, 12, 3, 9, 0)

    def zone(name, order="mdy"):
        form = {"csrf_token": csrf, "timezone": name, "date_order": order}
        assert client.post("/settings/general", data=form).status_code == 303
        return [FollowUp.get_by_id(f.id) for f in (whole, timed, snoozed)]

    whole, timed, snoozed = zone("America/New_York")
    assert whole.due_at == dt.datetime(2026, 12, 1, 5, 0) and whole.all_day
    assert timed.due_at == dt.datetime(2026, 12, 1, 9, 0) and not timed.all_day
    assert snoozed.due_at == snoozed.snoozed_until == dt.datetime(2026, 12, 3, 14, 0)
    page = client.get("/followups/").get_data(as_text=True)
    assert "Tue 1 Dec" in page and "Thu 3 Dec" in page and "Mon 30 Nov" not in page

    whole, timed, snoozed = zone("Asia/Tokyo")
    assert whole.due_at == dt.datetime(2026, 11, 30, 15, 0)  # 1 December 00:00 in Tokyo
    assert snoozed.due_at == dt.datetime(2026, 12, 3, 0, 0)  # 3 December 09:00 in Tokyo
    assert timed.due_at == dt.datetime(2026, 12, 1, 9, 0)
    assert zone("Asia/Tokyo", "dmy")[0].due_at == dt.datetime(2026, 11, 30, 15, 0)  # same zone: unchanged
