"""Bulk tagging on the contact list: ticked rows or everything a search finds, through the real app."""

from __future__ import annotations

import datetime as dt
import json
import re

from crm.cli import cli
from crm.forms import ContactInput
from crm.models import Contact, ContactTag, Tag, utcnow
from crm.services import contacts as service
from crm.services import derived
from tests.conftest import soup, token


def make(first, company="", tags=(), stage="lead") -> Contact:
    return service.create_contact(
        ContactInput(first_name=first, company=company, tags=list(tags), stage=stage)
    )


def tags_of(contact) -> list[str]:
    return service.tags_for([contact.id]).get(contact.id, [])


def bulk(client, url="/contacts/bulk-tag", htmx=False, **fields):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data={"csrf_token": token(client), **fields}, headers=headers)


def confirmed(client, url, htmx=False, **fields):
    """An "All N matching" action: asked first (nothing changes), then answered with the
    question's own form."""
    asked = bulk(client, url, htmx=htmx, **fields)
    assert asked.status_code == 200
    form = soup(asked).select_one("form#bulk-confirm")
    data = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
    return client.post(form["action"], data=data, headers={"HX-Request": "true"} if htmx else {})


def test_adding_a_tag_to_ticked_contacts_tags_only_them_and_says_how_many(client, database):
    ann, bob, cy = make("Ann"), make("Bob", tags=["VIP"]), make("Cy")
    response = bulk(client, ids=[str(ann.id), str(bob.id)], action="add", add_tag="VIP")
    assert response.status_code == 303
    assert tags_of(ann) == ["VIP"] and tags_of(bob) == ["VIP"] and tags_of(cy) == []
    back = client.get(response.headers["Location"])
    assert back.status_code == 200
    notice = soup(back).select_one(".bulk-notice").get_text()
    assert notice == "Added “VIP” to 1 contact. 1 already had it."
    assert Tag.select().where(Tag.name == "VIP").count() == 1


def test_a_new_tag_name_creates_the_tag_and_a_trashed_contact_is_left_alone(client, database):
    ann, gone = make("Ann"), make("Gone")
    service.delete_contact(gone)
    response = bulk(client, ids=[str(ann.id), str(gone.id)], action="add", add_tag="Met at SaaStr")
    assert response.status_code == 303
    assert tags_of(ann) == ["Met at SaaStr"] and tags_of(gone) == []
    assert "Added “Met at SaaStr” to 1 contact." in soup(client.get(response.headers["Location"])).get_text()


def test_removing_a_tag_from_ticked_contacts(client, database):
    ann, bob, cy = make("Ann", tags=["Cold", "VIP"]), make("Bob", tags=["Cold"]), make("Cy", tags=["Cold"])
    response = bulk(client, ids=[str(ann.id), str(bob.id)], action="remove", remove_tag="Cold")
    assert response.status_code == 303
    assert tags_of(ann) == ["VIP"] and tags_of(bob) == [] and tags_of(cy) == ["Cold"]
    assert Tag.get_or_none(Tag.name == "Cold") is not None  # the tag (and its cadence) stays
    back = soup(client.get(response.headers["Location"]))
    assert back.select_one(".bulk-notice").get_text() == "Removed “Cold” from 2 contacts."


def test_all_matching_tags_every_contact_the_search_finds_beyond_the_page(client, database):
    acme = [make(f"Acme Person {i:02d}", company="Acme Rockets") for i in range(60)]
    other = make("Olga Other", company="Globex")
    page = soup(client.get("/contacts/?q=acme"))
    assert len(page.select(".contact-row")) == 50  # a page shows 50 of the 60
    form = page.select_one("form#bulk-form")
    assert "q=acme" in form["action"]
    everyone = form.select_one("input[name=scope][value=all]")
    assert re.sub(r"\s+", " ", everyone.parent.get_text(" ", strip=True)) == "All 60 matching this search"
    # The server applies the URL's search, not ids from the page: two ids are sent, 60 change.
    response = confirmed(
        client,
        url=form["action"],
        ids=[str(acme[0].id), str(other.id)],
        scope="all",
        action="add",
        add_tag="Acme",
    )
    assert response.status_code == 303
    assert all(tags_of(c) == ["Acme"] for c in acme)
    assert tags_of(other) == []
    back = soup(client.get(response.headers["Location"]))
    assert back.select_one(".bulk-notice").get_text() == "Added “Acme” to 60 contacts."
    assert back.select_one("#q")["value"] == "acme"  # back on the same search

    response = confirmed(client, url=f"/contacts/bulk-tag?company={acme[0].company_id}", scope="all",
                    action="remove", remove_tag="Acme")  # fmt: skip
    assert response.status_code == 303
    assert ContactTag.select().count() == 0
    assert "Removed “Acme” from 60 contacts." in soup(client.get(response.headers["Location"])).get_text()


def test_all_matching_follows_filters_and_is_read_when_it_runs(client, database):
    lead = [make(f"Lead {i}", stage="lead") for i in range(3)]
    customer = make("Customer Carla", stage="customer", tags=["VIP"])
    response = confirmed(client, url="/contacts/bulk-tag?tag=VIP", scope="all", action="add", add_tag="Key")
    assert response.status_code == 303 and tags_of(customer) == ["Key", "VIP"]
    response = confirmed(
        client, url="/contacts/bulk-tag?stage=lead", scope="all", action="add", add_tag="Nurture"
    )
    assert [tags_of(c) for c in lead] == [["Nurture"]] * 3 and "Nurture" not in tags_of(customer)


def test_a_tag_with_a_cadence_sets_next_touch_due_and_the_score_and_removing_it_clears_them(client, database):
    Tag.create(name="Prospects", cadence_days=14)
    ann, bob = make("Ann"), make("Bob")
    added = utcnow() - dt.timedelta(days=40)
    Contact.update(created_at=added).where(Contact.id.in_([ann.id, bob.id])).execute()
    derived.refresh_contacts([ann.id, bob.id])
    before = Contact.get_by_id(ann.id)
    assert before.next_touch_due is None

    assert bulk(client, ids=[str(ann.id)], action="add", add_tag="Prospects").status_code == 303
    tagged = Contact.get_by_id(ann.id)
    assert tagged.next_touch_due == added.date() + dt.timedelta(days=14)
    assert tagged.score > before.score
    assert any("14 days" in reason["text"] for reason in tagged.score_reasons)
    assert Contact.get_by_id(bob.id).next_touch_due is None
    due = soup(client.get("/contacts/?due=1"))
    assert [a.get_text(strip=True) for a in due.select(".contact-row .name")] == ["Ann"]

    assert confirmed(client, url="/contacts/bulk-tag?due=1", scope="all", action="remove",
                remove_tag="Prospects").status_code == 303  # fmt: skip
    untagged = Contact.get_by_id(ann.id)
    assert untagged.next_touch_due is None and untagged.score == before.score


def test_all_matching_cadence_change_is_derived_for_every_contact(client, database):
    Tag.create(name="Customers", cadence_days=30)
    people = [make(f"P{i}", company="Initech") for i in range(70)]
    Contact.update(created_at=utcnow() - dt.timedelta(days=45)).execute()
    derived.refresh_contacts([c.id for c in people])
    assert confirmed(client, url="/contacts/bulk-tag?q=initech", scope="all", action="add",
                add_tag="Customers").status_code == 303  # fmt: skip
    due = {c.next_touch_due for c in Contact.select()}
    assert due == {(utcnow() - dt.timedelta(days=45)).date() + dt.timedelta(days=30)}


def test_htmx_answers_the_results_with_the_new_tags_the_notice_and_the_selection_kept(client, database):
    ann, bob = make("Ann"), make("Bob")
    response = bulk(client, url="/contacts/bulk-tag?sort=name", htmx=True, ids=[str(ann.id)], action="add",
                    add_tag="VIP")  # fmt: skip
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"]) == {"contacts-tagged": "Added “VIP” to 1 contact."}
    page = soup(response)
    assert page.select_one("section#contact-results") and not page.select_one("form.filters")
    row = page.select_one(f"#contact-row-{ann.id}")
    assert [t.get_text() for t in row.select(".tag")] == ["VIP"]
    assert row.select_one("input[name=ids]").has_attr("checked")
    assert not page.select_one(f"#contact-row-{bob.id} input[name=ids]").has_attr("checked")
    assert page.select_one("#bulk-add")["value"] == ""
    assert [o["value"] for o in page.select("#bulk-remove option") if o["value"]] == ["VIP"]


def test_no_selection_is_refused_with_a_clear_message_and_changes_nothing(client, database):
    make("Ann")
    response = bulk(client, action="add", add_tag="VIP")
    assert response.status_code == 422
    page = soup(response)
    assert "Select one or more contacts first" in page.select_one(".bulk-error").get_text()
    assert page.select_one("#bulk-add")["value"] == "VIP"  # what was typed is kept
    assert Tag.select().count() == 0 and ContactTag.select().count() == 0


def test_an_empty_or_too_long_tag_gets_the_contact_forms_message_and_changes_nothing(client, database):
    ann = make("Ann")
    empty = bulk(client, ids=[str(ann.id)], action="add", add_tag="   ")
    assert empty.status_code == 422
    assert soup(empty).select_one("#bulk-add-error").get_text() == "Type a tag name."
    long_name = "Enterprise accounts in the northern region whose renewal falls in Q3"
    too_long = bulk(client, ids=[str(ann.id)], action="add", add_tag=long_name)
    assert too_long.status_code == 422
    page = soup(too_long)
    message = page.select_one("#bulk-add-error").get_text()
    assert page.select_one(f"#contact-row-{ann.id} input[name=ids]").has_attr("checked")  # selection kept
    form = client.post("/contacts/", data={"csrf_token": token(client), "first_name": "Bo", "stage": "lead",
                                           "tags": f"ok, {long_name}"})  # fmt: skip
    assert form.status_code == 422
    assert soup(form).select_one("#e-tags").get_text() == message
    assert message.startswith("A tag can be at most 60 characters")
    assert Tag.select().count() == 0 and tags_of(ann) == []


def test_two_names_at_once_and_removing_a_tag_nobody_has_are_refused(client, database):
    ann = make("Ann", tags=["VIP"])
    two = bulk(client, ids=[str(ann.id)], action="add", add_tag="a, b")
    assert (
        two.status_code == 422 and "One tag at a time" in soup(two).select_one("#bulk-add-error").get_text()
    )
    unknown = bulk(client, ids=[str(ann.id)], action="remove", remove_tag="Nope")
    assert unknown.status_code == 422
    assert soup(unknown).select_one("#bulk-remove-error").get_text() == "There is no tag “Nope”."
    none = bulk(client, ids=[str(ann.id)], action="remove", remove_tag="")
    assert (
        none.status_code == 422
        and soup(none).select_one("#bulk-remove-error").get_text() == "Pick a tag to remove."
    )
    assert tags_of(ann) == ["VIP"]


def test_bulk_tagging_needs_the_csrf_token(client, database):
    ann = make("Ann")
    response = client.post("/contacts/bulk-tag", data={"ids": str(ann.id), "action": "add", "add_tag": "VIP"})
    assert response.status_code == 400
    assert tags_of(ann) == [] and Tag.select().count() == 0


def test_each_row_has_a_labelled_checkbox_and_the_page_a_select_all(client, database):
    ann = make("Ann Lee", tags=["VIP"])
    page = soup(client.get("/contacts/"))
    box = page.select_one(f"#contact-row-{ann.id} input[type=checkbox][name=ids]")
    assert box["value"] == str(ann.id) and box["aria-label"] == "Select Ann Lee"
    assert json.loads(box["data-tags"]) == ["VIP"]
    assert page.select_one("input[data-bulk-page]")["aria-label"] == "Select all 1 on this page"
    assert page.select_one("input[name=scope]") is None  # one page: nothing more to select
    # The filter form listens to its own selects only: choosing a tag to remove keeps the list.
    form = page.select_one("form.filters")
    sources = [part.split("from:", 1)[1].strip() for part in form["hx-trigger"].split(",") if "from:" in part]
    assert not any(page.select_one("#bulk-remove") in page.select(s) for s in sources)


def test_removable_tags_are_those_of_everyone_matching(client, database):
    for i in range(55):
        make(f"Acme {i:02d}", company="Acme", tags=["Late"] if i == 54 else [])
    make("Other", tags=["Elsewhere"])
    results = soup(client.get("/contacts/?q=acme", headers={"HX-Request": "true"}))
    assert [o["value"] for o in results.select("#bulk-remove option") if o["value"]] == []  # page 1's rows
    # A page loaded whole may have no JavaScript to ask when "All 55" is ticked: it offers them all
    # (with JavaScript, app.js narrows them to the ticked rows' tags until "All 55" is ticked).
    page = soup(client.get("/contacts/?q=acme"))
    assert [o["value"] for o in page.select("#bulk-remove option") if o["value"]] == ["Late"]
    url = page.select_one("input[name=scope]")["hx-get"]
    answer = soup(client.get(url, headers={"HX-Request": "true"}))
    assert [o["value"] for o in answer.select("select#bulk-remove option") if o["value"]] == ["Late"]


def test_crm_tag_add_and_remove_by_company_and_search(app, database):
    acme = [make(f"Ann {i}", company="Acme Rockets") for i in range(3)]
    other = make("Bob", company="Globex")
    runner = app.test_cli_runner()
    result = runner.invoke(
        cli, ["tag", "add", "Customers", "--company", "acme rockets"], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert result.output.splitlines() == ["Added “Customers” to 3 contacts.", "To undo it: crm tag undo 1"]
    assert all(tags_of(c) == ["Customers"] for c in acme) and tags_of(other) == []
    result = runner.invoke(cli, ["tag", "remove", "Customers", "--search", "ann 1"], catch_exceptions=False)
    assert result.output.splitlines() == ["Removed “Customers” from 1 contact.", "To undo it: crm tag undo 2"]
    assert [tags_of(c) for c in acme] == [["Customers"], [], ["Customers"]]
    # undo the add: only the three it tagged lose the tag again (Ann 1 had lost it since)
    result = runner.invoke(cli, ["tag", "undo", "1"], catch_exceptions=False)
    assert result.output.strip() == "Undone: “Customers” is off the 2 contacts it was added to."
    assert [tags_of(c) for c in acme] == [[], [], []]
    again = runner.invoke(cli, ["tag", "undo", "1"])
    assert again.exit_code != 0 and "undone already or is no longer kept" in again.output
    runner.invoke(cli, ["tag", "add", "Customers", "--company", "globex"], catch_exceptions=False)
    unchanged = runner.invoke(cli, ["tag", "add", "Customers", "--company", "globex"], catch_exceptions=False)
    assert unchanged.output.splitlines() == ["No change: the contact already had “Customers”."]  # no undo
    refused = runner.invoke(cli, ["tag", "add", "VIP"])
    assert refused.exit_code != 0 and "Say which contacts" in refused.output
    missing = runner.invoke(cli, ["tag", "add", "VIP", "--company", "Nowhere"])
    assert missing.exit_code != 0 and "no company" in missing.output
    assert Tag.get_or_none(Tag.name == "VIP") is None


def test_tagging_people_who_all_have_the_tag_says_nothing_changed(client, database):
    ann = make("Ann", tags=["VIP"])
    response = bulk(client, htmx=True, ids=[str(ann.id)], action="add", add_tag="VIP")
    assert soup(response).select_one(".bulk-notice").get_text() == "No change: the contact already had “VIP”."


def test_a_bulk_action_is_one_transaction_nothing_stays_when_the_rescore_fails(client, database, monkeypatch):
    Tag.create(name="Customers", cadence_days=30)
    people = [make(f"P{i}", company="Initech") for i in range(3)]

    def broken(ids, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(derived, "refresh_many", broken)
    response = confirmed(
        client, url="/contacts/bulk-tag?q=initech", scope="all", action="add", add_tag="New tag"
    )
    assert response.status_code == 500
    assert Tag.get_or_none(Tag.name == "New tag") is None and ContactTag.select().count() == 0
    assert all(Contact.get_by_id(c.id).updated_at == c.updated_at for c in people)
