"""Cross-source matching: URL, then email, then phone; names never; blanks never overwrite."""

from __future__ import annotations

import datetime as dt
import time

from crm.models import Contact
from crm.services import contacts, matching
from importers.base import Birthday, PersonRecord
from importers.formats import parse_csv
from tests.dedupe_helpers import person


def record(**fields) -> PersonRecord:
    return PersonRecord(source="google", file="x.csv", row=2, **fields)


def test_match_order_and_names_alone_never_match(database):
    ann = person("Ann", "Lee", emails=["ann@acme.com"], linkedin_url="https://www.linkedin.com/in/annlee")
    bob = person("Bob", "Ray", phones=["+1 (555) 010-0200"])
    index = matching.build_index()
    url = record(linkedin_url="https://de.linkedin.com/in/AnnLee/", emails=("other@x.com",))
    assert matching.match_reason(url, index) == (ann, "linkedin_url")
    assert matching.match_reason(record(emails=("ANN@acme.com",)), index) == (ann, "email")
    assert matching.match_reason(record(phones=("+1 555 010 0200",)), index) == (bob, "phone")
    assert matching.match(record(first_name="Ann", last_name="Lee"), index) is None
    assert matching.match(record(emails=("nobody@x.com",), phones=("123",)), index) is None


def test_deleted_contacts_match_only_by_url(database):
    ann = person("Ann", "Lee", emails=["ann@acme.com"], linkedin_url="https://www.linkedin.com/in/annlee")
    contacts.delete_contact(Contact.get_by_id(ann))
    index = matching.build_index()
    assert matching.match(record(emails=("ann@acme.com",)), index) is None
    assert matching.match(record(linkedin_url="https://www.linkedin.com/in/annlee"), index) == ann


def test_plan_fills_blanks_reports_conflicts_and_adds_lists(database):
    ann = person("Ann", "Lee", company="Acme", emails=["ann@acme.com"], tags=["golf"], title="CMO")
    row = matching.load_rows([ann])[ann]
    incoming = record(
        first_name="ann",
        last_name="Lee",
        company="ACME",
        title="Chief Marketing Officer",
        location="Berlin",
        emails=("ann@acme.com", "ann@home.example"),
        phones=("+49 30 1234567",),
        tags=("Golf", "Clients"),
        birthday=Birthday(4, 2, None),
    )
    plan = matching.plan_update(row, incoming)
    assert plan.changes == {
        "location": "Berlin",
        "birthday": (None, 4, 2),
        "add_emails": ["ann@home.example"],
        "add_phones": ["+49 30 1234567"],
        "add_tags": ["Clients"],
    }
    assert [(c.field, c.existing, c.incoming) for c in plan.conflicts] == [
        ("title", "CMO", "Chief Marketing Officer")
    ]
    assert matching.plan_update(row, record(title="", emails=("ann@acme.com",))).unchanged
    matching.apply_changes(ann, plan.changes)
    after = matching.load_rows([ann])[ann]
    assert after["location"] == "Berlin" and after["title"] == "CMO"
    assert sorted(after["emails"]) == ["ann@acme.com", "ann@home.example"]
    assert sorted(after["tags"]) == ["Clients", "golf"]
    assert matching.plan_update(after, incoming).changes == {}


def test_credentials_after_a_comma_are_not_a_conflict(database):
    liam = person("Liam", "Sato, CFA", emails=["liam@sato.example"])  # as LinkedIn shows him
    row = matching.load_rows([liam])[liam]
    assert matching.plan_update(row, record(first_name="Liam", last_name="Sato")).unchanged
    clash = matching.plan_update(row, record(last_name="Satō-Berg"))
    assert [(c.field, c.existing, c.incoming) for c in clash.conflicts] == [
        ("last_name", "Sato, CFA", "Satō-Berg")
    ]


def test_a_new_contact_is_found_by_later_rows_of_the_same_file(database):
    index = matching.build_index()
    first = record(emails=("new@x.com",), linkedin_url="https://www.linkedin.com/in/new")
    assert matching.match(first, index) is None
    index.add(42, first)
    assert matching.match(record(emails=("NEW@x.com",)), index) == 42


def test_birthday_year_and_connection_fill_in(database):
    ann = person("Ann", "Lee", birthday=(None, 4, 2))
    row = matching.load_rows([ann])[ann]
    plan = matching.plan_update(
        row, record(birthday=Birthday(4, 2, 1990), connected_on=dt.date(2020, 1, 1), is_connection=True)
    )
    assert plan.changes == {
        "birthday": (1990, 4, 2),
        "connected_on": dt.date(2020, 1, 1),
        "is_connection": True,
    }
    clash = matching.plan_update(row, record(birthday=Birthday(5, 2, 1990)))
    assert clash.conflicts[0].field == "birthday"


def test_bulk_matching_is_fast(database):
    from crm.db import db

    rows = [(f"P{i}", f"P{i}", f"p{i}", f"https://www.linkedin.com/in/p{i}") for i in range(30000)]
    db.execute_sql("BEGIN")
    for first, full, key, url in rows:
        db.execute_sql(
            "INSERT INTO contact (first_name, last_name, full_name, name_key, linkedin_url, title, location,"
            " website, notes, stage, source, is_connection, connected, value_deal, value_referrals,"
            " value_advocate, value_feedback, created_at, updated_at, score, score_reasons)"
            " VALUES (?, '', ?, ?, ?, '', '', '', '', 'lead', 'x', 0, 0, 0, 0, 0, 0,"
            " '2025-01-01', '2025-01-01', 0, '[]')",
            (first, full, key, url),
        )
    db.execute_sql("COMMIT")
    text = "First Name,Last Name,LinkedIn\n" + "".join(
        f"P{i},X,https://www.linkedin.com/in/p{i * 2}\n" for i in range(50000)
    )
    parsed = parse_csv(
        text.encode(),
        "x.csv",
        mapping={"First Name": "first_name", "Last Name": "last_name", "LinkedIn": "linkedin_url"},
    )
    records = list(parsed.records())
    started = time.perf_counter()
    index = matching.build_index()
    found = matching.match_all(records, index)
    elapsed = time.perf_counter() - started
    assert sum(f is not None for f in found) == 15000
    print(f"index + match of 50,000 records against 30,000 contacts: {elapsed:.3f}s")
