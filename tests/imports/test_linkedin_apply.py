"""Applying LinkedIn exports to a real database: counts, signals, re-import, undo, failure."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest

from crm.models import Activity, ActivityContact, Contact, ImportChange, ImportRun, Merge, Signal
from crm.services import imports, linkedin_import
from importers.base import ImportRejected
from tests.importers.test_linkedin import zip_of
from tests.imports.conftest import dump
from tests.linkedin_export import build
from tests.search_helpers import index_drift


def run_import(data: bytes, name: str, dry_run: bool = False):
    planner = linkedin_import.planner(data, name, "test-hash")
    if dry_run:
        return None, imports.preview(planner)
    return imports.commit(planner)


def test_counts_equal_what_the_builder_wrote(database, exports):
    data, truth = exports[1]
    run, report = run_import(data, truth["zip_name"])
    outsiders = len(truth["outsiders_messaged"])
    assert report.contacts["created"] == truth["connections"] + outsiders
    assert report.contacts["outsiders"] == outsiders
    assert report.activities["message"] == truth["messages"]["real"]
    assert report.activities["invitation"] == truth["invitations"]
    assert report.activities["endorsement"] == truth["endorsements"]
    assert report.activities["recommendation"] == truth["recommendations"]
    reasons = report.skipped_by_reason
    for kind in ("draft", "sponsored", "system"):
        assert reasons[kind] == truth["messages"][kind]
    # P4: every message row is accounted for
    assert report.rows["messages"] == truth["message_rows"]
    assert report.activities["message"] + sum(reasons.values()) == truth["message_rows"]
    assert Contact.select().where(Contact.is_connection == True).count() == truth["connections"]  # noqa: E712
    assert Contact.select().where(Contact.is_connection == False).count() == outsiders  # noqa: E712
    assert Activity.select().where(Activity.kind == "message").count() == truth["messages"]["real"]
    assert run.status == "committed" and run.counts["contacts"]["created"] == report.contacts["created"]


def test_every_reference_an_import_writes_exists(database, exports):
    """Commits skip the per-row foreign key check; the references must hold all the same."""
    run_import(exports[1][0], exports[1][1]["zip_name"])
    run_import(exports[2][0], exports[2][1]["zip_name"])
    assert imports.db.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    links = imports.db.execute_sql("SELECT count(*) FROM activity_contact").fetchone()[0]
    assert links >= exports[1][1]["messages"]["real"]
    assert imports.db.execute_sql("PRAGMA foreign_keys").fetchone() == (1,)  # back on
    assert imports.PLAN_DB not in [r[1] for r in imports.db.execute_sql("PRAGMA database_list")]


def test_commit_names_each_phase_before_doing_it(database, exports):
    """The progress line says what is being written now, in words, and ends with the rescoring."""
    data, truth = exports[1]
    seen: list[tuple[str, int, int]] = []

    def progress(phase: str, done: int) -> None:
        if not phase.startswith("Reading"):
            contacts = imports.db.execute_sql("SELECT count(*) FROM contact").fetchone()[0]
            seen.append((phase, done, contacts))

    imports.commit(linkedin_import.planner(data, truth["zip_name"], "test-hash"), progress)
    phases = [phase for phase, _done, _contacts in seen]
    assert phases == [
        "Ordering activities by time",  # before the write lock is taken
        "Preparing to write",
        "Writing companies",
        "Writing contacts",
        "Writing email addresses",
        "Writing activities",  # few enough to be indexed for search as they go in
        "Linking activities to contacts",
        "Saving to disk",
        "Updating scores and due dates",
    ]
    by_phase = {phase: (done, contacts) for phase, done, contacts in seen}
    created = truth["connections"] + len(truth["outsiders_messaged"])
    assert by_phase["Writing contacts"] == (created, 0)  # announced before the rows go in
    assert by_phase["Writing activities"][0] == Activity.select().count()
    assert by_phase["Updating scores and due dates"] == (created, created)


def test_last_touch_is_the_latest_real_message_either_way(database, exports):
    data, truth = exports[1]
    run_import(data, truth["zip_name"])
    got = {
        c.linkedin_url: c.last_touch_at.isoformat()
        for c in Contact.select().where(Contact.last_touch_at.is_null(False))
    }
    assert got == truth["last_touch"]


def test_a_2021_export_gives_connections_without_urls_the_profiles_their_messages_name(database):
    """Found by QA on the 2021 layout (Connections.csv without URLs, messages.csv with the
    sender's URL only): each connection who wrote became a second contact with the messages,
    and the owner's replies by name matched two people and were lost."""
    connections = (
        "First Name,Last Name,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,ann@x.example,Acme,CEO,17 Nov 2021\n"
        "John,Smith,,Acme,CTO,3 Jan 2020\n"
        "John,Smith,,Globex,CFO,04 Feb 2019\n"
    )
    messages = (
        "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,DATE,SUBJECT,CONTENT,FOLDER\n"
        "2-a,,Ann Lee,https://www.linkedin.com/in/ann-lee,Owen Owner,2021-11-17 18:14:58 UTC,,Hi,INBOX\n"
        "2-a,,Owen Owner,https://www.linkedin.com/in/owen,Ann Lee,2021-11-18 18:14:58 UTC,,Reply,INBOX\n"
        "2-b,,John Smith,https://www.linkedin.com/in/john-smith-1,Owen Owner,"
        "2021-11-19 10:00:00 UTC,,Yo,INBOX\n"
    )
    profile = "First Name,Last Name,Headline\nOwen,Owner,Sales\n"
    export = zip_of({"Connections.csv": connections, "messages.csv": messages, "Profile.csv": profile})
    _run, report = run_import(export, "Basic_LinkedInDataExport_11-20-2021.zip")
    ann = Contact.get(Contact.full_name == "Ann Lee")
    assert (ann.linkedin_url, ann.connected, ann.last_touch_at) == (
        "https://www.linkedin.com/in/ann-lee",
        True,
        dt.datetime(2021, 11, 18, 18, 14, 58),
    )
    links = ActivityContact.select().join(Activity).where(Activity.kind == "message")
    assert sorted(link.contact_id for link in links if link.contact_id == ann.id) == [ann.id, ann.id]
    assert report.skipped == []
    # Two connections are called John Smith: which one wrote is not guessed.
    johns = Contact.select().where(Contact.full_name == "John Smith").order_by(Contact.id)
    assert [(j.linkedin_url, j.connected) for j in johns] == [
        (None, True),
        (None, True),
        ("https://www.linkedin.com/in/john-smith-1", False),
    ]
    assert Contact.select().count() == 4


def test_an_invitation_is_no_last_touch(database):
    """Found by QA: the import planned the right last touch, and the rescoring after it replaced
    it with a later invitation (or a 2009 recommendation)."""
    connections = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,https://www.linkedin.com/in/ann,,Acme,CFO,01 Mar 2026\n"
        "Bo,Chen,https://www.linkedin.com/in/bo,,Initech,CTO,01 Mar 2026\n"
    )
    messages = (
        "CONVERSATION ID,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,CONTENT\n"
        "c1,Ann Lee,https://www.linkedin.com/in/ann,Morgan Reyes,https://www.linkedin.com/in/morgan,"
        "2025-01-02 10:00:00 UTC,Lunch next week?\n"
    )
    invitations = (
        "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
        'Morgan Reyes,Ann Lee,"3/1/26, 9:40 AM",,OUTGOING,https://www.linkedin.com/in/morgan,'
        "https://www.linkedin.com/in/ann\n"
        'Morgan Reyes,Bo Chen,"3/1/26, 9:45 AM",,OUTGOING,https://www.linkedin.com/in/morgan,'
        "https://www.linkedin.com/in/bo\n"
    )
    profile = "First Name,Last Name,Headline\nMorgan,Reyes,Sales\n"
    export = zip_of(
        {"Connections.csv": connections, "messages.csv": messages, "Invitations.csv": invitations,
         "Profile.csv": profile}
    )  # fmt: skip
    _run, report = run_import(export, "export.zip")
    assert report.activities["invitation"] == 2
    ann = Contact.get(Contact.linkedin_url == "https://www.linkedin.com/in/ann")
    bo = Contact.get(Contact.linkedin_url == "https://www.linkedin.com/in/bo")
    assert ann.last_touch_at == dt.datetime(2025, 1, 2, 10, 0)
    assert bo.last_touch_at is None


def test_messages_link_people_direction_and_plain_text(database, exports):
    data, truth = exports[1]
    run_import(data, truth["zip_name"])
    html = Activity.select().where(Activity.body.contains("pipeline hygiene")).first()
    assert html is not None and "<" not in html.body and "&amp;" not in html.body
    assert "pipeline hygiene & more" in html.body
    directions = {a.direction for a in Activity.select().where(Activity.kind == "message")}
    assert directions == {"in", "out"}
    group = Activity.get(Activity.summary == "Kick-off at 10?")
    assert len(group.contact_links) == 2
    outsider = Contact.get(Contact.linkedin_url == truth["outsiders_messaged"][0])
    assert (outsider.is_connection, outsider.connected, outsider.source) == (False, False, "linkedin")


def test_snapshot_two_signals_the_right_people(database, exports):
    run_import(*exports[1][0:1], exports[1][1]["zip_name"])
    data, truth = exports[2]
    run, report = run_import(data, truth["zip_name"])

    def urls(kind):
        return {s.contact.linkedin_url for s in Signal.select().where(Signal.kind == kind)}

    assert urls("job_change") == {c["url"] for c in truth["job_changes"]}
    assert urls("promotion") == {c["url"] for c in truth["promotions"]}
    assert urls("new_connection") == set(truth["added"])
    for url in truth["removed"]:
        gone = Contact.get(Contact.linkedin_url == url)
        assert gone.connected is False and gone.is_connection is True and gone.deleted_at is None
    change = truth["job_changes"][0]
    person = Contact.get(Contact.linkedin_url == change["url"])
    assert (person.company.name, person.title) == (change["to"][1], change["to"][0])
    signal = Signal.get(Signal.contact == person, Signal.kind == "job_change")
    assert signal.observed_at == dt.datetime(2026, 9, 1)
    old, new = change["from"], change["to"]
    assert signal.activity.summary == f"Moved from {old[0]} at {old[1]} to {new[0]} at {new[1]}"
    assert signal.details["old_company"] == old[1]  # what the duplicates screen compares with
    assert report.contacts["created"] == len(truth["added"])
    assert report.contacts["no_longer_connected"] == len(truth["removed"])
    assert {p["name"] for p in report.promotions}  # listed by name for the preview


def test_an_address_book_row_at_the_old_employer_is_suggested_as_a_duplicate(database, exports):
    """Google still has someone at the company LinkedIn says they left: not merged (names alone
    never merge), but the duplicates screen pairs them and says why."""
    from crm.services import addressbook_import, duplicates

    run_import(exports[1][0], exports[1][1]["zip_name"])
    run_import(exports[2][0], exports[2][1]["zip_name"])
    change = exports[2][1]["job_changes"][0]
    moved = Contact.get(Contact.linkedin_url == change["url"])
    (title, old_company), first, last = change["from"], moved.first_name, moved.last_name
    google = (
        "First Name,Last Name,Labels,Organization Name,Organization Title,E-mail 1 - Value\n"
        f'{first},{last},* myContacts,"{old_company}",{title},someone.else@old-employer.example\n'
    ).encode()
    imports.commit(addressbook_import.planner(google, "google.csv", "g"))
    kept = Contact.get(Contact.import_run == ImportRun.select(ImportRun.id).order_by(ImportRun.id.desc()))
    assert kept.id != moved.id and kept.company.name == old_company
    pairs = {frozenset((s.a, s.b)): s.reason for s in duplicates.find_duplicates()}
    assert pairs[frozenset((moved.id, kept.id))] == (
        f"Same name; {moved.full_name} used to work at {old_company}"
    )


def test_linkedin_after_an_address_book_gives_its_people_their_urls_and_messages(database):
    """Found by importing the generator's Google CSV and then its LinkedIn export: a connection
    matched by name and company got its URL as a planned change, but the messages looked the URL
    up among the old URLs only, planned a second contact with it, and the commit failed on the
    unique URL. A namesake at the same company was also taken for the same person."""
    from crm.services import addressbook_import

    google = (
        "First Name,Last Name,Labels,Organization Name,E-mail 1 - Value\n"
        "Ann,Lee,* myContacts,Acme,ann@home.example\n"
        "Kai,Silva,* myContacts,Redwood,kai@home.example\n"
    )
    imports.commit(addressbook_import.planner(google.encode(), "google.csv", "g"))
    ann_id, kai_id = [c.id for c in Contact.select().order_by(Contact.id)]
    connections = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,https://www.linkedin.com/in/ann-lee,,Acme,CFO,01 May 2024\n"
        "Ann,Lee,https://www.linkedin.com/in/ann-lee-2,,Acme,Intern,02 May 2024\n"
        'Kai,"Silva, CFA",https://www.linkedin.com/in/kai,,Redwood,CFO,03 May 2024\n'
    )
    messages = (
        "CONVERSATION ID,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,CONTENT\n"
        "c1,Ann Lee,https://www.linkedin.com/in/ann-lee,Morgan Reyes,https://www.linkedin.com/in/morgan,"
        "2024-06-01 10:00:00 UTC,Lunch next week?\n"
    )
    profile = "First Name,Last Name,Headline\nMorgan,Reyes,Sales\n"
    export = zip_of({"Connections.csv": connections, "messages.csv": messages, "Profile.csv": profile})
    run, report = run_import(export, "export.zip")
    assert run.status == "committed"
    ann = Contact.get_by_id(ann_id)
    assert (ann.linkedin_url, ann.title) == ("https://www.linkedin.com/in/ann-lee", "CFO")
    namesake = Contact.get(Contact.linkedin_url == "https://www.linkedin.com/in/ann-lee-2")
    assert namesake.id != ann_id and namesake.title == "Intern"
    assert Contact.get_by_id(kai_id).linkedin_url == "https://www.linkedin.com/in/kai"  # credentials aside
    assert Contact.select().count() == 3
    links = ActivityContact.select().join(Activity).where(Activity.kind == "message")
    assert [link.contact_id for link in links] == [ann_id]
    assert ann.last_touch_at == dt.datetime(2024, 6, 1, 10, 0)


def test_a_role_from_an_address_book_is_corrected_by_linkedin_without_a_signal(database):
    """Found with the generator's Google CSV then its LinkedIn export: an address book's title
    (often years old) that LinkedIn shows otherwise raised a 'promotion' dated today on Today.
    LinkedIn's role wins, with no signal; a change between two LinkedIn exports still signals."""
    from crm.services import addressbook_import

    google = (
        "First Name,Last Name,Labels,Organization Name,Organization Title,E-mail 1 - Value,"
        "Website 1 - Type,Website 1 - Value\n"
        "Ann,Lee,* myContacts,Acme,VP Sales,ann@acme.example,Profile,https://www.linkedin.com/in/ann-lee\n"
        "Kai,Silva,* myContacts,Redwood,Analyst,kai@redwood.example,,\n"
    )
    imports.commit(addressbook_import.planner(google.encode(), "google.csv", "g"))
    ann_id, kai_id = [c.id for c in Contact.select().order_by(Contact.id)]
    assert Contact.get_by_id(ann_id).linkedin_url == "https://www.linkedin.com/in/ann-lee"
    profile = "First Name,Last Name,Headline\nMorgan,Reyes,Sales\n"

    def export(ann_job: str, kai_title: str) -> bytes:
        connections = (
            "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
            f"Ann,Lee,https://www.linkedin.com/in/ann-lee,,{ann_job},01 May 2020\n"
            f"Kai,Silva,https://www.linkedin.com/in/kai,,Redwood,{kai_title},03 May 2020\n"
        )
        return zip_of({"Connections.csv": connections, "Profile.csv": profile})

    run, report = run_import(export("Globex,CMO", "Director"), "export.zip")
    ann, kai = Contact.get_by_id(ann_id), Contact.get_by_id(kai_id)
    assert (ann.company.name, ann.title, kai.title) == ("Globex", "CMO", "Director")
    assert Signal.select().count() == 0 and report.signals.total() == 0
    assert report.job_changes == [] and report.promotions == []
    assert any(n.startswith("2 people you knew from an address book") for n in report.notices)

    run, report = run_import(export("Initech,CEO", "Head of Research"), "export-2.zip")
    kinds = {(s.contact_id, s.kind) for s in Signal.select()}
    assert kinds == {(ann_id, "job_change"), (kai_id, "promotion")}
    assert not any("address book" in n for n in report.notices)


@pytest.mark.parametrize("name_of_older", ["by its file name", "by its newest connection"])
def test_an_older_export_after_a_newer_one_adds_history_but_moves_nobody_back(
    database, exports, name_of_older
):
    """Uploading last quarter's export by mistake must not undo job changes, raise 'job change'
    signals back to old employers, or mark this quarter's connections as gone."""
    new, newer_truth = exports[2]
    run_import(new, newer_truth["zip_name"])
    jobs = {c.id: (c.company_id, c.title, c.connected, c.connected_on) for c in Contact.select()}
    signals = Signal.select().count()
    old, older_truth = exports[1]
    name = older_truth["zip_name"] if name_of_older == "by its file name" else "export.zip"
    run, report = run_import(old, name)
    assert report.notices[0].startswith("This export is older than one you imported before")
    assert ("dated 2026-09-01" in report.notices[0]) == (name_of_older == "by its file name")
    assert Signal.select().count() == signals and report.signals.total() == 0
    after = {c.id: (c.company_id, c.title, c.connected, c.connected_on) for c in Contact.select()}
    assert {cid: after[cid] for cid in jobs} == jobs
    # people only the older export knows were connections then and are not now
    assert {after[cid][2] for cid in after.keys() - jobs.keys()} <= {False}
    gone = Contact.select().where(Contact.linkedin_url.in_(newer_truth["removed"]))
    assert len(gone) == len(newer_truth["removed"]) > 0
    assert {(c.is_connection, c.connected) for c in gone} == {(True, False)}
    # its history still counts: every real message of either export is there once
    messages = Activity.select().where(Activity.kind == "message").count()
    assert messages >= max(older_truth["messages"]["real"], newer_truth["messages"]["real"])
    # and the newer export imported again afterwards changes nothing
    again, _ = run_import(new, newer_truth["zip_name"])
    assert again.counts["contacts"]["updated"] == 0 and again.counts["signals"] == {
        "job_change": 0, "promotion": 0, "new_connection": 0
    }  # fmt: skip


def test_a_newer_export_whose_latest_connection_left_is_still_newer(database):
    """Found by QA: without dates in the file names exports were ordered by their newest
    Connected On alone, so a newer export whose latest connection had been removed was taken as
    older (no job changes, nobody gone). A message newer than any imported before says otherwise;
    without one it stays older."""
    profile = "First Name,Last Name,Headline\nOwen,Owner,Sales\n"
    header = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    ann = "Ann,Lee,https://www.linkedin.com/in/ann-lee,,{},CEO,01 May 2020\n"
    bob = "Bob,Ray,https://www.linkedin.com/in/bob-ray,,Initech,CTO,10 Jun 2026\n"
    messages = "CONVERSATION ID,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,CONTENT\n"
    said = "2-{0},Ann Lee,https://www.linkedin.com/in/ann-lee,Owen Owner,https://www.linkedin.com/in/owen,{0},Hi\n"

    def export(company: str, *, with_bob: bool, dates: list[str]) -> bytes:
        files = {
            "Connections.csv": header + ann.format(company) + (bob if with_bob else ""),
            "messages.csv": messages + "".join(said.format(d) for d in dates),
            "Profile.csv": profile,
        }
        return zip_of(files)

    run_import(export("Acme", with_bob=True, dates=["2026-06-15 10:00:00 UTC"]), "june.zip")
    stale = export("Acme", with_bob=False, dates=["2026-06-01 10:00:00 UTC"])
    _run, report = run_import(stale, "stale.zip", dry_run=True)
    assert report.notices and report.notices[0].startswith("This export is older than one you imported")

    newer = export("Globex", with_bob=False, dates=["2026-06-15 10:00:00 UTC", "2026-09-01 08:00:00 UTC"])
    _run, report = run_import(newer, "september.zip")
    assert not any(n.startswith("This export is older") for n in report.notices)
    assert not Contact.get(Contact.full_name == "Bob Ray").connected
    assert [(s.kind, s.details["to"]) for s in Signal.select()] == [("job_change", "CEO at Globex")]


@pytest.mark.parametrize(("dated", "older"), [("09-01-2026", False), ("06-12-2026", True)])
def test_a_dated_export_after_undated_ones_is_newer_when_its_date_is_past_them(database, dated, older):
    """Found by QA: the date in a file name counted only when the exports before had one too, so
    a Connections.csv-only export dated September, without the connections removed since, was
    taken for older than an undated one from June."""
    profile = "First Name,Last Name,Headline\nOwen,Owner,Sales\n"
    header = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    ann = "Ann,Lee,https://www.linkedin.com/in/ann-lee,,{},CEO,01 May 2020\n"
    bob = "Bob,Ray,https://www.linkedin.com/in/bob-ray,,Initech,CTO,10 Jun 2026\n"
    messages = "CONVERSATION ID,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,CONTENT\n"
    messages += "2-a,Ann Lee,https://www.linkedin.com/in/ann-lee,Owen Owner,,2026-06-15 10:00:00 UTC,Hi\n"
    files = {
        "Connections.csv": header + ann.format("Acme") + bob,
        "messages.csv": messages,
        "Profile.csv": profile,
    }
    run_import(zip_of(files), "june.zip")
    later = zip_of({"Connections.csv": header + ann.format("Globex")})
    _run, report = run_import(later, f"Basic_LinkedInDataExport_{dated}.zip")
    assert any(n.startswith("This export is older") for n in report.notices) == older
    assert Contact.get(Contact.full_name == "Bob Ray").connected == older
    assert Signal.select().where(Signal.kind == "job_change").count() == (0 if older else 1)


def test_reimport_changes_nothing(database, db_path, exports):
    data, truth = exports[1]
    run_import(data, truth["zip_name"])
    before = dump(db_path)
    run, report = run_import(data, truth["zip_name"])
    assert dump(db_path) == before
    summary = report.summary_json(run.id, False)
    assert summary["contacts"] == {"created": 0, "updated": 0, "unchanged": truth["connections"]}
    assert summary["activities"] == {"created": 0}
    assert summary["signals"] == {"job_change": 0, "promotion": 0, "new_connection": 0}
    # the same for snapshot 2 imported twice
    run_import(exports[2][0], exports[2][1]["zip_name"])
    after_two = dump(db_path)
    _run, again = run_import(exports[2][0], exports[2][1]["zip_name"])
    assert dump(db_path) == after_two and again.activities["created"] == 0


def test_a_first_import_rebuilds_the_link_index_and_a_failure_keeps_it(
    database, db_path, exports, monkeypatch
):
    """A first import drops the per-contact link index and builds it again after its links (a
    sort beats 282,000 scattered inserts); a failure while it is gone brings it back."""
    before = dump(db_path)
    index_sql = dict((name, sql) for _t, name, sql in before["schema"])[imports.LINK_INDEX]
    real_execute = imports.db.execute_sql
    built, fail = [], [True]

    def watch(sql, *args, **kwargs):
        if sql == index_sql:
            gone = real_execute("SELECT 1 FROM sqlite_master WHERE name = ?", (imports.LINK_INDEX,))
            built.append(gone.fetchone())
            if fail[0]:
                raise RuntimeError("while the index is gone")
        return real_execute(sql, *args, **kwargs)

    monkeypatch.setattr(imports.db, "execute_sql", watch)
    with pytest.raises(RuntimeError):
        run_import(exports[1][0], exports[1][1]["zip_name"])
    assert built == [None]  # the failure came after the links, with the index dropped
    assert dump(db_path) == before  # and it is back, exactly as it was
    fail[0] = False
    built.clear()
    run_import(exports[1][0], exports[1][1]["zip_name"])
    assert built == [None]  # rebuilt once: the first import more than doubles the links
    built.clear()
    run_import(exports[2][0], exports[2][1]["zip_name"])
    assert built == []  # the second adds far fewer links than there are: inserted in place
    monkeypatch.setattr(imports.db, "execute_sql", real_execute)
    schema = dict((name, sql) for _t, name, sql in dump(db_path)["schema"])
    assert schema[imports.LINK_INDEX] == index_sql
    assert imports.db.execute_sql("PRAGMA integrity_check").fetchone() == ("ok",)
    plan = imports.db.execute_sql(
        "EXPLAIN QUERY PLAN SELECT max(occurred_at) FROM activity_contact WHERE contact_id = 3"
    ).fetchall()
    assert imports.LINK_INDEX in str(plan)


@pytest.mark.parametrize("bulk_fts", [False, True], ids=["fts-trigger", "fts-bulk"])
def test_undo_restores_exactly(database, db_path, exports, monkeypatch, bulk_fts):
    if bulk_fts:
        monkeypatch.setattr(imports, "FTS_BULK_MIN", 1)
    empty = dump(db_path)
    first, _ = run_import(exports[1][0], exports[1][1]["zip_name"])
    after_first = dump(db_path)
    assert index_drift(imports.db.connection()) == {}
    second, _ = run_import(exports[2][0], exports[2][1]["zip_name"])
    assert dump(db_path) != after_first
    assert index_drift(imports.db.connection()) == {}
    with pytest.raises(ImportRejected, match="undo the later import"):
        imports.undo(first.id)
    imports.undo(second.id)
    assert dump(db_path) == after_first
    assert index_drift(imports.db.connection()) == {}
    imports.undo(first.id)
    assert dump(db_path) == empty
    assert index_drift(imports.db.connection()) == {}
    assert [r.status for r in ImportRun.select().order_by(ImportRun.id)] == ["undone", "undone"]
    with pytest.raises(ImportRejected, match="undone"):
        imports.undo(first.id)


def test_undo_keeps_what_the_user_did_to_other_contacts(database, db_path, exports):
    run_import(exports[1][0], exports[1][1]["zip_name"])
    from crm.services.activities import log_touch

    person = Contact.select().where(Contact.is_connection == True).first()  # noqa: E712
    log_touch([person.id], "note", "Met for coffee", occurred_at=dt.datetime(2026, 8, 1))
    before = dump(db_path)
    second, _ = run_import(exports[2][0], exports[2][1]["zip_name"])
    imports.undo(second.id)
    assert dump(db_path) == before


@pytest.mark.parametrize("bulk_fts", [False, True], ids=["fts-trigger", "fts-bulk"])
@pytest.mark.parametrize("step", ["contact", "activities", "links", "signal", "import_change", "finish"])
def test_failure_midway_leaves_the_database_unchanged(
    database, db_path, exports, monkeypatch, step, bulk_fts
):
    monkeypatch.setattr(imports, "FTS_BULK_MIN", 1 if bulk_fts else 10**9)
    run_import(exports[1][0], exports[1][1]["zip_name"])
    before = dump(db_path)
    runs = ImportRun.select().count()

    class Boom(RuntimeError):
        pass

    real_insert, real_save = imports._insert, ImportRun.save
    real_copies = {"activities": imports._copy_activities, "links": imports._copy_links}

    def failing_insert(table, *args):
        if table == step:
            raise Boom(table)
        return real_insert(table, *args)

    def failing_copy(name):
        def copy(*args):
            real_copies[name](*args)  # the rows are written, then the commit fails
            raise Boom(name)

        return copy

    def failing_save(self, *args, **kwargs):
        if self.status == "committed":
            raise Boom("finish")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(imports, "_insert", failing_insert)
    if step in real_copies:
        monkeypatch.setattr(imports, f"_copy_{step}", failing_copy(step))
    monkeypatch.setattr(ImportRun, "save", failing_save)
    monkeypatch.setattr(imports, "CHUNK", 50)  # several batches, so the failure is mid-stream
    with pytest.raises(Boom):
        run_import(exports[2][0], exports[2][1]["zip_name"])
    monkeypatch.setattr(imports, "_insert", real_insert)
    for name, real in real_copies.items():
        monkeypatch.setattr(imports, f"_copy_{name}", real)
    monkeypatch.setattr(ImportRun, "save", real_save)
    # the plan's spill file was detached again, so the next import can attach its own
    assert imports.PLAN_DB not in [r[1] for r in imports.db.execute_sql("PRAGMA database_list")]
    assert dump(db_path) == before
    assert ImportRun.select().count() == runs
    assert ImportChange.select().where(ImportChange.run > runs).count() == 0
    trigger = imports.db.execute_sql(
        "SELECT count(*) FROM sqlite_master WHERE name = 'activity_search_insert'"
    ).fetchone()
    assert trigger == (1,)


def test_dry_run_writes_nothing(database, db_path, exports):
    before = dump(db_path)
    _run, report = run_import(exports[1][0], exports[1][1]["zip_name"], dry_run=True)
    assert report.contacts["created"] > 0 and dump(db_path) == before
    assert ImportRun.select().count() == 0


def test_plan_is_redone_when_the_database_changed(database, exports):
    data, truth = exports[1]
    planner = linkedin_import.planner(data, truth["zip_name"], "h")
    plan = planner(lambda *_: None)
    from crm.forms import ContactInput  # noqa: F401 - a contact added between preview and commit
    from crm.services.contacts import company_for

    with imports.write():
        company_for("Brand New Co")
    run, report = imports.commit(planner, plan=plan)
    assert run.status == "committed"
    assert Contact.select().count() == report.contacts["created"]


def connections_csv(rows: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "Connections.csv",
            "First Name,Last Name,Email Address,Company,Position,Connected On\n" + rows,
        )
    return buf.getvalue()


def test_without_urls_identity_is_name_and_company_never_name_alone(database, db_path):
    data = connections_csv(
        "Sam,Lee,,Acme,CEO,01 May 2020\n"
        "Sam,Lee,,Globex,CTO,02 May 2020\n"
        "Ana,Ruiz,ana@x.io,Acme,VP,03 May 2020\n"
    )
    _run, report = run_import(data, "old.zip")
    assert report.contacts["created"] == 3
    assert Contact.select().where(Contact.full_name == "Sam Lee").count() == 2
    before = dump(db_path)
    _run, again = run_import(data, "old.zip")
    assert again.contacts["unchanged"] == 3 and dump(db_path) == before
    assert Contact.get(Contact.full_name == "Ana Ruiz").emails[0].email == "ana@x.io"


def test_run_records_file_hash_counts_and_problems(database, exports):
    data, truth = exports[1]
    run, report = imports.commit(linkedin_import.planner(data, truth["zip_name"], "abc123"))
    stored = ImportRun.get_by_id(run.id)
    assert (stored.file_name, stored.file_hash, stored.source) == (truth["zip_name"], "abc123", "linkedin")
    assert stored.counts["signals"] == {"job_change": 0, "promotion": 0, "new_connection": 0}
    assert stored.problems[0].keys() == {"file", "row", "reason"}
    assert json.dumps(stored.counts)


def test_big_first_import_marks_only_recent_connections_new(database):
    data, truth = build(30, 100, 2)  # snapshot 2 as a first import: only the fresh ones are recent
    _run, report = run_import(data, truth["zip_name"])
    assert report.signals["new_connection"] == len(truth["added"])


def test_same_name_and_company_with_different_urls_are_two_people(database):
    rows = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Sam,Lee,https://www.linkedin.com/in/sam-lee-1,,Acme,CEO,01 May 2020\n"
        "Sam,Lee,https://www.linkedin.com/in/sam-lee-2,,Acme,CTO,02 May 2020\n"
    )
    _run, report = run_import(zip_of({"Connections.csv": rows}), "x.zip")
    assert report.contacts["created"] == 2 and not report.skipped


def test_touches_logged_during_the_preview_do_not_redo_the_plan_under_the_lock(database, exports):
    from zoneinfo import ZoneInfo

    from crm.services import activities, followups
    from importers.base import name_key

    ada = Contact.create(full_name="Ada Lovelace", name_key=name_key("Ada Lovelace"))
    promise = followups.create_followup(ada.id, "Send deck", "2026-06-01", ZoneInfo("UTC"))
    data, truth = exports[1]
    planner = linkedin_import.planner(data, truth["zip_name"], "h")
    plan = planner(lambda *_: None)
    before = imports.fingerprint()
    # The owner keeps working in another tab while the preview waits for "Import now".
    touch = activities.log_touch([ada.id], "call", "Called about the deck")
    followups.complete_followup(promise, ZoneInfo("UTC"))
    assert imports.fingerprint() == before
    replans = []

    def counting(progress):
        replans.append(1)
        return planner(progress)

    run, report = imports.commit(counting, plan=plan)
    assert replans == [] and run.status == "committed"
    assert Activity.get_by_id(touch.id).body == "Called about the deck"
    assert Contact.select().count() == report.contacts["created"] + 1
    # An imported activity is something a plan reads: it still moves the fingerprint.
    settled = imports.fingerprint()
    Activity.create(
        kind="message", occurred_at=dt.datetime(2026, 1, 1), origin="imported", source="linkedin",
        source_key="linkedin:test", summary="hi", body="hi",
    )  # fmt: skip
    assert imports.fingerprint() != settled


def test_what_a_connection_row_left_out_is_listed_with_its_row(database):
    """Found by QA: the parser noted unreadable dates, bad emails and URLs, and the preview never
    said so ("Every row was read")."""
    connections = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,https://www.linkedin.com/in/ann,,Acme,CFO,31 Feb 2024\n"
        "Bo,Chen,https://evil.example.com/in/bo,not-an-email,Initech,CTO,01 May 2024\n"
        ",,https://www.linkedin.com/in/no-name-xyz,,,,01 May 2024\n"
    )
    _run, report = run_import(zip_of({"Connections.csv": connections}), "export.zip", dry_run=True)
    assert report.contacts["created"] == 3
    assert [n for n in report.notices if n.startswith("Connections.csv")] == [
        "Connections.csv, row 2: unreadable Connected On date: 31 Feb 2024",
        "Connections.csv, row 3: not a LinkedIn profile URL: https://evil.example.com/in/bo",
        "Connections.csv, row 3: not an email address: not-an-email",
        "Connections.csv, row 4: no name given: named after the profile address",
    ]
    many = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n" + "".join(
        f"P,{i},https://www.linkedin.com/in/p{i},,Co,T,someday\n" for i in range(25)
    )
    _run, report = run_import(zip_of({"Connections.csv": many}), "export.zip", dry_run=True)
    listed = [n for n in report.notices if "Connected On" in n]
    assert len(listed) == 20 and "…and 5 more warnings." in report.notices


def test_a_merge_into_the_address_book_copy_makes_no_false_job_change_and_no_one_gone(database):
    """Found by QA: merging a connection into its address-book copy kept the address book's old
    employer, so the next export 'moved' them from it (a false job change, or the wrong 'from'),
    and the merged-away half in the trash was counted 'no longer connected'."""
    from crm.services import addressbook_import, merge

    def export(date: str) -> bytes:
        connections = (
            "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
            "Joao,Zhang,https://www.linkedin.com/in/joao,,Atlas Media,Product Manager,01 May 2020\n"
            "Bram,Martin,https://www.linkedin.com/in/bram,,Riverstone,Recruiter,01 May 2021\n"
        )
        return zip_of({f"Complete_LinkedInDataExport_{date}/Connections.csv": connections})

    run_import(export("06-01-2026"), "Complete_LinkedInDataExport_06-01-2026.zip")
    book = "First Name,Last Name,Organization Name,Organization Title,E-mail 1 - Value,Labels\n"
    book += "Joao,Zhang,Atlas Foods AB,Senior PM,joao@home.example,\n"
    imports.commit(addressbook_import.planner(book.encode(), "google.csv", "g"))
    linked = Contact.get(Contact.linkedin_url == "https://www.linkedin.com/in/joao")
    copy = Contact.get(Contact.full_name == "Joao Zhang", Contact.linkedin_url.is_null())
    merge.merge_contacts(copy.id, linked.id)  # keep the address-book copy, as `crm merge` may
    survivor = Contact.get_by_id(copy.id)
    assert (survivor.company.name, survivor.title) == ("Atlas Media", "Product Manager")
    assert survivor.linkedin_url == "https://www.linkedin.com/in/joao"
    _run, report = run_import(export("09-01-2026"), "Complete_LinkedInDataExport_09-01-2026.zip")
    assert (report.signals["job_change"], report.signals["promotion"]) == (0, 0)
    assert report.contacts["no_longer_connected"] == 0 and report.no_longer_connected == []
    assert Contact.get_by_id(linked.id).connected  # the merged-away half is left as it was


def test_exports_without_urls_follow_a_job_change_by_the_day_you_connected(database):
    """Found by QA on two 2018-2021 exports in a row: a connection who changed companies could
    not be recognised by name and company, so became a second person with a 'new connection'
    signal (connected in 2014), and the first was marked no longer connected."""

    def export(date: str, rows: str) -> bytes:
        header = "First Name,Last Name,Email Address,Company,Position,Connected On\n"
        return zip_of({f"Basic_LinkedInDataExport_{date}/Connections.csv": header + rows})

    first = "Tomás,Gonzalez,,Acme,CTO,01 Mar 2014\nLars,Schmidt,,Initech,Dev,02 Apr 2015\n"
    first += "Lars,Schmidt,,Umbrella,Ops,02 Apr 2015\nAnn,Lee,,Acme,CEO,10 May 2021\n"
    run_import(export("06-01-2021", first), "Basic_LinkedInDataExport_06-01-2021.zip")
    tomas = Contact.get(Contact.first_name == "Tomás")
    second = "Tomás,Gonzalez,,Globex,CTO,01 Mar 2014\nLars,Schmidt,,Initech,Dev,02 Apr 2015\n"
    second += "Lars,Schmidt,,Hooli,Ops,02 Apr 2015\nAnn,Lee,,Acme,CEO,10 May 2021\n"
    second += "Nina,Park,,Hooli,CFO,20 Jul 2021\n"
    _run, report = run_import(export("09-01-2021", second), "Basic_LinkedInDataExport_09-01-2021.zip")
    assert report.signals["job_change"] == 1 and report.job_changes[0]["name"] == "Tomás Gonzalez"
    assert Contact.get_by_id(tomas.id).company.name == "Globex"
    # the Lars who moved cannot be told from his namesake by the day: a second person, but no
    # new-connection signal for someone connected in 2015; Nina, connected since, is one
    assert report.signals["new_connection"] == 1 and report.new_connections == ["Nina Park"]
    assert (report.contacts["created"], report.contacts["no_longer_connected"]) == (2, 1)


def test_a_merge_is_not_undone_under_an_import_that_changed_its_contacts_since(database):
    """Found by QA: undoing a merge after a newer export put the snapshot's old company back on
    the contact holding the profile, silently dropping what the import had written."""
    from crm.services import addressbook_import, merge

    def export(date: str, company: str) -> bytes:
        rows = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        rows += f"Joao,Zhang,https://www.linkedin.com/in/joao,,{company},CTO,01 May 2020\n"
        return zip_of({f"Complete_LinkedInDataExport_{date}/Connections.csv": rows})

    run_import(export("06-01-2026", "Atlas Media"), "Complete_LinkedInDataExport_06-01-2026.zip")
    book = "First Name,Last Name,Organization Name,Organization Title,E-mail 1 - Value,Labels\n"
    imports.commit(
        addressbook_import.planner((book + "Joao,Zhang,,,joao@home.example,\n").encode(), "g.csv", "g")
    )
    linked = Contact.get(Contact.linkedin_url == "https://www.linkedin.com/in/joao")
    done = merge.merge_contacts(linked.id, Contact.get(Contact.linkedin_url.is_null()).id)
    later, _report = run_import(export("09-01-2026", "Globex"), "Complete_LinkedInDataExport_09-01-2026.zip")
    assert Contact.get_by_id(linked.id).company.name == "Globex"
    with pytest.raises(
        merge.MergeError, match=rf"Import #{later.id} \(Complete_LinkedInDataExport_09-01-2026.zip\)"
    ):
        merge.undo_merge(done.id)
    assert Contact.get_by_id(linked.id).company.name == "Globex"  # nothing changed
    imports.undo(later.id)
    merge.undo_merge(done.id)
    assert Contact.get_by_id(linked.id).company.name == "Atlas Media"
    # a merge-all batch says the same, and undoes none of its pairs
    batch = merge.merge_batch([(linked.id, Contact.get(Contact.linkedin_url.is_null()).id)])
    later, _report = run_import(export("09-01-2026", "Globex"), "Complete_LinkedInDataExport_09-01-2026.zip")
    with pytest.raises(merge.MergeError, match=rf"^Nothing was undone. Import #{later.id} "):
        merge.undo_batch(batch.id)
    assert Merge.get_by_id(batch.id).undone_at is None


def test_new_messages_alone_since_a_merge_do_not_hold_its_undo(database):
    """Found by QA: a newer export that only brought a new message (a new last touch) refused the
    merge's undo as having 'changed these contacts', though the preview counted them unchanged."""
    from crm.services import addressbook_import, merge

    rows = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    rows += "Joao,Zhang,https://www.linkedin.com/in/joao,,Atlas Media,CTO,01 May 2020\n"
    run_import(zip_of({"Connections.csv": rows}), "june.zip")
    book = "First Name,Last Name,Organization Name,Organization Title,E-mail 1 - Value,Labels\n"
    imports.commit(
        addressbook_import.planner((book + "Joao,Zhang,,,joao@home.example,\n").encode(), "g.csv", "g")
    )
    linked = Contact.get(Contact.linkedin_url == "https://www.linkedin.com/in/joao")
    done = merge.merge_contacts(linked.id, Contact.get(Contact.linkedin_url.is_null()).id)
    messages = "CONVERSATION ID,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,CONTENT\n"
    messages += "2-a,Joao Zhang,https://www.linkedin.com/in/joao,Owen Owner,,2026-09-01 10:00:00 UTC,Hi\n"
    profile = "First Name,Last Name,Headline\nOwen,Owner,Sales\n"
    later = zip_of({"Connections.csv": rows, "messages.csv": messages, "Profile.csv": profile})
    _run, report = run_import(later, "september.zip")
    assert report.contacts["unchanged"] == 1 and report.activities["message"] == 1
    merge.undo_merge(done.id)
    joao = Contact.get_by_id(linked.id)
    assert joao.last_touch_at == dt.datetime(2026, 9, 1, 10, 0)  # the message stays, and counts
    assert [e.email for e in joao.emails] == []  # the address book's card is its own again


def test_rejected_endorsements_and_hidden_recommendations_are_skipped_with_their_rows(database):
    """Found by QA: an endorsement you rejected and a recommendation you hid came onto the
    person's timeline as if they were on your profile. They are skipped, each named with its
    file and row; a recommendation you gave stays whatever its status; a re-import adds nothing,
    and one imported before that is REJECTED now stays (an import never deletes history)."""
    endorsements = (
        "Endorsement Date,Skill Name,Endorser First Name,Endorser Last Name,Endorser Public Url,"
        "Endorsement Status\n"
        "2025/01/14 12:18:19 UTC,Negotiation,Ann,Lee,www.linkedin.com/in/ann,ACCEPTED\n"
        "2025/02/14 12:18:19 UTC,Pricing,Ann,Lee,www.linkedin.com/in/ann,REJECTED\n"
        "2025/03/14 12:18:19 UTC,Forecasting,Bo,Chen,www.linkedin.com/in/bo,{status}\n"
    )
    header = "First Name,Last Name,Company,Job Title,Text,Creation Date,Status\n"
    received = header + 'Ann,Lee,Acme,CEO,Shown,"07/21/25, 12:11 PM",VISIBLE\n'
    received += 'Bo,Chen,Globex,CTO,Hidden one,"07/22/25, 12:11 PM",HIDDEN\n'
    received += 'Bo,Chen,Globex,CTO,Not accepted yet,"07/23/25, 12:11 PM",PENDING\n'
    given = header + 'Bo,Chen,Globex,CTO,You wrote it,"07/24/25, 12:11 PM",HIDDEN\n'
    connections = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,https://www.linkedin.com/in/ann,,Acme,CEO,01 May 2020\n"
        "Bo,Chen,https://www.linkedin.com/in/bo,,Globex,CTO,01 May 2020\n"
    )

    def export(bo_status: str) -> bytes:
        return zip_of(
            {
                "Connections.csv": connections,
                "Endorsement_Received_Info.csv": endorsements.format(status=bo_status),
                "Recommendations_Received.csv": received,
                "Recommendations_Given.csv": given,
            }
        )

    _run, report = run_import(export("ACCEPTED"), "Complete_LinkedInDataExport_06-01-2026.zip")
    summaries = sorted(a.summary for a in Activity.select())
    assert summaries == [
        "Endorsed you for Forecasting",
        "Endorsed you for Negotiation",
        "Recommended you: Shown",
        "You recommended Bo Chen: You wrote it",
    ]
    assert (report.activities["endorsement"], report.activities["recommendation"]) == (2, 2)
    assert [(s.file, s.row, s.reason) for s in report.skipped] == [
        ("Endorsement_Received_Info.csv", 3, "rejected endorsement"),
        ("Recommendations_Received.csv", 3, "hidden recommendation"),
        ("Recommendations_Received.csv", 4, "pending recommendation"),
    ]
    run = ImportRun.select().order_by(ImportRun.id.desc()).get()
    assert run.counts["skipped_by_reason"] == {
        "rejected endorsement": 1, "hidden recommendation": 1, "pending recommendation": 1
    }  # fmt: skip

    before = Activity.select().count()
    _run, report = run_import(export("REJECTED"), "Complete_LinkedInDataExport_07-01-2026.zip")
    assert report.activities["created"] == 0 and Activity.select().count() == before
    assert ("Endorsement_Received_Info.csv", 4, "rejected endorsement") in [
        (s.file, s.row, s.reason) for s in report.skipped
    ]
    assert Activity.select().where(Activity.summary == "Endorsed you for Forecasting").count() == 1


def test_a_company_page_is_nobodys_profile_in_an_import(database):
    """Found by QA: a linkedin.com/company/… address was taken as a profile URL, so two people
    whose rows carry their employer's page became one ('same person as row 2') and the other
    was lost. The address is dropped with a warning and each row is its own person; in an
    address book it is kept as the website."""
    from crm.services import addressbook_import

    connections = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,https://www.linkedin.com/company/acme,,Acme,CEO,01 May 2020\n"
        "Bo,Chen,https://www.linkedin.com/company/acme/,,Acme,CTO,02 May 2020\n"
    )
    _run, report = run_import(zip_of({"Connections.csv": connections}), "export.zip")
    assert report.contacts["created"] == 2 and report.skipped == []
    assert [n for n in report.notices if n.startswith("Connections.csv")] == [
        "Connections.csv, row 2: not a LinkedIn profile URL: https://www.linkedin.com/company/acme",
        "Connections.csv, row 3: not a LinkedIn profile URL: https://www.linkedin.com/company/acme/",
    ]
    people = Contact.select().order_by(Contact.id)
    assert [(c.full_name, c.linkedin_url) for c in people] == [("Ann Lee", None), ("Bo Chen", None)]

    book = "Full Name,LinkedIn,E-mail\n"
    book += "Cy Park,https://www.linkedin.com/company/globex,cy@globex.example\n"
    book += "Di Ross,https://www.linkedin.com/company/globex,di@globex.example\n"
    mapping = {"Full Name": "full_name", "LinkedIn": "linkedin_url", "E-mail": "email"}
    _run, report = imports.commit(addressbook_import.planner(book.encode(), "x.csv", "h", mapping=mapping))
    assert report.contacts["created"] == 2 and report.skipped == []
    cy, di = Contact.get(Contact.full_name == "Cy Park"), Contact.get(Contact.full_name == "Di Ross")
    assert cy.linkedin_url is None and di.linkedin_url is None
    assert cy.website == di.website == "https://www.linkedin.com/company/globex"


@pytest.mark.parametrize("recorded", ["by the import", "not yet (a database from before the upgrade)"])
def test_keeping_the_address_books_role_in_a_merge_makes_no_false_job_change(database, recorded):
    """Found by QA: merging a connection with its address-book copy and choosing the address
    book's company and title made the next export, unchanged on LinkedIn, a 'job change' back
    to LinkedIn's company. A job change is judged against what LinkedIn said last time; the
    owner's choice stays until LinkedIn says something new."""
    from crm.services import addressbook_import, merge

    def export(date: str, job: str) -> bytes:
        connections = (
            "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
            f"Joao,Zhang,https://www.linkedin.com/in/joao,,{job},01 May 2020\n"
        )
        return zip_of({f"Complete_LinkedInDataExport_{date}/Connections.csv": connections})

    run_import(
        export("06-01-2026", "Atlas Media,Product Manager"), "Complete_LinkedInDataExport_06-01-2026.zip"
    )
    book = "First Name,Last Name,Organization Name,Organization Title,E-mail 1 - Value,Labels\n"
    book += "Joao,Zhang,Atlas Foods AB,Senior PM,joao@home.example,\n"
    imports.commit(addressbook_import.planner(book.encode(), "google.csv", "g"))
    linked = Contact.get(Contact.linkedin_url == "https://www.linkedin.com/in/joao")
    copy = Contact.get(Contact.full_name == "Joao Zhang", Contact.linkedin_url.is_null())
    if recorded != "by the import":
        Contact.update(linkedin_company=None, linkedin_title=None).execute()
    merge.merge_contacts(linked.id, copy.id, {"company": "other", "title": "other"})
    survivor = Contact.get_by_id(linked.id)
    assert (survivor.company.name, survivor.title) == ("Atlas Foods AB", "Senior PM")

    _run, report = run_import(
        export("09-01-2026", "Atlas Media,Product Manager"), "Complete_LinkedInDataExport_09-01-2026.zip"
    )
    assert (report.signals["job_change"], report.signals["promotion"]) == (0, 0)
    assert report.job_changes == [] and Signal.select().count() == 0
    survivor = Contact.get_by_id(linked.id)
    assert (survivor.company.name, survivor.title) == ("Atlas Foods AB", "Senior PM")  # the owner's choice

    later, report = run_import(
        export("12-01-2026", "Globex,CMO"), "Complete_LinkedInDataExport_12-01-2026.zip"
    )
    assert report.job_changes == [
        {"name": "Joao Zhang", "from": "Product Manager at Atlas Media", "to": "CMO at Globex"}
    ]
    survivor = Contact.get_by_id(linked.id)
    assert (survivor.company.name, survivor.title) == ("Globex", "CMO")
    imports.undo(later.id)
    survivor = Contact.get_by_id(linked.id)
    assert (survivor.company.name, survivor.title) == ("Atlas Foods AB", "Senior PM")
    assert (survivor.linkedin_company, survivor.linkedin_title) == ("Atlas Media", "Product Manager")
