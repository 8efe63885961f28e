"""N+1 guards: pages issue the same number of SQL statements whatever the number of rows shown.

The contact list and the plain stream have their guards in test_contacts.py and test_stream.py;
these cover search results (every search plan), the contact page and its timeline.
"""

from __future__ import annotations

import datetime as dt

import pytest

from crm.models import Activity, ActivityContact, Contact, ContactTag, FollowUp, Tag
from crm.services import activities, stream
from importers.base import name_key
from tests.conftest import soup
from tests.querycount import count_queries


def person(name: str, **fields) -> Contact:
    return Contact.create(full_name=name, name_key=name_key(name), **fields)


def queries(client, url: str, headers: dict | None = None) -> int:
    with count_queries() as counter:
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, url
    return counter.count


def tagged(contact: Contact, *names: str) -> None:
    for name in names:
        tag, _ = Tag.get_or_create(name=name)
        ContactTag.create(contact=contact, tag=tag)


@pytest.mark.parametrize("plan", ["everyone", "probe", "scan", "gather"])
def test_stream_search_query_count_does_not_grow_with_rows(client, database, monkeypatch, plan):
    # Without a contact a search reads the index; with one, each plan of _contact_plan.
    budgets = {"probe": (10**9, 0), "scan": (0, 10**9), "gather": (0, 0)}.get(plan)
    if budgets:
        monkeypatch.setattr(stream, "PROBE_BUDGET", budgets[0])
        monkeypatch.setattr(stream, "SCAN_BUDGET", budgets[1])
    people = [person(f"Searcher {i}") for i in range(6)]
    url = f"/stream/?q=budget&contact={people[0].id}" if budgets else "/stream/?q=budget"
    for i in range(2):
        activities.log_touch([people[0].id, people[i + 1].id], "call", f"budget call {i}")
    few = queries(client, url)
    for i in range(60):
        activities.log_touch([people[0].id, people[i % 5 + 1].id], "call", f"budget more {i}")
    assert queries(client, url) == few
    if budgets:
        assert stream._contact_plan(people[0].id, '"budget"') == plan
    assert len(soup(client.get(url)).select("#stream-results .entry")) == stream.PER_PAGE


def test_contact_page_query_count_does_not_grow_with_its_history(client, database):
    ada = person("Ada Lovelace", cadence_days=30)
    tagged(ada, "Customers", "London")
    others = [person(f"Colleague {i}") for i in range(4)]
    activities.log_touch([ada.id], "call", "first call")
    FollowUp.create(contact=ada, title="Send deck", due_at=dt.datetime(2026, 6, 1, 9), all_day=True)
    few = queries(client, f"/contacts/{ada.id}")
    for i in range(50):
        activities.log_touch([ada.id, others[i % 4].id], "meeting", f"meeting {i}")
        activity = Activity.create(
            kind="message", occurred_at=dt.datetime(2025, 1, 1) + dt.timedelta(days=i), direction="in",
            origin="imported", source="linkedin", summary=f"msg {i}", body=f"msg {i}",
        )  # fmt: skip
        ActivityContact.create(activity=activity, contact=ada, occurred_at=activity.occurred_at)
    for i in range(5):
        FollowUp.create(contact=ada, title=f"Task {i}", due_at=dt.datetime(2026, 6, 2 + i, 9), all_day=True)
    tagged(ada, "Partners", "Speakers")
    assert queries(client, f"/contacts/{ada.id}") == few
    assert len(soup(client.get(f"/contacts/{ada.id}")).select(".entry")) >= stream.PER_PAGE


def test_contact_search_query_count_does_not_grow_with_matches(client, database):
    for i in range(2):
        tagged(person(f"Match {i}"), "Customers")
    few = queries(client, "/contacts/?q=match", {"HX-Request": "true"})
    for i in range(40):
        tagged(person(f"Match more {i}"), "Customers", "Prospects")
    assert queries(client, "/contacts/?q=match", {"HX-Request": "true"}) == few
