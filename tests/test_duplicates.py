"""Duplicate suggestions: each kind of evidence, with its reason; dismissed pairs stay away."""

from __future__ import annotations

from crm.models import Contact, Signal
from crm.services import contacts, duplicates
from tests.dedupe_helpers import at, person


def reasons() -> dict[frozenset[int], str]:
    return {frozenset((s.a, s.b)): s.reason for s in duplicates.find_duplicates()}


def test_each_kind_of_evidence(database):
    bob = person("Bob", "Smith", company="Acme")
    robert = person("Robert", "Smith", company="ACME")
    jose = person("José", "Ødegaard", company="Nimbus")
    jose2 = person("jose", "odegaard")
    ann = person("Ann", "Lee", emails=["ann@lee.example"])
    ann2 = person("Annie", "Park", emails=["ANN@lee.example"])
    kim = person("Kim", "Ray", phones=["+1 555 0100 200"])
    kim2 = person("K", "Ray-Jones", phones=["+15550100200"])
    r_init = person("R.", "Khan", company="Polaris")
    raj = person("Raj", "Khan", company="Polaris")
    dom1 = person("Sara", "Novak", company="Orbit", emails=["sara@orbit.io"])
    dom2 = person("Sara", "Novak", company="Orbit Labs GmbH", emails=["s.novak@orbit.io"])
    typo1 = person("Maria", "Gonzalez", company="Zenith")
    typo2 = person("Maria", "Gonzales", company="Zenith")
    found = reasons()
    assert found[frozenset((bob, robert))] == "Similar names (Bob / Robert) at the same company"
    assert found[frozenset((jose, jose2))] == "Same name apart from accents or case and one has no company"
    assert found[frozenset((ann, ann2))] == "Same email address (ann@lee.example)"
    assert found[frozenset((kim, kim2))] == "Same phone number (+1 555 0100 200)"
    assert found[frozenset((r_init, raj))] == "Same last name and matching initial at the same company"
    assert found[frozenset((dom1, dom2))] == "Same name with the same email domain (orbit.io)"
    assert found[frozenset((typo1, typo2))] == "Similar names at the same company"
    assert len(found) == 7


def test_a_name_whose_letters_an_export_lost_meets_the_intact_one(database):
    """Found with the generator's Outlook file after its LinkedIn export: "?ukasz Kelly" (Outlook
    desktop writes in the Windows code page) shares no name key with LinkedIn's "Łukasz Kelly",
    so the pair was neither matched nor suggested. The intact spelling is kept by default."""
    intact = person("Łukasz", "Kelly", company="Lighthouse", linkedin_url="https://www.linkedin.com/in/lk")
    lost = person("?ukasz", "Kelly", company="Lighthouse", emails=["?ukasz.kelly@lighthouse.example"])
    zoe = person("Zoë", "Müller")
    zoe_lost = person("Zo?", "M?ller", company="Orbit")  # no name key in common at all
    elsewhere = person("?ukasz", "Kelly", company="Redwood")  # another company: another person
    other_letter = person("Lukasz", "Kelly", company="Lighthouse")  # an "L" no export loses
    found = {frozenset((s.a, s.b)): s for s in duplicates.find_duplicates()}
    pair = found[frozenset((intact, lost))]
    assert pair.reason == (
        "Same name but for letters an export lost (?ukasz Kelly / Łukasz Kelly) at the same company"
    )
    assert pair.keep == intact and pair.rank == 3
    assert found[frozenset((zoe, zoe_lost))].reason.endswith("and one has no company")
    assert found[frozenset((zoe, zoe_lost))].keep == zoe
    assert frozenset((intact, elsewhere)) not in found
    assert not any(lost in pair and other_letter in pair for pair in found)


def test_same_name_at_different_companies_is_not_suggested(database):
    person("John", "Lee", company="Acme")
    person("John", "Lee", company="Zenith")
    person("Ann", "Smith", company="Acme")
    person("Bob", "Smith", company="Acme")
    assert reasons() == {}


def moved(contact_id: int, details: dict) -> None:
    Signal.create(contact=contact_id, kind="job_change", weight=40, half_life_days=30,
                  observed_at=at(1), details=details)  # fmt: skip


def test_same_name_at_the_company_someone_left_is_suggested(database):
    """An address book keeps people at their old employer; LinkedIn has moved them on."""
    linked = person("John", "Lee", company="Globex", linkedin_url="https://www.linkedin.com/in/jlee")
    moved(linked, {"from": "VP Sales at Acme Corp", "to": "CMO at Globex", "old_company": "Acme Corp"})
    kept = person("John", "Lee", company="ACME Corp")
    older = person("Ann", "Smith", company="Initech")  # an import from before old_company was stored
    moved(older, {"from": "CFO at Hooli", "to": "CFO at Initech"})
    ann = person("Ann", "Smith", company="Hooli")
    bare = person("Kim", "Ray", company="Umbrella")
    moved(bare, {"from": "Vandelay", "to": "Umbrella"})  # no title either side
    kim = person("Kim", "Ray", company="Vandelay")
    rob = person("Robert", "Ray", company="Stark")
    moved(rob, {"from": "CTO at Wayne", "to": "CTO at Stark", "old_company": "Wayne"})
    bob = person("Bob", "Ray", company="wayne")
    unrelated = person("John", "Lee", company="Zenith")  # same name, a company John never left
    assert reasons() == {
        frozenset((linked, kept)): "Same name; John Lee used to work at ACME Corp",
        frozenset((older, ann)): "Same name; Ann Smith used to work at Hooli",
        frozenset((bare, kim)): "Same name; Kim Ray used to work at Vandelay",
        frozenset((rob, bob)): "Similar names (Robert / Bob); Robert Ray used to work at wayne",
    }
    assert unrelated not in {i for pair in reasons() for i in pair}


def test_two_linkedin_profiles_are_two_people_unless_an_email_or_phone_says_otherwise(database):
    def linked(first, last, slug, **kw):
        return person(first, last, linkedin_url=f"https://www.linkedin.com/in/{slug}", **kw)

    linked("Lars", "Wójcik", "lars-w-1", company="Polaris")
    linked("Lars", "Wójcik", "lars-w-2", company="Polaris")
    linked("Bob", "Smith", "bob-s-1", company="Acme")
    linked("Robert", "Smith", "bob-s-2", company="Acme")
    one = linked("Ann", "Lee", "ann-lee-1", emails=["ann@lee.example"])
    two = linked("Ann", "Lee", "ann-lee-2", emails=["ann@lee.example"])
    without = person("Lars", "Wójcik", company="Polaris")  # an address-book copy of one of them
    found = reasons()
    assert found.pop(frozenset((one, two))) == "Same email address (ann@lee.example)"
    assert {pair for pair in found if without not in pair} == set()
    assert len(found) == 2 and all(v == "Same name at the same company" for v in found.values())


def test_dismissed_and_deleted_contacts_are_left_out(database):
    a = person("Bob", "Smith", company="Acme")
    b = person("Bob", "Smith", company="Acme")
    c = person("Bob", "Smith")
    assert len(reasons()) == 3
    duplicates.dismiss(b, a)
    duplicates.dismiss(a, b)
    assert frozenset((a, b)) not in reasons() and duplicates.count_dismissed() == 1
    contacts.delete_contact(Contact.get_by_id(c))
    assert reasons() == {}


def test_json_shape(database):
    a = person("Bob", "Smith", emails=["b@x.com"])
    b = person("Zed", "Other", emails=["b@x.com"])
    assert [s.as_json() for s in duplicates.find_duplicates()] == [
        {"contact_ids": [a, b], "reason": "Same email address (b@x.com)"}
    ]
