"""Today through the real app: signals, snooze, follow-ups, the goal, weights, the brief, the CLI."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from crm.cli import cli
from crm.db import db
from crm.forms import ContactInput
from crm.models import Activity, Contact, FollowUp, Signal, utcnow
from crm.services import contacts, derived, followups, signals
from crm.services import today as service
from tests.conftest import soup, token
from tests.querycount import count_queries

UTC = ZoneInfo("UTC")
HX = {"HX-Request": "true"}


def make(first, last="Doe", *, company="Globex", title="CMO", linkedin=None, stage="lead", **extra):
    contact = contacts.create_contact(
        ContactInput(first_name=first, last_name=last, company=company, title=title, linkedin_url=linkedin,
                     stage=stage)
    )  # fmt: skip
    if extra:
        Contact.update(**extra).where(Contact.id == contact.id).execute()
        derived.refresh_contacts([contact.id])
    return Contact.get_by_id(contact.id)


def job_change(contact_id, when, details=None):
    """A job change as the LinkedIn import stores it."""
    Signal.create(contact=contact_id, kind="job_change", weight=40, half_life_days=30, observed_at=when,
                  details=details or {})  # fmt: skip
    derived.refresh_contacts([contact_id])


def overdue(contact, title="Send pricing", days=2):
    return followups.create_followup(contact.id, title, f"{days} days ago", UTC)


def rows(response):
    return [li.select_one(".name").get_text(strip=True) for li in soup(response).select(".today-row")]


def done_names(response):
    return [li.select_one(".name").get_text(strip=True) for li in soup(response).select(".done-row")]


def progress_text(response):
    return " ".join(soup(response).select_one("#today-progress").get_text(" ").split())


def post(client, url, data=None, htmx=True):
    return client.post(url, data={"csrf_token": token(client), **(data or {})}, headers=HX if htmx else {})


def test_empty_database_explains_what_to_import(client):
    page = soup(client.get("/"))
    empty = page.select_one(".today-empty")
    assert empty is not None and "Import your LinkedIn export" in empty.get_text()
    assert page.select_one("a[href='/imports']") is not None


def test_contacts_but_nobody_due_says_all_caught_up(client, database):
    make("Ann")
    response = client.get("/")
    assert rows(response) == []
    caught = soup(response).select_one(".today-caught-up")
    assert "all caught up" in caught.get_text() and "follow-up comes due" in caught.get_text()


def test_today_lists_people_by_score_with_reasons_and_actions(client, database):
    calm = make("Calm")
    late = make("Late", linkedin="https://www.linkedin.com/in/late-doe")
    overdue(late, days=5)
    hot = make("Hot")
    signals.record_signal(hot.id, "pricing_request", "25 seats")
    overdue(hot, "Call back", days=1)
    response = client.get("/")
    assert rows(response) == ["Hot Doe", "Late Doe"]
    assert calm.full_name not in rows(response)
    row = soup(response).select_one(f"#today-row-{late.id}")
    reasons = [r.get_text(" ", strip=True) for r in row.select(".reason")]
    assert any("Follow-up 'Send pricing' overdue by 5 days" in r and r.startswith("+40") for r in reasons)
    link = row.select_one("a[target=_blank]")
    assert link["href"] == "https://www.linkedin.com/in/late-doe"
    assert link["rel"] == ["noopener", "noreferrer"]
    assert row.select_one(f"a[href='/contacts/{late.id}/brief']") is not None
    assert row.select_one("[data-snooze-day]") is not None


def test_recording_and_dismissing_a_signal_changes_score_and_today(client, database):
    ann = make("Ann")
    bob = make("Bob")
    followups.create_followup(bob.id, "Say hi", "today", UTC)  # 25 points
    assert rows(client.get("/")) == ["Bob Doe"]
    response = post(client, f"/contacts/{ann.id}/signals", {"kind": "funding_round", "note": "Series B"})
    assert response.status_code == 200
    assert "Raised a funding round: Series B" in soup(response).select_one("#contact-signals").get_text()
    ann = Contact.get_by_id(ann.id)
    assert ann.score == 30.0 and ann.score_reasons[0]["code"] == "custom_signal"
    assert rows(client.get("/")) == ["Ann Doe", "Bob Doe"]
    stream = Activity.select().where(Activity.kind == "signal").get()
    assert stream.origin == "system" and "Series B" in stream.summary
    assert "Raised a funding round: Series B" in client.get("/stream/").get_data(as_text=True)
    signal = Signal.get()
    response = post(client, f"/today/{ann.id}/signals/{signal.id}/dismiss")
    assert response.status_code == 200 and response.headers["HX-Retarget"] == "#today-board"
    assert rows(response) == ["Bob Doe"]  # the board as a reload shows it, without her
    assert "today-changed" in response.headers["HX-Trigger-After-Swap"]
    assert Contact.get_by_id(ann.id).score == 0
    assert rows(client.get("/")) == ["Bob Doe"]
    post(client, f"/contacts/{ann.id}/signals/{signal.id}/restore")
    assert Contact.get_by_id(ann.id).score == 30.0


def test_an_unknown_signal_kind_is_refused_with_422(client, database):
    ann = make("Ann")
    response = post(client, f"/contacts/{ann.id}/signals", {"kind": "job_change", "note": "keep me"})
    assert response.status_code == 422
    assert soup(response).select_one("#signal-note")["value"] == "keep me"
    assert Signal.select().count() == 0


def test_signals_decay_through_the_services(database):
    ann = make("Ann")
    now = utcnow().replace(tzinfo=dt.UTC)
    signals.record_signal(ann.id, "funding_round", observed_at=now - dt.timedelta(days=30), now=now)
    assert Contact.get_by_id(ann.id).score == 15.0  # one half-life: half of 30
    derived.refresh_contacts([ann.id], now=now + dt.timedelta(days=30))
    assert Contact.get_by_id(ann.id).score == 7.5
    derived.refresh_contacts([ann.id], now=now + dt.timedelta(days=300))
    assert Contact.get_by_id(ann.id).score == 0


def test_owner_weights_apply_to_stored_signals(client, database):
    ann = make("Ann")
    signals.record_signal(ann.id, "hiring")
    assert Contact.get_by_id(ann.id).score == 15.0
    response = client.post(
        "/settings/today", data={"csrf_token": token(client), "daily_goal": "10", "w-hiring": "50"}
    )
    assert response.status_code == 303
    assert Contact.get_by_id(ann.id).score == 50.0


def test_weights_override_changes_the_ranking(client, database):
    ann = make("Ann")
    bob = make("Bob")
    signals.record_signal(ann.id, "pricing_request")  # 45
    signals.record_signal(bob.id, "event_met")  # 20
    assert rows(client.get("/")) == ["Ann Doe", "Bob Doe"]
    client.post(
        "/settings/today",
        data={"csrf_token": token(client), "daily_goal": "10", "w-pricing_request": "5", "w-event_met": "60"},
    )
    assert rows(client.get("/")) == ["Bob Doe", "Ann Doe"]
    page = soup(client.get("/settings/"))
    assert page.select_one("#w-event_met")["value"] == "60"
    assert page.select_one("#w-hiring")["placeholder"] == "15"
    assert "Points for a request for pricing" in page.get_text()
    client.post("/settings/today", data={"csrf_token": token(client), "daily_goal": "10", "reset": "1"})
    assert rows(client.get("/")) == ["Ann Doe", "Bob Doe"]


def test_bad_weight_is_refused_with_422_and_the_input_kept(client, database):
    response = client.post(
        "/settings/today",
        data={"csrf_token": token(client), "daily_goal": "0", "w-job_change": "lots", "w-hiring": "22"},
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#w-job_change")["value"] == "lots"
    assert page.select_one("#w-job_change")["aria-invalid"] == "true"
    assert page.select_one("#w-hiring")["value"] == "22"
    assert page.select_one("#e-daily-goal") is not None
    assert service.daily_goal() == 10


def test_daily_goal_limits_the_list(client, database):
    for i in range(5):
        overdue(make(f"P{i}"), days=i + 1)
    client.post("/settings/today", data={"csrf_token": token(client), "daily_goal": "3"})
    response = client.get("/")
    assert len(rows(response)) == 3
    assert progress_text(response).startswith("0 of 3 done today")


def test_logging_a_touch_moves_the_row_to_done_and_moves_the_goal(client, database):
    ann = make("Ann")
    overdue(ann)
    bob = make("Bob")
    overdue(bob, days=1)
    assert progress_text(client.get("/")).startswith("0 of 10")
    response = post(client, f"/today/{ann.id}/touch", {"kind": "call", "text": "Talked budget"})
    assert response.status_code == 200
    assert "today-changed" in json.loads(response.headers["HX-Trigger"])
    oob = soup(response).select_one("[hx-swap-oob]")
    assert oob["hx-swap-oob"] == "afterbegin:#today-done-list"
    assert oob.select_one(f"#done-row-{ann.id}") is not None
    assert "Called: Talked budget" in oob.get_text()
    assert progress_text(client.get("/today/progress", headers=HX)).startswith("1 of 10")
    page = client.get("/")
    assert rows(page) == ["Bob Doe"]
    assert done_names(page) == ["Ann Doe"]


def test_a_touch_without_a_note_is_fine_but_an_empty_note_kind_is_422(client, database):
    ann = make("Ann")
    overdue(ann)
    response = post(client, f"/today/{ann.id}/touch", {"kind": "note", "text": ""})
    assert response.status_code == 422
    assert soup(response).select_one(f"#today-row-{ann.id} details[open]") is not None
    assert post(client, f"/today/{ann.id}/touch", {"kind": "message"}).status_code == 200
    assert done_names(client.get("/")) == ["Ann Doe"]


def test_completing_the_due_follow_up_from_today(client, database):
    ann = make("Ann")
    item = overdue(ann, "Send deck")
    row = soup(client.get("/")).select_one(f"#today-row-{ann.id}")
    button = row.select_one(f"form[hx-post='/today/{ann.id}/followups/{item.id}/done'] button")
    assert "Send deck" in button.get_text()
    response = post(client, f"/today/{ann.id}/followups/{item.id}/done")
    assert response.status_code == 200
    assert FollowUp.get_by_id(item.id).done_at is not None
    page = client.get("/")
    assert rows(page) == [] and done_names(page) == ["Ann Doe"]
    assert progress_text(page).startswith("1 of 10")


def test_adding_a_follow_up_from_today_keeps_the_row_and_shows_the_next_step(client, database):
    ann = make("Ann")
    signals.record_signal(ann.id, "referral")
    response = post(client, f"/today/{ann.id}/followups", {"title": "Book intro call", "due": "in 3 days"})
    assert response.status_code == 200
    assert "Next step: Book intro call" in soup(response).select_one(f"#today-row-{ann.id}").get_text()
    bad = post(client, f"/today/{ann.id}/followups", {"title": "", "due": "whenever"})
    assert bad.status_code == 422
    assert soup(bad).select_one(f"#fu-due-{ann.id}")["value"] == "whenever"


def test_snooze_removes_from_today_and_the_person_comes_back(client, database):
    ann = make("Ann")
    overdue(ann)
    bob = make("Bob")
    overdue(bob, days=1)
    response = post(client, f"/today/{ann.id}/snooze", {"preset": "1d"})
    assert response.status_code == 200
    assert "Snoozed until" in soup(response).get_text()
    assert Contact.get_by_id(ann.id).score == 0
    page = client.get("/")
    assert rows(page) == ["Bob Doe"] and done_names(page) == ["Ann Doe"]
    tz = UTC
    later = utcnow().replace(tzinfo=dt.UTC) + dt.timedelta(days=1, hours=1)
    board = service.board(tz, now=later)
    assert [r.name for r in board.rows] == ["Ann Doe", "Bob Doe"]  # back, scored in memory
    assert Contact.get_by_id(ann.id).snoozed_until is not None  # reading wrote nothing
    derived.refresh_all(now=later)
    ann = Contact.get_by_id(ann.id)
    assert ann.snoozed_until is None and ann.score > 0


def test_snooze_for_a_week_a_custom_date_and_undo(client, database):
    ann = make("Ann")
    overdue(ann)
    post(client, f"/today/{ann.id}/snooze", {"preset": "1w"})
    until = Contact.get_by_id(ann.id).snoozed_until
    assert (until.date() - utcnow().date()).days == 7
    bad = post(client, f"/today/{ann.id}/snooze", {"preset": "date", "date": "yesterday"})
    assert bad.status_code in (409, 422)
    response = post(client, f"/today/{ann.id}/unsnooze")
    assert rows(response) == ["Ann Doe"]
    assert (
        post(client, f"/today/{ann.id}/snooze", {"preset": "date", "date": "in 10 days"}).status_code == 200
    )
    assert (Contact.get_by_id(ann.id).snoozed_until.date() - utcnow().date()).days == 10


def test_goal_reached_offers_more(client, database):
    client.post("/settings/today", data={"csrf_token": token(client), "daily_goal": "1"})
    ann, bob = make("Ann"), make("Bob")
    overdue(ann)
    overdue(bob, days=1)
    post(client, f"/today/{ann.id}/touch", {"kind": "call"})
    page = client.get("/")
    assert rows(page) == []
    assert "Daily goal reached" in soup(page).select_one(".today-caught-up").get_text()
    assert rows(client.get("/?more=5")) == ["Bob Doe"]


def test_today_page_query_count_does_not_grow(client, database):
    def populate(prefix, n):
        for i in range(n):
            c = make(f"{prefix}{i}", company=f"Co{i}")
            overdue(c, days=i + 1)
            signals.record_signal(c.id, "hiring")
            followups.create_followup(c.id, "Later", "in 5 days", UTC)

    populate("A", 2)
    done = make("Done")
    overdue(done)
    post(client, f"/today/{done.id}/touch", {"kind": "call"})
    client.get("/")
    with count_queries() as few:
        client.get("/")
    populate("B", 12)
    with count_queries() as many:
        response = client.get("/")
    assert len(rows(response)) == 9  # the goal of 10, one already done
    assert many.count == few.count


def test_contact_value_and_ledger_feed_the_score(client, database):
    ann = make("Ann")
    signals.record_signal(ann.id, "hiring")
    base = Contact.get_by_id(ann.id).score
    response = post(client, f"/contacts/{ann.id}/value", {"value_deal": "50,000", "value_advocate": "on"})
    assert response.status_code == 200
    ann = Contact.get_by_id(ann.id)
    assert ann.value_deal == 50000 and ann.value_advocate and ann.score > base
    assert any(r["code"] == "value" for r in ann.score_reasons)
    bad = post(client, f"/contacts/{ann.id}/value", {"value_deal": "a lot"})
    assert bad.status_code == 422 and soup(bad).select_one("#v-deal")["value"] == "a lot"
    for _ in range(3):
        response = post(
            client, f"/contacts/{ann.id}/ledger", {"direction": "asked", "kind": "favour", "note": "x"}
        )
    assert "Give first" in soup(response).select_one("#contact-ledger").get_text()
    assert any(r["code"] == "reciprocity" for r in Contact.get_by_id(ann.id).score_reasons)
    page = soup(client.get(f"/contacts/{ann.id}"))
    assert "Asked 3" in page.select_one("#contact-ledger").get_text()
    multipliers = [li.get_text(" ", strip=True) for li in soup(client.get("/")).select(".reason.multiplier")]
    assert any("High value" in m for m in multipliers) and any("Give first" in m for m in multipliers)


def test_pre_call_brief_shows_everything_and_saves_the_goal(client, database):
    ann = make("Ann", linkedin="https://www.linkedin.com/in/ann-doe", connected_on=dt.date(2024, 3, 1))
    job_change(ann.id, utcnow() - dt.timedelta(days=3), {"from": "VP at Initech", "to": "CMO at Globex"})
    derived.refresh_contacts([ann.id])
    for i in range(7):
        form = {"csrf_token": token(client), "kind": "call", "text": f"Call {i}", "when": f"{i + 1} days ago"}
        client.post(f"/contacts/{ann.id}/touches", data=form)
    followups.create_followup(ann.id, "Send the proposal", "tomorrow", UTC)
    post(
        client,
        f"/contacts/{ann.id}/ledger",
        {"direction": "gave", "kind": "introduction", "note": "to Priya"},
    )
    page = soup(client.get(f"/contacts/{ann.id}/brief"))
    text = page.get_text(" ")
    assert "Pre-call brief" in text and "Ann Doe" in text
    assert len(page.select(".brief-touches li")) == 5 and "Call 0" in text and "Call 6" not in text
    assert "Send the proposal" in text
    assert "Changed jobs: VP at Initech → CMO at Globex" in text
    assert "1 Mar 2024" in text and "You gave 1, asked 0" in text
    assert "Why now" in text
    response = client.post(
        f"/contacts/{ann.id}/brief", data={"csrf_token": token(client), "brief_goal": "Agree on a pilot"}
    )
    assert response.status_code == 303
    assert Contact.get_by_id(ann.id).brief_goal == "Agree on a pilot"
    assert "Agree on a pilot" in client.get(f"/contacts/{ann.id}/brief").get_data(as_text=True)
    contact_page = soup(client.get(f"/contacts/{ann.id}"))
    assert contact_page.select_one(f"a[href='/contacts/{ann.id}/brief']") is not None


def test_the_brief_says_a_connection_left_as_the_contact_page_does(client, database):
    """Found by QA: the contact page said "(no longer connected)", the pre-call brief did not."""
    gone = make("Gone", connected_on=dt.date(2021, 5, 4), is_connection=True, connected=False)
    still = make("Still", connected_on=dt.date(2021, 5, 4), is_connection=True, connected=True)

    def connected(url):
        page = soup(client.get(url))
        dt_ = next(d for d in page.select("main dt") if d.get_text() == "Connected")
        return " ".join(dt_.find_next_sibling("dd").get_text().split())

    assert connected(f"/contacts/{gone.id}") == "4 May 2021 (no longer connected)"
    assert connected(f"/contacts/{gone.id}/brief").endswith("ago) (no longer connected)")
    assert "no longer" not in connected(f"/contacts/{still.id}/brief")


def run(app, *args):
    return app.test_cli_runner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_today_json_shape_and_signal_add_and_rescore(app, database):
    ann = make("Ann", linkedin="https://www.linkedin.com/in/ann-doe")
    make("Bob")
    db.close()
    added = run(app, "signal", "add", str(ann.id), "funding_round", "--note", "Series A")
    assert added.exit_code == 0 and "Recorded" in added.output
    result = run(app, "today", "--json")
    data = json.loads(result.output)
    assert [set(d) for d in data] == [{"contact_id", "name", "linkedin_url", "score", "reasons"}]
    assert (
        data[0]["contact_id"] == ann.id and data[0]["linkedin_url"] == "https://www.linkedin.com/in/ann-doe"
    )
    assert set(data[0]["reasons"][0]) == {"code", "text", "points"}
    assert "Series A" in data[0]["reasons"][0]["text"]
    text = run(app, "today")
    assert "Ann Doe" in text.output and "+30.0" in text.output
    rescored = run(app, "rescore")
    assert rescored.exit_code == 0 and "Rescored 2 contacts in" in rescored.output
    bad = app.test_cli_runner().invoke(cli, ["signal", "add", str(ann.id), "job_change"])
    assert bad.exit_code != 0


def test_cli_today_date_evaluates_as_of_that_day(app, database):
    now = utcnow()
    ann = make("Ann")
    bob = make("Bob", connected_on=(now + dt.timedelta(days=10)).date())
    carl = make("Carl")
    job_change(ann.id, now + dt.timedelta(days=5))
    signals.record_signal(carl.id, "pricing_request")
    db.close()
    before = json.loads(
        run(app, "today", "--json", "--date", (now - dt.timedelta(days=1)).date().isoformat()).output
    )
    assert before == []  # the signal, the connection and the pricing request all lie ahead
    later = (now + dt.timedelta(days=12)).date().isoformat()
    after = json.loads(run(app, "today", "--json", "--date", later).output)
    by_id = {d["contact_id"]: d for d in after}
    assert {ann.id, bob.id, carl.id} <= set(by_id)
    assert by_id[bob.id]["reasons"][0]["code"] == "new_connection"
    assert [d["score"] for d in after] == sorted((d["score"] for d in after), reverse=True)
    db.connect(reuse_if_open=True)
    assert Contact.get_by_id(bob.id).score == 0  # nothing was written
    bad = app.test_cli_runner().invoke(cli, ["today", "--date", "tomorrow"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


@pytest.mark.parametrize("url", ["/", "/today/progress", "/contacts/1/brief"])
def test_today_routes_need_login(anon, url):
    response = anon.get(url)
    assert response.status_code in (302, 303, 401)


def test_editing_the_stage_rescores_at_once(client, database):
    ann = make("Ann")
    signals.record_signal(ann.id, "hiring")
    form = {"csrf_token": token(client), "first_name": "Ann", "last_name": "Doe", "stage": "opportunity"}
    assert client.post(f"/contacts/{ann.id}", data=form).status_code == 303
    ann = Contact.get_by_id(ann.id)
    assert ann.score == 19.5 and ann.score_reasons[-1]["code"] == "stage"


def test_the_navigation_counts_who_is_left_and_the_progress_fragment_updates_it(client, database):
    ann, bob = make("Ann"), make("Bob")
    overdue(ann)
    overdue(bob, days=1)
    badge = soup(client.get("/contacts/")).select_one("#nav-count-today")
    assert badge.get_text() == "2"
    post(client, f"/today/{ann.id}/touch", {"kind": "call"})
    oob = soup(client.get("/today/progress", headers=HX)).select_one("#nav-count-today")
    assert oob["hx-swap-oob"] == "true" and oob.get_text() == "1"


def test_the_menu_badges_are_fetched_again_after_a_change_made_in_place(client, database):
    """Every page listens for the events of changes made in place and fetches both badges as
    out-of-band swaps (they kept their numbers until a reload outside Today)."""
    ann = make("Ann")
    overdue(ann)
    page = soup(client.get("/contacts/"))
    listener = page.select_one("[hx-get='/followups/badges']")
    assert {"touch-logged", "followups-changed", "contact-changed", "today-changed"} <= set(
        part.split()[0] for part in listener["hx-trigger"].split(",")
    )
    assert page.select_one("#nav-count-followups").get_text() == "1"
    badges = soup(client.get("/followups/badges", headers=HX))
    assert [(b["id"], b.get_text(), b["hx-swap-oob"]) for b in badges.select("span")] == [
        ("nav-count-today", "1", "true"), ("nav-count-followups", "1", "true")
    ]  # fmt: skip
    post(client, f"/today/{ann.id}/touch", {"kind": "call"})
    bob = make("Bob")
    overdue(bob)
    contacts.delete_contact(bob)  # a contact in the trash: its follow-up is on no list, nor counted
    FollowUp.update(done_at=dt.datetime(2026, 11, 24)).where(FollowUp.contact == ann.id).execute()
    badges = soup(client.get("/followups/badges", headers=HX))
    assert [(b["id"], b.has_attr("hidden")) for b in badges.select("span")] == [
        ("nav-count-today", True), ("nav-count-followups", True)
    ]  # fmt: skip


def test_the_first_today_of_the_owners_day_rescores_everyone(client, database):
    """Found by QA: past the owner's midnight Today kept yesterday's reasons ("birthday in 2
    days", a follow-up due today not counted) until `crm rescore` ran, and the deployment has no
    timer for it. The first look of a new day asks for a rescore (a POST: a GET writes nothing),
    which answers the board again; the rest of the day nothing is asked."""
    from crm.models import get_setting, set_setting

    ann = make("Ann")
    overdue(ann)
    stale = Contact.get_by_id(ann.id)
    Contact.update(score=0, score_reasons="[]").where(Contact.id == ann.id).execute()  # as of a day ago
    set_setting(derived.RESCORED_ON, "2000-01-01")
    page = client.get("/")
    assert rows(page) == []  # what is stored, as the GET found it
    ask = soup(page).select_one("form.today-refresh")
    assert (ask["hx-post"], ask["hx-trigger"], ask["hx-target"]) == ("/today/refresh", "load", "#today-board")
    assert get_setting(derived.RESCORED_ON) == "2000-01-01"  # the GET wrote nothing
    board = post(client, "/today/refresh")
    assert rows(board) == ["Ann Doe"] and soup(board).select_one("form.today-refresh") is None
    assert Contact.get_by_id(ann.id).score == stale.score > 0
    assert get_setting(derived.RESCORED_ON) == utcnow().date().isoformat()
    Contact.update(score=0, score_reasons="[]").where(Contact.id == ann.id).execute()
    assert soup(client.get("/")).select_one("form.today-refresh") is None  # the same day: not asked
    post(client, "/today/refresh")
    assert Contact.get_by_id(ann.id).score == 0  # and not redone
    plain = post(client, "/today/refresh", htmx=False)  # without JavaScript: the button's POST
    assert plain.status_code == 303 and plain.headers["Location"] == "/"
    later = utcnow().replace(tzinfo=dt.UTC) + dt.timedelta(days=1)
    assert derived.refresh_if_new_day(now=later, tz=UTC) is True
    assert Contact.get_by_id(ann.id).score > 0


def test_the_action_that_reaches_the_goal_answers_the_whole_board(client, database):
    """Found by QA: the row action that reached the daily goal only took its row away, so the page
    kept 'You're all caught up' and 'More people are waiting'; a reload said 'Daily goal reached'
    and offered five more. That action now answers the board a reload would show."""
    client.post("/settings/today", data={"csrf_token": token(client), "daily_goal": "2"})
    ann, bob, cy = make("Ann"), make("Bob"), make("Cy")
    for days, person in enumerate((ann, bob, cy), start=1):
        overdue(person, days=4 - days)
    first = post(client, f"/today/{ann.id}/touch", {"kind": "call"})
    assert "HX-Retarget" not in first.headers and "today-changed" in json.loads(first.headers["HX-Trigger"])
    response = post(client, f"/today/{bob.id}/touch", {"kind": "call"})
    assert response.status_code == 200
    assert (response.headers["HX-Retarget"], response.headers["HX-Reswap"]) == ("#today-board", "outerHTML")
    assert "HX-Trigger" not in response.headers  # the old progress must not fetch itself over the board
    assert json.loads(response.headers["HX-Trigger-After-Swap"]) == {
        "today-changed": {"message": "Touch logged."}
    }
    board = soup(response).select_one("#today-board")
    assert rows(response) == [] and done_names(response) == ["Bob Doe", "Ann Doe"]
    assert board.select_one(".today-caught-up h2").get_text() == "Daily goal reached"
    assert board.select_one("a[hx-push-url]").get_text() == "Keep going: 5 more"
    assert board.select_one(".end-note") is None
    assert progress_text(response).startswith("2 of 2 done today · goal reached")
    nav = board.select_one("#nav-count-today")
    assert nav["hx-swap-oob"] == "true" and nav.has_attr("hidden")
    reload = soup(client.get("/"))
    assert reload.select_one(".today-caught-up h2").get_text() == "Daily goal reached"
    assert reload.select_one("#nav-count-today[hx-swap-oob]") is None  # the full page has no oob
    past = post(client, f"/today/{cy.id}/snooze", {"preset": "1d"})  # past the goal: the row again
    assert "HX-Retarget" not in past.headers and soup(past).select_one(f"#done-row-{cy.id}") is not None


def test_the_board_fetches_itself_after_a_quick_entry_touch(client, database):
    """The quick entry (n) answers only its form: Today's board listens for its event and fetches
    itself again (keeping 'Keep going' rows), with the navigation count."""
    ann, bob = make("Ann"), make("Bob")
    overdue(ann)
    overdue(bob, days=1)
    board = soup(client.get("/")).select_one("#today-board")
    assert (board["hx-get"], board["hx-trigger"], board["hx-swap"]) == (
        "/",
        "quick-entry-done from:body",
        "outerHTML",
    )
    saved = post(
        client, "/stream/touches", {"contact_id": str(ann.id), "kind": "call", "when": "now", "text": "Hi"}
    )
    assert json.loads(saved.headers["HX-Trigger"])["quick-entry-done"] == ann.id
    again = client.get(board["hx-get"], headers=HX)
    assert rows(again) == ["Bob Doe"] and done_names(again) == ["Ann Doe"]
    assert progress_text(again).startswith("1 of 10")
    assert soup(again).select_one("#nav-count-today[hx-swap-oob]").get_text() == "1"
    assert soup(client.get("/?more=5")).select_one("#today-board")["hx-get"] == "/?more=5"


def test_a_person_rescored_by_a_row_action_takes_their_new_place(client, database):
    """Found by QA: dismissing a signal (or planning a follow-up) rescored the row but left it where
    it was until a reload. The answer is now the board a reload shows: the person in their new
    place, or off the list with the next person in, and 'Keep going' rows kept."""
    people = {}
    for first, kinds in (("Ann", ("pricing_request", "hiring")), ("Bob", ("referral",)),
                         ("Cy", ("funding_round",)), ("Dee", ("new_initiative",))):  # fmt: skip
        people[first] = make(first)
        for kind in kinds:
            signals.record_signal(people[first].id, kind)
    ann = people["Ann"].id
    pricing = Signal.get(Signal.contact == ann, Signal.kind == "pricing_request")
    assert rows(client.get("/")) == ["Ann Doe", "Bob Doe", "Cy Doe", "Dee Doe"]

    response = post(client, f"/today/{ann}/signals/{pricing.id}/dismiss")
    assert (response.headers["HX-Retarget"], response.headers["HX-Reswap"]) == ("#today-board", "outerHTML")
    assert rows(response) == ["Bob Doe", "Cy Doe", "Dee Doe", "Ann Doe"] == rows(client.get("/"))
    assert json.loads(response.headers["HX-Trigger-After-Swap"]) == {
        "today-changed": {"message": "Signal dismissed."}
    }
    signals.restore_signal(pricing)

    # A goal of two: she drops off the list and the next person comes in.
    client.post("/settings/today", data={"csrf_token": token(client), "daily_goal": "2"})
    assert rows(client.get("/")) == ["Ann Doe", "Bob Doe"]
    response = post(client, f"/today/{ann}/signals/{pricing.id}/dismiss")
    assert rows(response) == ["Bob Doe", "Cy Doe"] == rows(client.get("/"))
    signals.restore_signal(pricing)

    # Past the goal ("Keep going: 5 more", in the page's address) the extra rows stay.
    client.post("/settings/today", data={"csrf_token": token(client), "daily_goal": "1"})
    post(client, f"/today/{people['Dee'].id}/touch", {"kind": "call"})
    assert rows(client.get("/?more=5")) == ["Ann Doe", "Bob Doe", "Cy Doe"]
    response = client.post(
        f"/today/{ann}/signals/{pricing.id}/dismiss",
        data={"csrf_token": token(client)},
        headers={**HX, "HX-Current-URL": "http://localhost/?more=5"},
    )
    board = soup(response).select_one("#today-board")
    assert rows(response) == ["Bob Doe", "Cy Doe", "Ann Doe"] == rows(client.get("/?more=5"))
    assert board["hx-get"] == "/?more=5"
