"""What the stream holds: stage changes, entries of trashed contacts, signal entries, the trash, labels."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from crm.forms import ContactInput
from crm.models import ACTIVITY_KINDS, Activity, ActivityContact, Contact, Signal, utcnow
from crm.services import activities, contacts, derived, signals, stream
from tests.conftest import soup, token

UTC = ZoneInfo("UTC")
HX = {"HX-Request": "true"}


def make(first, last="Doe", **fields) -> Contact:
    contact = contacts.create_contact(ContactInput(first_name=first, last_name=last, **fields))
    return Contact.get_by_id(contact.id)


def save_form(client, contact: Contact, **changes):
    """Submit the contact's edit form as the browser would, with some fields changed."""
    data = {**contacts.form_values(contact), **changes, "csrf_token": token(client)}
    return client.post(f"/contacts/{contact.id}", data=data)


def texts(response) -> list[str]:
    body = "#stream-results .entry .entry-body > p:not(.entry-head)"
    return [p.get_text() for p in soup(response).select(body)]


def today_names(client) -> list[str]:
    return [li.select_one(".name").get_text(strip=True) for li in soup(client.get("/")).select(".today-row")]


# -- stage changes ----------------------------------------------------------------------------


def test_changing_the_stage_on_the_form_writes_one_stage_change_and_no_touch(client, database):
    ada = make("Ada", cadence_days=30)
    touched = dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC)
    activities.log_touch([ada.id], "call", "Intro call", occurred_at=touched)
    before = Contact.get_by_id(ada.id)

    assert save_form(client, before, stage="customer").status_code == 303
    change = Activity.get(Activity.kind == "stage_change")
    assert (change.summary, change.origin, change.direction) == ("Stage: Lead → Customer", "system", None)
    links = ActivityContact.select().where(ActivityContact.activity == change)
    assert [link.contact_id for link in links] == [ada.id]
    after = Contact.get_by_id(ada.id)
    assert after.stage == "customer"
    assert (after.last_touch_at, after.next_touch_due) == (before.last_touch_at, before.next_touch_due)
    # The score moves with the stage, never with the entry: trashing the entry changes nothing.
    activities.delete_activity(change)
    assert Contact.get_by_id(ada.id).score == after.score
    activities.restore_activity(Activity.get_by_id(change.id))

    filtered = client.get("/stream/", query_string={"kind": "stage_change"})
    assert texts(filtered) == ["Stage: Lead → Customer"]
    assert soup(filtered).select_one("#stream-results .entry .kind").get_text() == "Stage change"
    page = soup(client.get(f"/contacts/{ada.id}"))
    assert "Stage: Lead → Customer" in page.select_one("#timeline-panel .timeline").get_text()

    # Saving the form again, or changing something else, writes nothing.
    save_form(client, Contact.get_by_id(ada.id))
    save_form(client, Contact.get_by_id(ada.id), title="CTO")
    assert Activity.select().where(Activity.kind == "stage_change").count() == 1
    save_form(client, Contact.get_by_id(ada.id), stage="do_not_contact")
    latest = Activity.select().where(Activity.kind == "stage_change").order_by(Activity.id.desc()).get()
    assert latest.summary == "Stage: Customer → Do not contact"


def test_a_new_contact_starts_at_its_stage_without_a_stage_change(client, database):
    response = client.post(
        "/contacts/", data={"csrf_token": token(client), "first_name": "Grace", "stage": "customer"}
    )
    assert response.status_code == 303
    assert Contact.get(Contact.first_name == "Grace").stage == "customer"
    assert Activity.select().count() == 0


# -- entries of trashed contacts --------------------------------------------------------------


def test_entries_of_a_trashed_contact_leave_the_stream_until_it_is_restored(client, database):
    ada, bob = make("Ada", stage="customer"), make("Bob")
    activities.log_touch([ada.id], "note", "Ada alone about pricing")
    shared = activities.log_touch([ada.id, bob.id], "meeting", "Both of us about pricing")
    activities.log_touch([bob.id], "note", "Bob alone about pricing")
    gone = activities.log_touch([ada.id], "call", "Ada deleted entry")
    csrf = token(client)
    client.post(f"/stream/{gone.id}/delete", data={"csrf_token": csrf})
    everything = ["Bob alone about pricing", "Both of us about pricing", "Ada alone about pricing"]
    assert texts(client.get("/stream/")) == everything

    assert client.post(f"/contacts/{ada.id}/delete", data={"csrf_token": csrf}).status_code == 303
    shown = ["Bob alone about pricing", "Both of us about pricing"]
    assert texts(client.get("/stream/")) == shown
    assert texts(client.get("/stream/", query_string={"q": "pricing"})) == shown
    assert texts(client.get("/stream/", query_string={"q": "ada"})) == []
    assert texts(client.get("/stream/", query_string={"kind": "note"})) == ["Bob alone about pricing"]
    assert texts(client.get("/stream/", query_string={"stage": "customer"})) == ["Both of us about pricing"]
    for plan in ({"contact": bob.id}, {"contact": ada.id}, {"contact": bob.id, "q": "pricing"}):
        assert "Ada alone about pricing" not in texts(client.get("/stream/", query_string=plan)), plan
    assert texts(client.get("/stream/", query_string={"contact": ada.id, "q": "ada"})) == []
    # Her name stays on the shared entry, without a link to her missing page.
    who = soup(client.get("/stream/")).select_one(f"#activity-{shared.id} .entry-who")
    assert [a.get_text() for a in who.select("a")] == ["Bob Doe"]
    assert who.select_one(".trashed").get_text() == "Ada Doe"
    trash = soup(client.get("/stream/trash"))
    assert trash.select(f"#activity-{gone.id}") == []

    client.post(f"/contacts/{ada.id}/restore", data={"csrf_token": csrf})
    assert texts(client.get("/stream/")) == everything
    assert soup(client.get("/stream/trash")).select_one(f"#activity-{gone.id}") is not None
    who = soup(client.get("/stream/")).select_one(f"#activity-{shared.id} .entry-who")
    assert [a.get_text() for a in who.select("a")] == ["Ada Doe", "Bob Doe"]


def test_an_entry_about_trashed_contacts_only_is_not_found_at_its_address_either(client, database):
    """Found by QA: an entry hidden from the Stream with its trashed contact still opened, and
    could be edited, at its own address. It now answers the not-found page, as the contact's own
    page does, until the contact is restored; an entry shared with someone else stays."""
    ada, bob = make("Ada"), make("Bob")
    alone = activities.log_touch([ada.id], "note", "Ada alone")
    shared = activities.log_touch([ada.id, bob.id], "meeting", "Both of us")
    deleted = activities.log_touch([ada.id], "call", "Ada deleted entry")
    csrf = token(client)
    client.post(f"/stream/{deleted.id}/delete", data={"csrf_token": csrf})
    client.post(f"/contacts/{ada.id}/delete", data={"csrf_token": csrf})
    assert client.get(f"/contacts/{ada.id}").status_code == 404

    for url in (f"/stream/{alone.id}", f"/stream/{alone.id}/edit"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert soup(response).select_one("main h1").get_text() == "Not Found"
    writes = {
        f"/stream/{alone.id}": {"kind": "note", "when": "now", "text": "Edited while trashed"},
        f"/stream/{alone.id}/delete": {},
        f"/stream/{alone.id}/restore": {},
        f"/stream/trash/{deleted.id}/restore": {},
    }
    for url, data in writes.items():
        assert client.post(url, data={"csrf_token": csrf, **data}, headers=HX).status_code == 404, url
    kept = Activity.get_by_id(alone.id)
    assert kept.body == "Ada alone" and kept.deleted_at is None
    assert Activity.get_by_id(deleted.id).deleted_at is not None
    assert client.get(f"/stream/{shared.id}").status_code == 200

    client.post(f"/contacts/{ada.id}/restore", data={"csrf_token": csrf})
    assert client.get(f"/stream/{alone.id}/edit").status_code == 200
    assert client.post(f"/stream/trash/{deleted.id}/restore", data={"csrf_token": csrf}).status_code == 303


def test_an_entry_without_contacts_stays_in_the_stream(client, database):
    lone = Activity.create(kind="followup_done", occurred_at=utcnow(), origin="system", summary="Done: taxes")
    assert [e.activity.id for e in stream.list_stream(stream.StreamFilters(), UTC).entries] == [lone.id]


# -- signal entries ---------------------------------------------------------------------------


def test_deleting_a_signal_entry_dismisses_the_signal_and_restoring_brings_it_back(client, database):
    ann = make("Ann")
    signal = signals.record_signal(ann.id, "funding_round", "Series B")
    assert Contact.get_by_id(ann.id).score == 30.0
    assert today_names(client) == ["Ann Doe"]
    csrf = token(client)

    client.post(f"/stream/{signal.activity_id}/delete", data={"csrf_token": csrf}, headers=HX)
    assert Signal.get_by_id(signal.id).dismissed_at is not None
    assert Contact.get_by_id(ann.id).score == 0
    assert today_names(client) == []
    assert "Series B" not in soup(client.get(f"/contacts/{ann.id}")).select_one("#contact-signals").get_text()

    restore = f"/stream/{signal.activity_id}/restore"
    response = client.post(restore, data={"csrf_token": csrf}, headers=HX)
    assert response.status_code == 200
    assert Signal.get_by_id(signal.id).dismissed_at is None
    assert Contact.get_by_id(ann.id).score == 30.0
    assert today_names(client) == ["Ann Doe"]
    assert "Series B" in soup(client.get(f"/contacts/{ann.id}")).select_one("#contact-signals").get_text()


def test_bringing_back_a_signal_whose_entry_went_to_the_trash_brings_the_entry_back(client, database):
    """Found by QA: a signal dismissed by trashing its Stream entry, then brought back on the
    contact page, counted again while its entry stayed in the trash. The two go together; an
    entry trashed apart from a dismissal stays where it is."""
    ann = make("Ann")
    signal = signals.record_signal(ann.id, "funding_round", "Series B")
    csrf = token(client)
    client.post(f"/stream/{signal.activity_id}/delete", data={"csrf_token": csrf}, headers=HX)
    assert Activity.get_by_id(signal.activity_id).deleted_at is not None
    client.post(f"/contacts/{ann.id}/signals/{signal.id}/restore", data={"csrf_token": csrf}, headers=HX)
    assert Signal.get_by_id(signal.id).dismissed_at is None
    assert Activity.get_by_id(signal.activity_id).deleted_at is None
    assert "Series B" in soup(client.get("/stream/")).select_one("#stream-results").get_text()

    other = signals.dismiss_signal(signals.record_signal(ann.id, "hiring", "Hiring SDRs"))
    activities.delete_activity(Activity.get_by_id(other.activity_id))  # trashed on its own, later
    signals.restore_signal(Signal.get_by_id(other.id))
    assert Activity.get_by_id(other.activity_id).deleted_at is not None


def test_restoring_a_signal_entry_leaves_a_signal_dismissed_before_as_it_was(client, database):
    ann = make("Ann")
    signal = signals.dismiss_signal(signals.record_signal(ann.id, "hiring"))
    dismissed_at = Signal.get_by_id(signal.id).dismissed_at
    entry = Activity.get_by_id(signal.activity_id)
    activities.delete_activity(entry)
    activities.restore_activity(Activity.get_by_id(entry.id))
    assert Signal.get_by_id(signal.id).dismissed_at == dismissed_at
    assert Contact.get_by_id(ann.id).score == 0


def test_deleting_an_imported_job_change_entry_dismisses_its_signal(client, database):
    ann = make("Ann")
    when = utcnow()
    entry = Activity.create(
        kind="job_change", occurred_at=when, origin="imported", source="linkedin", summary="Moved from A to B"
    )
    ActivityContact.create(activity=entry, contact=ann, occurred_at=when)
    Signal.create(
        contact=ann, kind="job_change", weight=40, half_life_days=30, observed_at=when, activity=entry
    )
    derived.refresh_contacts([ann.id])
    assert Contact.get_by_id(ann.id).score > 0
    activities.delete_activity(entry)
    assert Contact.get_by_id(ann.id).score == 0
    activities.restore_activity(Activity.get_by_id(entry.id))
    assert Contact.get_by_id(ann.id).score > 0


# -- the trash --------------------------------------------------------------------------------


def test_restoring_from_the_trash_answers_a_note_instead_of_the_entry(client, database):
    ann = make("Ann")
    entry = activities.log_touch([ann.id], "note", "Back soon")
    activities.delete_activity(entry)
    csrf = token(client)
    response = client.post(f"/stream/trash/{entry.id}/restore", data={"csrf_token": csrf}, headers=HX)
    row = soup(response).select_one(f"#activity-{entry.id}")
    assert "Restored" in row.get_text() and row.select("form, button") == []
    assert "contact-changed" in json.loads(response.headers["HX-Trigger"])  # the menu's numbers follow
    assert Activity.get_by_id(entry.id).deleted_at is None
    assert soup(client.get("/stream/trash")).select(f"#activity-{entry.id}") == []
    # Without JavaScript the trash page comes back, without the entry.
    activities.delete_activity(Activity.get_by_id(entry.id))
    response = client.post(f"/stream/trash/{entry.id}/restore", data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["Location"].endswith("/stream/trash")
    # The stream's own Undo still puts the whole entry back in place.
    activities.delete_activity(Activity.get_by_id(entry.id))
    response = client.post(f"/stream/{entry.id}/restore", data={"csrf_token": csrf}, headers=HX)
    assert soup(response).select_one(f"#activity-{entry.id} .entry-actions") is not None


# -- labels -----------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", [None, "in", "out"])
@pytest.mark.parametrize("kind", ACTIVITY_KINDS)
def test_every_kind_and_direction_reads_as_plain_english(kind, direction):
    label = stream.entry_label(kind, direction)
    assert label[0].isupper() and "_" not in label and "Followup" not in label
    # "Call sent", "Meeting received": a direction is only said in words that fit the kind.
    things = ("email", "message", "invitation", "endorsement", "recommendation")
    assert not (label.endswith((" sent", " received")) and kind not in things)


def test_a_system_entry_edited_to_no_text_is_summed_up_in_words(client, database):
    ann = make("Ann")
    activities.record_stage_change(ann.id, "lead", "customer")
    entry = Activity.get(Activity.kind == "stage_change")
    data = {"csrf_token": token(client), "when": "now", "text": ""}
    assert client.post(f"/stream/{entry.id}", data=data).status_code == 303
    assert Activity.get_by_id(entry.id).summary == "Stage change"
    assert activities.log_touch([ann.id], "other", "").summary == "Other touch"


def test_stream_and_timeline_labels(client, database):
    ann = make("Ann")
    for kind, direction, expected in (
        ("call", "out", "Outgoing call"),
        ("call", "in", "Incoming call"),
        ("email", "out", "Email sent"),
        ("meeting", "in", "Meeting (they reached out)"),
        ("other", None, "Other touch"),
    ):
        entry = activities.log_touch([ann.id], kind, "x", direction=direction)
        for url in ("/stream/", f"/contacts/{ann.id}"):
            assert soup(client.get(url)).select_one(f"#activity-{entry.id} .kind").get_text() == expected
    page = soup(client.get("/stream/"))
    options = [o.get_text() for o in page.select("#stream-kind option")]
    assert "Follow-up done" in options and "Stage change" in options and "Followup done" not in options
    assert "Job change" in options and "Import" not in options  # no entry is ever of kind import
