"""What the stream holds: stage changes, entries of trashed contacts, signal entries, the trash, labels."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from crm.forms import ContactInput
from crm.models import ACTIVITY_KINDS, Contact
from crm.services import activities, contacts, stream
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


# -- labels -----------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", [None, "in", "out"])
@pytest.mark.parametrize("kind", ACTIVITY_KINDS)
def test_every_kind_and_direction_reads_as_plain_english(kind, direction):
    label = stream.entry_label(kind, direction)
    assert label[0].isupper() and "_" not in label and "Followup" not in label
    # "Call sent", "Meeting received": a direction is only said in words that fit the kind.
    things = ("email", "message", "invitation", "endorsement", "recommendation")
    assert not (label.endswith((" sent", " received")) and kind not in things)


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
