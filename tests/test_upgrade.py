"""Upgrades: a database made by the first released schema migrates to the current one, data intact."""

from __future__ import annotations

import json
import shutil
import sqlite3

from click.testing import CliRunner

from crm import create_app, migrations
from crm.cli import cli
from crm.db import db
from crm.models import MODELS, Contact
from crm.services import imports, linkedin_import
from crm.services.derived import TOUCH_IN, TOUCH_NONE
from tests.importers.test_linkedin import zip_of

FIRST = "0001_initial"


def first_release_database(tmp_path, monkeypatch):
    """A database migrated with only the first migration file visible, holding some data."""
    frozen = tmp_path / "first-release"
    frozen.mkdir()
    shutil.copy(migrations.HERE / f"{FIRST}.sql", frozen / f"{FIRST}.sql")
    path = tmp_path / "data" / "rapport.sqlite3"
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "HERE", frozen)
        assert migrations.migrate(str(path)) == [FIRST]
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO company (name, name_key, website, notes, created_at) "
            "VALUES ('Acme', 'acme', '', '', '2024-01-01 00:00:00')"
        )
        for i in range(25):
            conn.execute(
                "INSERT INTO contact (first_name, last_name, full_name, name_key, linkedin_url, company_id,"
                " title, location, website, notes, stage, source, is_connection, connected, value_deal,"
                " value_referrals, value_advocate, value_feedback, created_at, updated_at, last_touch_at,"
                " score, score_reasons) VALUES (?, ?, ?, ?, ?, 1, 'VP Sales', 'Lyon', '', 'met at expo',"
                " 'prospect', 'linkedin', 1, 1, 0, 0, 0, 0, '2024-01-01 00:00:00', '2024-01-01 00:00:00',"
                " '2024-03-04 05:06:07', 0, '[]')",
                ("Zoë", f"Nº{i}", f"Zoë Nº{i}", f"zoe n{i}", f"https://www.linkedin.com/in/zoe-{i}"),
            )
            conn.execute(
                "INSERT INTO activity (kind, occurred_at, direction, origin, source, source_key, summary,"
                " body, created_at, updated_at) VALUES ('message', '2024-03-04 05:06:07', 'in', 'imported',"
                " 'linkedin', ?, 'Hello', 'Hello there', '2024-03-04 05:06:07', '2024-03-04 05:06:07')",
                (f"li:{i}",),
            )
            conn.execute(
                "INSERT INTO activity_contact (activity_id, contact_id, occurred_at)"
                " VALUES (?, ?, '2024-03-04 05:06:07')",
                (i + 1, i + 1),
            )
        # an invitation after the message: the touch rule then counted it (migration 0009 not)
        conn.execute(
            "INSERT INTO activity (kind, occurred_at, direction, origin, source, source_key, summary,"
            " body, created_at, updated_at) VALUES ('invitation', '2024-05-01 09:00:00', 'out', 'imported',"
            " 'linkedin', 'li:inv', 'Invitation sent', '', '2024-05-01 09:00:00', '2024-05-01 09:00:00')"
        )
        conn.execute(
            "INSERT INTO activity_contact (activity_id, contact_id, occurred_at)"
            " VALUES (26, 1, '2024-05-01 09:00:00')"
        )
        conn.execute("UPDATE contact SET last_touch_at = '2024-05-01 09:00:00' WHERE id = 1")
    conn.close()
    return path


def test_crm_init_migrates_a_first_release_database_with_its_data(tmp_path, monkeypatch):
    path = first_release_database(tmp_path, monkeypatch)
    monkeypatch.setenv("CRM_DATA_DIR", str(path.parent))
    monkeypatch.setenv("CRM_SECRET_KEY", "upgrade-test-secret-0123456789")
    pending = migrations.available()[1:]
    result = CliRunner().invoke(cli, ["init"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(path)
    assert migrations.applied(conn) == migrations.available()
    for model in MODELS:  # every table has the columns the current code expects
        columns = {row[1] for row in conn.execute(f'PRAGMA table_info("{model._meta.table_name}")')}
        assert columns >= {f.column_name for f in model._meta.sorted_fields}, model._meta.table_name
    assert conn.execute("SELECT count(*) FROM contact").fetchone()[0] == 25
    assert conn.execute("SELECT count(*) FROM activity").fetchone()[0] == 26
    assert conn.execute("SELECT count(*) FROM activity_contact").fetchone()[0] == 26
    # Each old link learns its activity's touch (inbound message) for scoring (migration 0006);
    # an invitation is none (0009), and init worked the last touch out again.
    touches = conn.execute("SELECT activity_id, touch FROM activity_contact WHERE contact_id = 1").fetchall()
    assert sorted(touches) == [(1, TOUCH_IN), (26, TOUCH_NONE)]
    others = conn.execute("SELECT DISTINCT touch FROM activity_contact WHERE activity_id != 26")
    assert others.fetchall() == [(TOUCH_IN,)]
    last = conn.execute("SELECT last_touch_at FROM contact WHERE id = 1").fetchone()
    assert last == ("2024-03-04 05:06:07",)
    assert "Worked out last touch and score again for 25 contacts" in result.output
    assert conn.execute(
        "SELECT full_name, linkedin_url, last_touch_at FROM contact WHERE id = 7"
    ).fetchone() == (
        "Zoë Nº6",
        "https://www.linkedin.com/in/zoe-6",
        "2024-03-04 05:06:07",
    )
    # Full-text search still finds the old messages, keyed by time then id, words recorded.
    keys = conn.execute(
        "SELECT rowid FROM activity_search WHERE activity_search MATCH 'hello' ORDER BY rowid DESC"
    ).fetchall()
    second = 1709528767  # 2024-03-04 05:06:07 UTC
    assert keys == [(second * 2**31 + i,) for i in range(25, 0, -1)]
    terms = {row[0] for row in conn.execute("SELECT term FROM activity_search_term")}
    assert terms == {"hello", "there", "invitation", "sent"}
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE 'activity_fts%'").fetchone() == (
        0,
    )
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    if pending:
        assert all(name in result.output for name in pending)
    else:
        assert "up to date" in result.output
    # And the app starts on it.
    app = create_app({"SESSION_COOKIE_SECURE": False, "SERVER_LOCK": False})
    assert app.test_client().get("/healthz").get_json() == {"status": "ok"}
    if not db.is_closed():
        db.close()


def migrated_before(tmp_path, monkeypatch, first_left_out: str) -> str:
    """A new database migrated with the migrations named before `first_left_out` only."""
    frozen = tmp_path / f"before-{first_left_out}"
    frozen.mkdir()
    for name in migrations.available():
        if name < first_left_out:
            shutil.copy(migrations.HERE / f"{name}.sql", frozen / f"{name}.sql")
    path = str(tmp_path / "old" / "rapport.sqlite3")
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "HERE", frozen)
        migrations.migrate(path)
    return path


def _person(conn, name: str, company_id: int | None, title: str, url: str | None, connection: int) -> int:
    first, last = name.split()
    return conn.execute(
        "INSERT INTO contact (first_name, last_name, full_name, name_key, linkedin_url, company_id, title,"
        " location, website, notes, stage, source, is_connection, connected, value_deal, value_referrals,"
        " value_advocate, value_feedback, created_at, updated_at, score, score_reasons) VALUES (?, ?, ?, ?,"
        " ?, ?, ?, '', '', '', 'lead', 'linkedin', ?, ?, 0, 0, 0, 0, '2026-01-01 00:00:00',"
        " '2026-01-01 00:00:00', 0, '[]')",
        (first, last, name, name.lower(), url, company_id, title, connection, connection),
    ).lastrowid


def test_migration_0011_records_what_linkedin_said_even_where_a_merge_kept_the_address_books(
    tmp_path, monkeypatch
):
    """Found by QA: after the upgrade the role LinkedIn said was unknown, so a company or title
    kept from an address book in an earlier merge, or edited since, read as a job change."""
    path = migrated_before(tmp_path, monkeypatch, "0011")
    conn = sqlite3.connect(path)
    with conn:
        for i, name in enumerate(("Lantern Bio", "Sequoia Software", "Acme"), 1):
            conn.execute(
                "INSERT INTO company (id, name, name_key, website, notes, created_at)"
                " VALUES (?, ?, ?, '', '', '2026-01-01')",
                (i, name, name.lower()),
            )
        omar_url = "https://www.linkedin.com/in/omar"
        # Omar, merged with his address-book card, showing its company and title since
        omar = _person(conn, "Omar Becker", 2, "VP Finance", omar_url, 1)
        card = {"id": 99, "company_id": 2, "title": "VP Finance", "is_connection": 0, "linkedin_url": None}
        linkedin = {"id": omar, "company_id": 1, "title": "CFO", "is_connection": 1, "linkedin_url": omar_url}
        snapshot = json.dumps({"contacts": [linkedin, card], "rows": {}})
        conn.execute(
            "INSERT INTO merge (kept_id, merged_id, snapshot, created_at) VALUES (?, 99, ?, '2026-02-01')",
            (omar, snapshot),
        )
        karin = _person(conn, "Karin Gupta", 3, "CMO", "https://www.linkedin.com/in/karin", 1)
        # Lee, merged too, then promoted by a LinkedIn export since: the import's title stands
        lee_url = "https://www.linkedin.com/in/lee"
        lee = _person(conn, "Lee Park", 3, "Director", lee_url, 1)
        was = {"id": lee, "company_id": 3, "title": "Analyst", "is_connection": 1, "linkedin_url": lee_url}
        conn.execute(
            "INSERT INTO merge (kept_id, merged_id, snapshot, created_at) VALUES (?, 98, ?, '2026-02-01')",
            (lee, json.dumps({"contacts": [was], "rows": {}})),
        )
        run = conn.execute(
            "INSERT INTO import_run (source, file_name, file_hash, status, started_at, counts, problems,"
            " notices) VALUES ('linkedin', 'x.zip', 'h', 'committed', '2026-03-01', '{}', '[]', '[]')"
        ).lastrowid
        conn.execute(
            'INSERT INTO import_change (run_id, "table", row_id, action, before)'
            " VALUES (?, 'contact', ?, 'updated', '{\"title\": \"Analyst\"}')",
            (run, lee),
        )
        zed = _person(conn, "Zed Card", 3, "Buyer", None, 0)
    conn.close()
    assert migrations.migrate(path) == [n for n in migrations.available() if n >= "0011"]
    conn = sqlite3.connect(path)
    roles = dict(
        (cid, (company, title))
        for cid, company, title in conn.execute("SELECT id, linkedin_company, linkedin_title FROM contact")
    )
    conn.close()
    assert roles == {
        omar: ("Lantern Bio", "CFO"), karin: ("Acme", "CMO"), lee: ("Acme", "Director"), zed: (None, None)
    }  # fmt: skip

    # the next export with nobody moved: no job change, no promotion, Omar keeps what was chosen
    app = create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path / "old"), "DATABASE": path,
         "SECRET_KEY": "test-secret-key-0123456789abcdef", "TIMEZONE": "UTC"}
    )  # fmt: skip
    connections = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        f"Omar,Becker,{omar_url},,Lantern Bio,CFO,01 May 2020\n"
        "Karin,Gupta,https://www.linkedin.com/in/karin,,Acme,CMO,02 May 2020\n"
    )
    with app.app_context():
        db.connect(reuse_if_open=True)
        try:
            planner = linkedin_import.planner(zip_of({"Connections.csv": connections}), "export.zip", "h")
            _run, report = imports.commit(planner)
            assert report.signals.total() == 0 and report.job_changes == [] and report.promotions == []
            kept = Contact.get_by_id(omar)
            assert (kept.company.name, kept.title) == ("Sequoia Software", "VP Finance")
        finally:
            db.close()


def test_migration_0012_takes_company_pages_off_profiles(tmp_path, monkeypatch):
    """Before 0012 a company page could be stored as someone's LinkedIn profile."""
    path = migrated_before(tmp_path, monkeypatch, "0012")
    conn = sqlite3.connect(path)
    with conn:
        urls = [
            ("Ann One", "https://www.linkedin.com/company/acme", ""),
            ("Bob Two", "https://www.linkedin.com/school/mit", "https://bob.example"),
            ("Cy Three", "https://www.linkedin.com/in/cy-three", ""),
        ]
        for name, url, website in urls:
            cid = _person(conn, name, None, "", url, 0)
            conn.execute("UPDATE contact SET website = ? WHERE id = ?", (website, cid))
    conn.close()
    assert migrations.migrate(path) == [n for n in migrations.available() if n >= "0012"]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT linkedin_url, website FROM contact ORDER BY id").fetchall() == [
        (None, "https://www.linkedin.com/company/acme"),
        (None, "https://bob.example"),
        ("https://www.linkedin.com/in/cy-three", ""),
    ]
    conn.close()


def test_upgrading_past_0011_rescores_so_long_unanswered_messages_fade_at_once(tmp_path, monkeypatch):
    """The release with 0011 lets a message unanswered for months fade from the score: `crm init`
    rescores everyone then, so Today is right on the day of the upgrade, not the day after."""
    path = migrated_before(tmp_path, monkeypatch, "0011")
    conn = sqlite3.connect(path)
    with conn:
        old = _person(conn, "Ann Old", None, "", "https://www.linkedin.com/in/ann-old", 1)
        conn.execute("UPDATE contact SET score = 95, score_reasons = '[]' WHERE id = ?", (old,))
        at = "2019-01-01 10:00:00"
        activity = conn.execute(
            "INSERT INTO activity (kind, occurred_at, direction, origin, source, summary, body, created_at,"
            " updated_at) VALUES ('message', ?, 'in', 'imported', 'linkedin', 'Hi', 'Hi', ?, ?)",
            (at, at, at),
        ).lastrowid
        conn.execute(
            "INSERT INTO activity_contact (activity_id, contact_id, occurred_at) VALUES (?, ?, ?)",
            (activity, old, at),
        )
    conn.close()
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "old"))
    monkeypatch.setenv("CRM_SECRET_KEY", "upgrade-test-secret-0123456789")
    result = CliRunner().invoke(cli, ["init"], catch_exceptions=False)
    assert result.exit_code == 0 and "Worked out last touch and score again for 1 contact" in result.output
    conn = sqlite3.connect(path)
    score, reasons = conn.execute("SELECT score, score_reasons FROM contact WHERE id = ?", (old,)).fetchone()
    conn.close()
    assert score < 95 and "no reply yet" not in reasons  # seven years of silence is no reason today
