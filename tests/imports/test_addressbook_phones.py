"""Phone numbers are compared by their digits alone: "+1 (268) 555-0017" is "1-268-555-0017",
on import, in the stored keys (migration 0010) and so for Duplicates; the text stays as typed."""

from __future__ import annotations

import json
import sqlite3

from crm import create_app, migrations
from crm.db import db
from crm.models import Contact
from crm.services import addressbook_import, duplicates, imports
from tests.test_upgrade import migrated_before

BASE = (
    "First Name,Last Name,E-mail 1 - Value,Phone 1 - Value,Organization Name,Labels\n"
    "Ann,One,ann@x.example,+1 (268) 555-0017,Acme,\n"
    "Bob,Two,bob@x.example,+44 20 7946 0000,Acme,\n"
)
LATER = (
    "First Name,Last Name,E-mail 1 - Value,Phone 1 - Value,Organization Name,Labels\n"
    "Ann,One,,1-268-555-0017,,\n"  # Ann again, her number written without the +
    "Cleo,Three,,0044 20 7946 0000,,\n"  # Bob's number with the international 00
)


def commit(text: str, name: str):
    return imports.commit(addressbook_import.planner(text.encode(), name, name))


def test_a_number_with_and_without_plus_is_one_person_on_import(database):
    commit(BASE, "base.csv")
    _run, report = commit(LATER, "later.csv")
    assert (report.contacts["created"], report.contacts["updated"], report.contacts["unchanged"]) == (0, 0, 2)
    assert Contact.select().count() == 2
    ann = Contact.get(Contact.first_name == "Ann")
    assert [(p.phone, p.phone_key) for p in ann.phones] == [("+1 (268) 555-0017", "12685550017")]
    bob = Contact.get(Contact.first_name == "Bob")  # the row's other name is a conflict, not a person
    assert [c["field"] for c in report.conflicts] == ["first_name", "last_name"]
    assert [(p.phone, p.phone_key) for p in bob.phones] == [("+44 20 7946 0000", "442079460000")]


def test_one_row_with_a_number_twice_with_and_without_plus_stores_it_once(database):
    text = (
        "First Name,Last Name,Phone 1 - Value,Phone 2 - Value,Labels\n"
        "Dee,Four,+1 268 555 0099,1-268-555-0099,\n"
    )
    _run, report = commit(text, "twice.csv")
    assert report.contacts["created"] == 1
    dee = Contact.get(Contact.first_name == "Dee")
    assert [(p.phone, p.phone_key, p.position) for p in dee.phones] == [("+1 268 555 0099", "12685550099", 0)]
    _run, again = commit(text, "twice.csv")
    assert (again.contacts["created"], again.contacts["unchanged"]) == (0, 1)


def _contact(conn, name: str, phones: list[tuple[str, str]]) -> int:
    first, last = name.split()
    cursor = conn.execute(
        "INSERT INTO contact (first_name, last_name, full_name, name_key, title, location, website, notes,"
        " stage, source, is_connection, connected, value_deal, value_referrals, value_advocate,"
        " value_feedback, created_at, updated_at, score, score_reasons) VALUES (?, ?, ?, ?, '', '', '',"
        " '', 'lead', 'google', 0, 0, 0, 0, 0, 0, '2025-01-01 00:00:00', '2025-01-01 00:00:00', 0, '[]')",
        (first, last, name, name.lower()),
    )
    for position, (phone, key) in enumerate(phones):
        conn.execute(
            "INSERT INTO contact_phone (contact_id, phone, phone_key, label, position)"
            " VALUES (?, ?, ?, '', ?)",
            (cursor.lastrowid, phone, key, position),
        )
    return cursor.lastrowid


def test_migration_0010_stores_digit_keys_so_duplicates_pair_the_two_spellings(tmp_path, monkeypatch):
    path = migrated_before(tmp_path, monkeypatch, "0010")
    conn = sqlite3.connect(path)
    with conn:  # as the releases before 0010 stored them: the "+" kept
        ann = _contact(conn, "Ann One", [("+1 (268) 555-0017", "+12685550017")])
        annie = _contact(conn, "Annie Uno", [("1-268-555-0017", "12685550017")])
        twice = [("+1 268 555 0099", "+12685550099"), ("1-268-555-0099", "12685550099")]
        dee = _contact(conn, "Dee Four", twice)
        rows = [{"id": 99, "contact_id": dee, "phone": "+1 268 555 0099", "phone_key": "+12685550099",
                 "label": "", "position": 0}]  # fmt: skip
        conn.execute(
            "INSERT INTO merge (kept_id, merged_id, snapshot, created_at) VALUES (?, 42, ?, '2025-01-01')",
            (dee, json.dumps({"contacts": [], "rows": {"contact_phone": rows, "contact_email": []}})),
        )
    conn.close()

    since = [name for name in migrations.available() if name >= "0010_phone_keys_are_digits"]
    assert migrations.migrate(path) == since

    conn = sqlite3.connect(path)
    stored = conn.execute("SELECT contact_id, phone, phone_key FROM contact_phone ORDER BY id").fetchall()
    assert stored == [
        (ann, "+1 (268) 555-0017", "12685550017"),
        (annie, "1-268-555-0017", "12685550017"),
        (dee, "+1 268 555 0099", "12685550099"),  # the same number twice: the first listed stays
    ]
    (snapshot,) = conn.execute("SELECT snapshot FROM merge").fetchone()
    assert json.loads(snapshot)["rows"]["contact_phone"] == [{**rows[0], "phone_key": "12685550099"}]
    conn.close()
    app = create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path / "old"), "DATABASE": path,
         "SECRET_KEY": "test-secret-key-0123456789abcdef", "TIMEZONE": "UTC"}
    )  # fmt: skip
    with app.app_context():
        db.connect(reuse_if_open=True)
        try:
            pairs = {frozenset((s.a, s.b)): s.reason for s in duplicates.find_duplicates()}
        finally:
            db.close()
    assert pairs[frozenset((ann, annie))] == "Same phone number (+1 (268) 555-0017)"
