"""Merging two contacts moves everything to the survivor; undo restores every row exactly."""

from __future__ import annotations

import pytest

from crm.models import (
    Activity,
    ActivityContact,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    FollowUp,
    Merge,
    Reciprocity,
    Signal,
)
from crm.services import activities, contacts, derived, merge
from tests.dedupe_helpers import at, dump, person


@pytest.fixture
def pair(database):
    """Bob and Robert Smith, each with history, sharing an email, a tag and an activity."""
    keep = person(
        "Bob",
        "Smith",
        company="Acme",
        emails=["bob@acme.com", "shared@acme.com"],
        phones=["+1 555 0100"],
        tags=["client", "golf"],
        linkedin_url="https://www.linkedin.com/in/bobsmith",
        notes="Met at SaaStr.",
    )
    other = person(
        "Robert",
        "Smith",
        company="Acme Inc",
        emails=["shared@acme.com", "robert@home.example"],
        phones=["+1 555 0100", "+44 20 7000 0000"],
        tags=["golf", "vip"],
        linkedin_url="https://www.linkedin.com/in/robert-smith",
        title="VP Sales",
        notes="Prefers calls.",
        birthday=(1980, 4, 2),
    )
    both = activities.log_touch([keep, other], "meeting", "Lunch with both", occurred_at=at(1))
    mine = activities.log_touch([other], "call", "Called Robert", occurred_at=at(2))
    FollowUp.create(contact=other, title="Send deck", due_at=at(20))
    Signal.create(contact=other, kind="job_change", weight=3, half_life_days=30, observed_at=at(3))
    Reciprocity.create(contact=other, direction="gave", kind="introduction", note="to Ann")
    derived.refresh_contacts([keep, other])  # rows made by hand above: scores as the app keeps them
    return keep, other, both.id, mine.id


def test_merge_moves_everything_and_unites_lists(pair):
    keep, other, both, mine = pair
    result = merge.merge_contacts(keep, other, {"name": "other", "title": "keep"})
    survivor = Contact.get_by_id(keep)
    assert survivor.full_name == "Robert Smith"
    assert survivor.title == "VP Sales"  # blank on keep: the other's value fills it
    assert survivor.company.name == "Acme"  # conflict, keep's value by default
    assert survivor.linkedin_url == "https://www.linkedin.com/in/bobsmith"
    assert (survivor.birthday_year, survivor.birthday_month, survivor.birthday_day) == (1980, 4, 2)
    assert contacts.emails_of(survivor) == ["bob@acme.com", "shared@acme.com", "robert@home.example"]
    assert [p.phone_key for p in survivor.phones.order_by(ContactPhone.position)] == [
        "15550100",
        "442070000000",
    ]
    assert contacts.tags_for([keep])[keep] == ["client", "golf", "vip"]
    links = ActivityContact.select().where(ActivityContact.contact == keep)
    assert sorted(link.activity_id for link in links) == sorted([both, mine])
    for model in (FollowUp, Signal, Reciprocity):
        assert model.select().where(model.contact == keep).count() == 1
        assert model.select().where(model.contact == other).count() == 0
    gone = Contact.get_by_id(other)
    assert gone.deleted_at is not None and gone.linkedin_url is None
    assert ContactEmail.select().where(ContactEmail.contact == other).count() == 0
    assert Merge.get_by_id(result.id).merged_id == other
    assert other not in [c.id for c in contacts.trash()]


def test_the_other_linkedin_url_can_win(pair):
    keep, other, *_ = pair
    merge.merge_contacts(keep, other, {"linkedin_url": "other", "notes": "both"})
    survivor = Contact.get_by_id(keep)
    assert survivor.linkedin_url == "https://www.linkedin.com/in/robert-smith"
    assert survivor.notes == "Met at SaaStr.\n\nPrefers calls."


def test_undo_restores_every_row_exactly(pair):
    keep, other, *_ = pair
    before = dump()
    done = merge.merge_contacts(keep, other, {"name": "other", "linkedin_url": "other", "company": "other"})
    assert dump() != before
    merge.undo_merge(done.id)
    assert dump() == before
    assert Merge.get_by_id(done.id).undone_at is not None
    with pytest.raises(merge.MergeError, match="already undone"):
        merge.undo_merge(done.id)


def test_undo_keeps_what_was_added_after_the_merge(pair):
    keep, other, *_ = pair
    done = merge.merge_contacts(keep, other)
    later = activities.log_touch([keep], "note", "After the merge", occurred_at=at(25))
    merge.undo_merge(done.id)
    assert ActivityContact.get(ActivityContact.activity == later.id).contact_id == keep
    assert Contact.get_by_id(other).deleted_at is None


def test_undo_keeps_the_fields_the_owner_edited_on_the_survivor_since(pair):
    keep, other, *_ = pair
    done = merge.merge_contacts(keep, other, {"company": "other", "notes": "both"})
    survivor = Contact.get_by_id(keep)
    assert survivor.title == "VP Sales" and survivor.company.name == "Acme Inc"
    # after the merge the owner writes the survivor's notes and a new title; the company stays
    Contact.update(notes="Call after the board meeting", title="CRO").where(Contact.id == keep).execute()
    merge.undo_merge(done.id)
    survivor = Contact.get_by_id(keep)
    assert (survivor.notes, survivor.title) == ("Call after the board meeting", "CRO")
    assert survivor.company.name == "Acme" and survivor.first_name == "Bob"  # the merge's own change goes
    robert = Contact.get_by_id(other)
    assert (robert.deleted_at, robert.notes, robert.title) == (None, "Prefers calls.", "VP Sales")


def test_a_merge_recorded_before_its_after_snapshot_undoes_every_field_as_it_did(pair):
    keep, other, *_ = pair
    done = merge.merge_contacts(keep, other)
    record = Merge.get_by_id(done.id)
    record.snapshot = {k: v for k, v in record.snapshot.items() if k != "after"}
    record.save()
    Contact.update(notes="Typed after").where(Contact.id == keep).execute()
    merge.undo_merge(done.id)
    assert Contact.get_by_id(keep).notes == "Met at SaaStr."


def test_undo_works_out_last_touch_again_with_what_was_logged_after_the_merge(pair):
    keep, other, *_ = pair
    done = merge.merge_contacts(keep, other)
    call = activities.log_touch([keep], "call", "Called after the merge", occurred_at=at(25))
    merge.undo_merge(done.id)
    # the snapshot's last touch predates the call; Today must not call them overdue
    assert Contact.get_by_id(keep).last_touch_at == call.occurred_at
    assert Contact.get_by_id(other).last_touch_at == at(2)


def test_an_earlier_merge_cannot_be_undone_before_a_later_one(pair, database):
    keep, other, *_ = pair
    third = person("R.", "Smith", company="Acme")
    first = merge.merge_contacts(keep, other)
    second = merge.merge_contacts(keep, third)
    with pytest.raises(merge.MergeError, match="undo that merge first"):
        merge.undo_merge(first.id)
    merge.undo_merge(second.id)
    merge.undo_merge(first.id)
    assert Contact.select().where(Contact.deleted_at.is_null()).count() == 3


def test_refuses_bad_merges(pair):
    keep, other, *_ = pair
    with pytest.raises(merge.MergeError, match="two different"):
        merge.merge_contacts(keep, keep)
    with pytest.raises(merge.MergeError, match="does not exist"):
        merge.merge_contacts(keep, 999)
    with pytest.raises(merge.MergeError, match="Unknown choice"):
        merge.merge_contacts(keep, other, {"name": "both"})
    merge.merge_contacts(keep, other)
    with pytest.raises(merge.MergeError, match="in the trash"):
        merge.merge_contacts(keep, other)


def test_compare_lists_conflicts(pair):
    keep, other, *_ = pair
    _k, _o, rows = merge.compare(keep, other)
    by_name = {r.name: r for r in rows}
    assert by_name["name"].conflict and by_name["name"].other == "Robert Smith"
    assert not by_name["title"].conflict and by_name["title"].other == "VP Sales"
    assert not by_name["stage"].conflict


def test_shared_activity_is_not_duplicated(pair):
    keep, other, both, _ = pair
    merge.merge_contacts(keep, other)
    assert ActivityContact.select().where(ActivityContact.activity == both).count() == 1
    assert Activity.select().count() == 2
    assert ContactTag.select().where(ContactTag.contact == keep).count() == 3


@pytest.fixture
def twins(database):
    """Three pairs a merge-all takes: each is LinkedIn's copy and an address book's copy of one
    person, with nothing that differs; plus a Bob / Robert pair whose names differ."""
    pairs = []
    for i, name in enumerate(("Ann", "Kai", "Lea")):
        linked = person(name, "Lee", company="Acme", linkedin_url=f"https://www.linkedin.com/in/{name}-lee")
        booked = person(name, "Lee", company="Acme", emails=[f"{name}@acme.example"])
        activities.log_touch([booked], "call", f"Called {name}", occurred_at=at(i + 1))
        pairs.append((linked, booked))
    return pairs


def test_a_batch_merges_every_pair_and_one_undo_splits_them_all_exactly(twins):
    before = dump()
    batch = merge.merge_batch(twins)
    assert (batch.merged, batch.skipped) == (3, 0)
    merges = list(Merge.select().order_by(Merge.id))
    assert [m.batch_id for m in merges] == [batch.id] * 3 and merges[0].id == batch.id
    for (linked, booked), name in zip(twins, ("Ann", "Kai", "Lea"), strict=True):
        assert Contact.get_by_id(booked).deleted_at is not None
        assert [e.email for e in Contact.get_by_id(linked).emails] == [f"{name}@acme.example"]
        called = ActivityContact.select().join(Activity).where(Activity.summary == f"Called {name}").get()
        assert called.contact_id == linked
    assert merge.recent_merges()[0] | {"created_at": None} == {
        "id": batch.id, "batch": True, "count": 3, "left": 3, "created_at": None, "undone_at": None
    }  # fmt: skip
    assert merge.undo_batch(batch.id) == 3
    assert dump() == before
    assert merge.recent_merges()[0]["undone_at"] is not None
    with pytest.raises(merge.MergeError, match="already undone"):
        merge.undo_batch(batch.id)


def test_a_batch_skips_pairs_that_changed_and_leaves_them_as_they_are(twins):
    (a1, b1), (a2, b2), (a3, b3) = twins
    Contact.update(title="CFO").where(Contact.id == a2).execute()
    Contact.update(title="COO").where(Contact.id == b2).execute()  # differs from a2 now
    merge.merge_contacts(a3, b3)  # merged in another tab
    batch = merge.merge_batch(twins)
    assert (batch.merged, batch.skipped) == (1, 2)
    assert Contact.get_by_id(b1).deleted_at is not None
    assert Contact.get_by_id(b2).deleted_at is None and Contact.get_by_id(b2).title == "COO"
    assert Merge.select().where(Merge.batch_id == batch.id).count() == 1


def test_nothing_to_merge_is_no_batch(twins):
    assert merge.merge_batch([]) == merge.Batch(None, 0, 0)
    assert Merge.select().count() == 0


def test_a_batch_is_undone_all_or_none(twins):
    (a1, b1), *_ = twins
    batch = merge.merge_batch(twins)
    later_twin = person("Ann", "Lee", company="Acme")
    merge.merge_contacts(a1, later_twin)  # a later merge builds on the batch's first pair
    before = dump()
    with pytest.raises(merge.MergeError, match="Nothing was undone: Ann Lee was merged again after"):
        merge.undo_batch(batch.id)
    assert dump() == before


def _derived(contact_id: int) -> tuple:
    c = Contact.get_by_id(contact_id)
    return c.last_touch_at, c.next_touch_due, c.score, c.score_reasons


@pytest.mark.parametrize("how", ["one", "batch"])
def test_the_kept_contact_is_scored_on_the_history_it_now_has(database, how):
    """LinkedIn's copy (no history) keeps an address book's copy that has a call and a follow-up
    due: its score, reasons and next due date are those of the merged history, as a rescore
    would give them, not the larger of the two old scores."""
    from crm.services import derived

    linked = person("Ann", "Lee", company="Acme", linkedin_url="https://www.linkedin.com/in/ann-lee")
    booked = person("Ann", "Lee", company="Acme", emails=["ann@acme.example"])
    activities.log_touch([booked], "call", "Called Ann", occurred_at=at(1))
    FollowUp.create(contact=booked, title="Send deck", due_at=at(20))
    derived.refresh_contacts([linked, booked])
    before = _derived(linked)
    if how == "one":
        merge.merge_contacts(linked, booked)
    else:
        merge.merge_batch([(linked, booked)])
    merged = _derived(linked)
    derived.refresh_contacts([linked])
    assert merged == _derived(linked) != before


@pytest.mark.parametrize("kept", ["intact", "lost"])
def test_a_lost_letter_pair_merges_without_the_broken_address_and_undo_brings_it_back(database, kept):
    """Found by QA: an Outlook file's '?ukasz Kelly' (the export lost the 'Ł' of his address too)
    merged with LinkedIn's 'Łukasz Kelly' kept both addresses, the broken one no use to anyone."""
    from crm.services import addressbook_import, duplicates, imports, linkedin_import
    from tests.importers.test_linkedin import zip_of

    outlook = '"First Name","Last Name","Company","Job Title","Mobile Phone","E-mail Address","Birthday"\r\n'
    outlook += '"?ukasz","Kelly","Lighthouse","","+44 20 7946 0001","?ukasz.kelly@lighthouse.example",""\r\n'
    outlook += '"Ann","Lee","Lighthouse","","","ann@lighthouse.example",""\r\n'
    imports.commit(addressbook_import.planner(outlook.encode("cp1252"), "outlook.csv", "o"))
    connections = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Łukasz,Kelly,https://www.linkedin.com/in/lukasz,łukasz.kelly@lighthouse.example,Lighthouse,CTO,"
        "01 May 2020\n"
    )
    imports.commit(linkedin_import.planner(zip_of({"Connections.csv": connections}), "export.zip", "l"))
    (pair,) = duplicates.find_duplicates()
    intact = pair.keep
    lost = pair.a if pair.b == intact else pair.b
    assert Contact.get_by_id(intact).full_name == "Łukasz Kelly"
    keep, other = (intact, lost) if kept == "intact" else (lost, intact)
    before = dump()
    done = merge.merge_contacts(keep, other)
    assert contacts.emails_of(Contact.get_by_id(keep)) == ["łukasz.kelly@lighthouse.example"]
    assert [p.phone_key for p in Contact.get_by_id(keep).phones] == ["442079460001"]
    assert ContactEmail.select().count() == 2  # Ann's and Łukasz's
    merge.undo_merge(done.id)
    assert dump() == before
    assert contacts.emails_of(Contact.get_by_id(lost)) == ["?ukasz.kelly@lighthouse.example"]


def test_a_birthday_with_its_year_is_kept_over_the_same_day_without(database):
    """Found by QA: merging 'Ann Lee, 3 July' with 'Ann Lee, 3 July 1971' kept '3 July' unless the
    owner picked the other; the year is more of the same fact. Another day is still a choice."""
    keep = person("Ann", "Lee", emails=["ann@x.example"], birthday=(None, 7, 3))
    other = person("Ann", "Lee", emails=["ann@home.example"], birthday=(1971, 7, 3))
    merge.merge_contacts(keep, other)
    kept = Contact.get_by_id(keep)
    assert (kept.birthday_year, kept.birthday_month, kept.birthday_day) == (1971, 7, 3)
    third = person("Ann", "Lee", emails=["ann@third.example"], birthday=(None, 8, 4))
    assert merge.default_choices(Contact.get_by_id(third), kept) == {}
