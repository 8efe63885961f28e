"""Bulk tagging "All N matching": asked first with the number it changes, and undone exactly."""

from __future__ import annotations

import datetime as dt
import json
import re

from crm.models import Contact, ContactTag, Tag, TagAction, utcnow
from crm.services import contacts as service
from crm.services import derived
from tests.conftest import soup, token
from tests.test_bulk_tag import bulk, confirmed, make, tags_of


def words(element) -> str:
    return re.sub(r"\s+", " ", element.get_text(" ", strip=True))


def acme(n=60, tagged=5, tag="Acme"):
    people = [make(f"Acme Person {i:02d}", company="Acme Rockets") for i in range(n)]
    for person in people[:tagged]:
        service.bulk_tag(tag, add=True, ids=[person.id])
    TagAction.delete().execute()  # the set-up is not what the tests undo
    return people


def test_all_matching_asks_first_saying_how_many_it_changes_and_changes_nothing(client, database):
    people = acme()
    for htmx in (False, True):
        asked = bulk(
            client, "/contacts/bulk-tag?q=acme", htmx=htmx, scope="all", action="add", add_tag="acme"
        )
        assert asked.status_code == 200
        page = soup(asked)
        assert bool(page.select_one("form.filters")) is not htmx  # the page, or only its results
        question = page.select_one("form#bulk-confirm[role=alertdialog]")
        assert words(question.select_one("#bulk-confirm-question")) == "Add “Acme” to 55 contacts?"
        assert words(question.select_one("#bulk-confirm-detail")) == (
            "That is all 60 matching this search, but the 5 who already have it. You can undo it afterwards."
        )
        button = question.select_one("button[type=submit]")
        assert words(button) == "Add to 55 contacts" and button.has_attr("autofocus")
        assert question["action"] == "/contacts/bulk-tag?q=acme&sort=name"
        assert question.select_one("a#bulk-confirm-cancel")["href"] == "/contacts/?q=acme&sort=name"
        # The choice stays as made behind the question: "All 60" ticked, the tag typed.
        assert page.select_one("#bulk-everyone").has_attr("checked")
        assert page.select_one("#bulk-add")["value"] == "acme"
    assert ContactTag.select().count() == 5 and TagAction.select().count() == 0
    assert [tags_of(p) for p in people[4:6]] == [["Acme"], []]

    removing = soup(
        bulk(client, "/contacts/bulk-tag?q=acme", scope="all", action="remove", remove_tag="Acme")
    )
    assert words(removing.select_one("#bulk-confirm-question")) == "Remove “Acme” from 5 contacts?"
    assert words(removing.select_one("#bulk-confirm-detail")).startswith(
        "5 of the 60 matching this search have it."
    )


def test_a_confirmed_number_that_no_longer_holds_is_asked_again(client, database):
    acme()
    stale = bulk(client, "/contacts/bulk-tag?q=acme", scope="all", action="add", add_tag="Acme", confirm="55")
    assert stale.status_code == 303  # the number holds: done
    make("Acme Late", company="Acme Rockets")
    again = bulk(
        client, "/contacts/bulk-tag?q=acme", scope="all", action="remove", remove_tag="Acme", confirm="70"
    )
    page = soup(again)
    assert again.status_code == 200 and ContactTag.select().count() == 60
    assert words(page.select_one("#bulk-confirm-question")) == "Remove “Acme” from 60 contacts?"
    assert "changed since you were asked" in words(page.select_one("#bulk-confirm-detail"))


def test_ticked_rows_and_actions_that_change_nobody_are_not_asked(client, database):
    people = acme(n=3, tagged=3)
    same = bulk(client, "/contacts/bulk-tag?q=acme", scope="all", action="add", add_tag="Acme")
    assert same.status_code == 303  # nothing would change: nothing to ask
    ticked = bulk(client, ids=[str(people[0].id)], action="remove", remove_tag="Acme")
    assert ticked.status_code == 303 and tags_of(people[0]) == []
    undo = soup(client.get(ticked.headers["Location"])).select_one(".bulk-done form")  # undone the same way
    assert client.post(undo["action"], data={"csrf_token": token(client)}).status_code == 303
    assert tags_of(people[0]) == ["Acme"]


def test_undo_changes_back_exactly_the_contacts_the_action_changed(client, database):
    people = acme()
    done = confirmed(client, "/contacts/bulk-tag?q=acme", scope="all", action="add", add_tag="Acme")
    assert done.status_code == 303 and ContactTag.select().count() == 60
    back = soup(client.get(done.headers["Location"]))
    assert words(back.select_one(".bulk-notice")) == "Added “Acme” to 55 contacts. 5 already had it."
    undo = back.select_one(".bulk-done form")
    assert words(undo.select_one("button")) == "Undo" and "q=acme" in undo["action"]
    # Since then one of them lost the tag by hand, and someone outside the search got it.
    service.bulk_tag("Acme", add=False, ids=[people[30].id])
    other = make("Olga", company="Globex", tags=["Acme"])

    undone = client.post(undo["action"], data={"csrf_token": token(client)})
    assert undone.status_code == 303 and "q=acme" in undone.headers["Location"]
    assert [p.id for p in people if tags_of(p)] == [p.id for p in people[:5]]
    assert tags_of(other) == ["Acme"]
    notice = soup(client.get(undone.headers["Location"])).select_one(".bulk-done")
    assert words(notice) == "Undone: “Acme” is off the 54 contacts it was added to."  # no Undo of the undo

    again = client.post(undo["action"], data={"csrf_token": token(client)})
    assert ContactTag.select().count() == 6
    assert "can no longer be undone" in words(
        soup(client.get(again.headers["Location"])).select_one(".bulk-done")
    )


def test_undoing_a_removal_by_htmx_puts_the_tag_and_its_cadence_back(client, database):
    Tag.create(name="Prospects", cadence_days=14)
    people = acme(n=55, tagged=55, tag="Prospects")
    Contact.update(created_at=utcnow() - dt.timedelta(days=40)).execute()
    derived.refresh_contacts([p.id for p in people])
    due = {c.id: c.next_touch_due for c in Contact.select()}
    service.bulk_tag("Prospects", add=False, ids=[people[0].id])
    TagAction.delete().execute()
    done = confirmed(client, "/contacts/bulk-tag?q=acme", htmx=True, scope="all", action="remove",
                     remove_tag="Prospects")  # fmt: skip
    assert json.loads(done.headers["HX-Trigger"]) == {
        "contacts-tagged": "Removed “Prospects” from 54 contacts. 1 did not have it."
    }
    assert ContactTag.select().count() == 0 and Contact.get_by_id(people[1].id).next_touch_due is None
    undo = soup(done).select_one(".bulk-done form")
    assert undo["hx-post"] == undo["action"] and undo["hx-target"] == "#contact-results"
    undone = client.post(undo["hx-post"], data={"csrf_token": token(client)}, headers={"HX-Request": "true"})
    assert undone.status_code == 200
    notice = "Undone: “Prospects” is back on the 54 contacts it was removed from."
    assert json.loads(undone.headers["HX-Trigger"]) == {"contacts-tagged": notice}
    assert words(soup(undone).select_one(".bulk-notice")) == notice
    assert tags_of(people[0]) == [] and all(tags_of(p) == ["Prospects"] for p in people[1:])
    assert {c.id: c.next_touch_due for c in Contact.select() if c.id != people[0].id} == {
        cid: day for cid, day in due.items() if cid != people[0].id
    }


def test_undoing_the_add_that_made_a_tag_removes_the_tag_unless_it_is_used_since(client, database):
    acme(n=55, tagged=0)
    done = confirmed(
        client, "/contacts/bulk-tag?q=acme", htmx=True, scope="all", action="add", add_tag="Custmers"
    )
    undo = soup(done).select_one(".bulk-done form")["hx-post"]
    undone = client.post(undo, data={"csrf_token": token(client)}, headers={"HX-Request": "true"})
    assert Tag.get_or_none(Tag.name == "Custmers") is None and ContactTag.select().count() == 0
    assert "Custmers" not in [o["value"] for o in soup(undone).select("datalist#f-tag option")]

    done = confirmed(client, "/contacts/bulk-tag?q=acme", scope="all", action="add", add_tag="Customers")
    make("Olga", tags=["Customers"])
    action = TagAction.select().order_by(TagAction.id.desc()).get()
    assert service.undo_bulk_tag(action.id).changed == 55
    assert Tag.get(Tag.name == "Customers") and ContactTag.select().count() == 1


def test_only_the_latest_actions_are_kept_for_undo(client, database):
    ann = make("Ann")
    actions = [
        service.bulk_tag(f"T{i}", add=True, ids=[ann.id]).action_id for i in range(service.KEPT_ACTIONS + 1)
    ]
    assert service.undo_bulk_tag(actions[0]) is None and tags_of(ann)[0] == "T0"
    assert service.undo_bulk_tag(actions[1]).changed == 1 and "T1" not in tags_of(ann)


def test_the_rows_ticked_when_undo_is_pressed_stay_ticked(client, database):
    ann, bob, cy = make("Ann"), make("Bob"), make("Cy")
    done = bulk(client, htmx=True, ids=[str(ann.id), str(bob.id)], action="add", add_tag="VIP")
    page = soup(done)
    assert {int(b["value"]) for b in page.select(".row-select[checked]")} == {ann.id, bob.id}
    undo = page.select_one(".bulk-done form")
    assert undo["hx-include"] == "#contact-results .row-select:checked, #bulk-everyone:checked"
    # the owner ticks Cy too and presses Undo: htmx sends the ticked rows with the form
    undone = client.post(
        undo["hx-post"],
        data={"csrf_token": token(client), "ids": [str(ann.id), str(bob.id), str(cy.id)]},
        headers={"HX-Request": "true"},
    )
    page = soup(undone)
    assert words(page.select_one(".bulk-notice")) == "Undone: “VIP” is off the 2 contacts it was added to."
    assert {int(b["value"]) for b in page.select(".row-select[checked]")} == {ann.id, bob.id, cy.id}
    assert words(page.select_one("#bulk-count")) == "3 selected"
    assert tags_of(ann) == tags_of(bob) == []
