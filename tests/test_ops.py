"""Operator commands: backup under load, prune, restore (refusals, set-aside, drill), check, export."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from crm import create_app, migrations, serverlock
from crm.cli import cli
from crm.db import db
from crm.services import backup as backup_service

SECRET = "ops-test-secret-0123456789abcdef"


@pytest.fixture
def env(tmp_path, monkeypatch):
    """CRM_* settings for CLI runs on a migrated database in a private data dir."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    for key in [k for k in os.environ if k.startswith("CRM_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("CRM_DATA_DIR", str(data))
    monkeypatch.setenv("CRM_SECRET_KEY", SECRET)
    migrations.migrate(str(data / "rapport.sqlite3"))
    yield data
    if not db.is_closed():
        db.close()


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def add_contacts(path: Path, n: int, start: int = 0) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for i in range(start, start + n):
            conn.execute(
                "INSERT INTO contact (first_name, last_name, full_name, name_key, title, location, website,"
                " notes, stage, source, is_connection, connected, value_deal, value_referrals,"
                " value_advocate, value_feedback, created_at, updated_at, score, score_reasons)"
                " VALUES ('P', ?, ?, ?, '', '', '', '', 'lead', 'test', 1, 1, 0, 0, 0, 0,"
                " '2025-01-01 00:00:00', '2025-01-01 00:00:00', 0, '[]')",
                (str(i), f"P {i}", f"p {i}"),
            )
    conn.close()


def count(path: Path, table: str = "contact") -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def test_backup_while_another_thread_writes_is_consistent(env):
    database = env / "rapport.sqlite3"
    add_contacts(database, 500)
    stop = threading.Event()

    def writer():
        i = 10_000
        conn = sqlite3.connect(database, timeout=30)
        conn.execute("PRAGMA journal_mode=wal")
        while not stop.is_set():
            with conn:
                conn.execute("INSERT INTO tag (name) VALUES (?)", (f"t{i}",))
            i += 1
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while count(database, "tag") < 50:
            pass
        before = count(database, "tag")
        result = run("backup")
        after = count(database, "tag")
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    backups = backup_service.list_backups(env / "backups")
    assert len(backups) == 1 and "integrity ok" in result.output
    assert backup_service.integrity(backups[0]) == "ok"
    assert before <= count(backups[0], "tag") <= after
    assert count(backups[0]) == 500
    assert oct(backups[0].stat().st_mode & 0o777) == "0o600"
    assert not list((env / "backups").glob(".*"))  # no temp file left behind


def test_backup_keeps_only_the_newest_n_and_leaves_other_files_alone(env):
    folder = env / "backups"
    start = dt.datetime(2025, 1, 1, 3, 0, 0, tzinfo=dt.UTC)
    for day in range(5):
        backup_service.backup(
            str(env / "rapport.sqlite3"), folder, keep=10, now=start + dt.timedelta(days=day)
        )
    (folder / "notes.txt").write_text("mine")
    made = backup_service.backup(
        str(env / "rapport.sqlite3"), folder, keep=3, now=start + dt.timedelta(days=9)
    )
    names = [p.name for p in backup_service.list_backups(folder)]
    assert names == ["rapport-20250104-030000.sqlite3", "rapport-20250105-030000.sqlite3", made.path.name]
    assert len(made.pruned) == 3
    assert (folder / "notes.txt").read_text() == "mine"
    # Two backups in the same second get distinct names that still sort in order.
    again = backup_service.backup(
        str(env / "rapport.sqlite3"), folder, keep=3, now=start + dt.timedelta(days=9)
    )
    assert again.path.name == "rapport-20250110-030000-2.sqlite3"
    assert backup_service.list_backups(folder)[-1] == again.path


def test_backup_to_another_folder_and_keep_must_be_positive(env, tmp_path):
    result = run("backup", "--dest", str(tmp_path / "elsewhere"), "--keep", "2")
    assert result.exit_code == 0 and len(backup_service.list_backups(tmp_path / "elsewhere")) == 1
    assert run("backup", "--keep", "0").exit_code != 0


def test_restore_refuses_while_a_server_holds_the_database(env, tmp_path):
    add_contacts(env / "rapport.sqlite3", 3)
    backup = backup_service.backup(str(env / "rapport.sqlite3"), tmp_path / "b", keep=5).path
    app = create_app({"SECRET_KEY": SECRET})  # what gunicorn workers and `crm run` do
    try:
        result = run("restore", "--yes", str(backup))
        assert result.exit_code != 0
        assert "Stop it first" in result.output
        assert not list(env.glob("*.before-restore-*"))
    finally:
        app.extensions["crm_server_lock"].close()
    assert run("restore", "--yes", str(backup)).exit_code == 0


def test_a_server_cannot_start_while_a_restore_holds_the_lock(env):
    lock = serverlock.hold_exclusive(str(env / "rapport.sqlite3"))
    try:
        with pytest.raises(serverlock.Busy, match="restore"):
            create_app({"SECRET_KEY": SECRET})
    finally:
        lock.close()


def test_restore_keeps_the_previous_database_and_its_wal_aside(env, tmp_path):
    database = env / "rapport.sqlite3"
    add_contacts(database, 10)
    backup = backup_service.backup(str(database), tmp_path / "b", keep=5).path
    # Later changes left only in the -wal file by a process that died without closing (kill -9).
    script = (
        "import os, sqlite3, sys; conn = sqlite3.connect(sys.argv[1]); "
        "conn.execute('PRAGMA wal_autocheckpoint=0'); "
        "conn.execute(\"UPDATE contact SET title = 'after' WHERE id <= 5\"); conn.commit(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", script, str(database)], check=True)
    assert Path(f"{database}-wal").stat().st_size > 0
    result = run("restore", "--yes", str(backup))
    assert result.exit_code == 0, result.output
    assert count(database) == 10
    aside = list(env.glob("rapport.sqlite3.before-restore-*"))
    main = [p for p in aside if not p.name.endswith(("-wal", "-shm"))]
    assert len(main) == 1 and f"kept as {main[0]}" in result.output
    # The checkpoint put the WAL's changes into the kept file before it moved.
    kept = sqlite3.connect(main[0])
    assert kept.execute("SELECT count(*) FROM contact WHERE title = 'after'").fetchone()[0] == 5
    kept.close()
    assert backup_service.integrity(main[0]) == "ok"


def test_restore_drill_into_a_fresh_data_directory_boots_with_the_same_counts(env, tmp_path, monkeypatch):
    from crm.services import demo

    app = create_app({"SECRET_KEY": SECRET, "SERVER_LOCK": False})
    with app.app_context():
        db.connect(reuse_if_open=True)
        demo.load_demo(seed=3)
        db.close()
    tables = ("contact", "company", "activity", "activity_contact", "follow_up", "signal")
    expected = {t: count(env / "rapport.sqlite3", t) for t in tables}
    assert run("backup").exit_code == 0
    backup = backup_service.list_backups(env / "backups")[-1]
    fresh = tmp_path / "fresh"
    monkeypatch.setenv("CRM_DATA_DIR", str(fresh))
    result = run("restore", "--yes", str(backup))
    assert result.exit_code == 0, result.output
    assert "kept as" not in result.output  # nothing was there to set aside
    restored = create_app({"SECRET_KEY": SECRET, "SESSION_COOKIE_SECURE": False, "SERVER_LOCK": False})
    assert restored.config["CRM"]["DATABASE"] == str(fresh / "rapport.sqlite3")
    assert {t: count(fresh / "rapport.sqlite3", t) for t in tables} == expected
    assert restored.test_client().get("/healthz").get_json() == {"status": "ok"}
    assert run("check").exit_code == 0


def test_restore_refuses_a_corrupt_file_and_changes_nothing(env, tmp_path):
    database = env / "rapport.sqlite3"
    add_contacts(database, 200)
    good = backup_service.backup(str(database), tmp_path / "b", keep=5).path
    broken = tmp_path / "broken.sqlite3"
    data = bytearray(good.read_bytes())
    page = 4096
    data[page * 2 : page * 2 + 2000] = os.urandom(2000)  # scribble over a b-tree page
    broken.write_bytes(bytes(data))
    result = run("restore", "--yes", str(broken))
    assert result.exit_code != 0 and "damaged" in result.output
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"hello" * 1000)
    assert "not a SQLite database" in run("restore", "--yes", str(junk)).output
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.close()
    assert "not a Rapport database" in run("restore", "--yes", str(other)).output
    assert count(database) == 200 and not list(env.glob("*.before-restore-*"))


def test_restore_refuses_a_backup_from_a_newer_version(env, tmp_path):
    newer = backup_service.backup(str(env / "rapport.sqlite3"), tmp_path / "b", keep=5).path
    conn = sqlite3.connect(newer)
    conn.execute("INSERT INTO schema_migrations VALUES ('9999_from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    result = run("restore", "--yes", str(newer))
    assert result.exit_code != 0 and "newer Rapport" in result.output


def test_check_passes_on_a_healthy_install_and_fails_on_each_problem(env, tmp_path, monkeypatch):
    result = run("check", "--json")
    findings = {f["name"]: f for f in json.loads(result.output)}
    assert result.exit_code == 0, result.output
    assert findings["integrity"]["detail"] == "ok" and findings["schema"]["ok"]
    assert findings["disk"]["ok"] and findings["secret"]["ok"]
    env.chmod(0o755)
    result = run("check")
    assert result.exit_code == 1 and "FAIL  data directory" in result.output
    env.chmod(0o700)
    key = tmp_path / "key"
    key.write_text("k" * 64)
    key.chmod(0o644)
    monkeypatch.delenv("CRM_SECRET_KEY")
    monkeypatch.setenv("CRM_SECRET_KEY_FILE", str(key))
    assert "FAIL  secret key file" in run("check").output
    monkeypatch.setenv("CRM_SECRET_KEY_FILE", str(tmp_path / "missing"))
    result = run("check")
    assert result.exit_code == 1 and "FAIL  settings" in result.output and "cannot be read" in result.output
    monkeypatch.setenv("CRM_SECRET_KEY", SECRET)
    (env / "rapport.sqlite3").unlink()
    result = run("check")
    assert result.exit_code == 1 and "crm init" in result.output


def test_unreadable_database_gives_a_clear_message_even_as_root(tmp_path):
    """chmod 000 on the database: the app refuses to start and says what to fix."""
    folder = Path(tempfile.mkdtemp(prefix="rapport-perm-"))
    folder.chmod(0o755)  # traversable, so only the file's own mode is in the way
    try:
        database = folder / "rapport.sqlite3"
        migrations.migrate(str(database))
        database.chmod(0o000)
        settings = {"DATA_DIR": str(folder), "DATABASE": str(database), "SECRET_KEY": SECRET}
        as_root = os.geteuid() == 0
        if as_root:
            os.seteuid(65534)  # root reads anything; act as `nobody` for the check itself
        try:
            with pytest.raises(migrations.SchemaError, match="Permission denied") as caught:
                create_app({**settings, "SERVER_LOCK": False})
        finally:
            if as_root:
                os.seteuid(0)
        assert "chown" in str(caught.value) and str(database) in str(caught.value)
    finally:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


def test_export_json_has_every_section_in_the_documented_shape(env, tmp_path):
    from crm.services import demo

    app = create_app({"SECRET_KEY": SECRET, "SERVER_LOCK": False})
    with app.app_context():
        db.connect(reuse_if_open=True)
        demo.load_demo(seed=5)
        db.close()
    conn = sqlite3.connect(env / "rapport.sqlite3")
    with conn:
        conn.execute(
            "INSERT INTO import_run (source, file_name, file_hash, status, started_at, counts, problems,"
            " notices) VALUES ('linkedin', 'export.zip', 'abc', 'committed', '2025-02-03 04:05:06',"
            " '{}', '[]', '[]')"
        )
        conn.execute("UPDATE contact SET connected = 0 WHERE id = 2")
    conn.close()
    out = tmp_path / "export.json"
    result = run("export", "json", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["format"] == "rapport-export" and data["exported_at"].endswith("Z")
    assert len(data["contacts"]) == count(env / "rapport.sqlite3")
    assert len(data["activities"]) == count(env / "rapport.sqlite3", "activity")
    contact = data["contacts"][0]
    for key in (
        "id",
        "first_name",
        "last_name",
        "full_name",
        "linkedin_url",
        "emails",
        "phones",
        "company",
        "title",
        "location",
        "birthday",
        "tags",
        "stage",
        "notes",
        "source",
        "connected_on",
        "connected",
        "last_touch_at",
        "next_touch_due",
        "score",
    ):
        assert key in contact, key
    assert isinstance(contact["emails"], list) and isinstance(contact["tags"], list)
    # every column the owner or an import writes is in the backup (the brief's goal and what
    # LinkedIn last said of the job were not); only what is worked out again from them is left out
    columns = {
        row[1] for row in sqlite3.connect(env / "rapport.sqlite3").execute("PRAGMA table_info(contact)")
    }
    derived = {"name_key", "birthday_month", "birthday_day", "birthday_year", "score_reasons"}
    assert columns - set(contact) - derived - {"score_updated_at", "snoozed_at"} == set()
    assert data["contacts"][1]["connected"] is False
    touched = [c for c in data["contacts"] if c["last_touch_at"]]
    assert touched and all(dt.datetime.fromisoformat(c["last_touch_at"]).tzinfo == dt.UTC for c in touched)
    activity = data["activities"][0]
    assert set(activity) >= {
        "id",
        "contact_ids",
        "kind",
        "direction",
        "occurred_at",
        "source",
        "origin",
        "summary",
        "body",
    }
    assert activity["contact_ids"] and activity["occurred_at"].endswith("Z")
    signal = data["signals"][0]
    assert set(signal) >= {"contact_id", "kind", "observed_at", "details", "dismissed"}
    assert isinstance(signal["dismissed"], bool) and isinstance(signal["details"], dict)
    assert data["followups"] and data["companies"]
    assert data["import_runs"] == [
        {
            "id": 1,
            "source": "linkedin",
            "file_name": "export.zip",
            "file_hash": "abc",
            "status": "committed",
            "started_at": "2025-02-03T04:05:06Z",
            "finished_at": None,
            "undone_at": None,
            "counts": {},
            "problems": [],
        }
    ]
    # '-' writes the same document to standard output.
    stdout = run("export", "json", "-")
    streamed = json.loads(stdout.stdout)
    assert streamed["contacts"] == data["contacts"] and streamed["activities"] == data["activities"]


def test_export_is_a_group_with_json_so_csv_can_join_it():
    assert "json" in cli.commands["export"].commands


def test_restore_refuses_while_crm_run_serves(env, tmp_path):
    from tests import serving

    backup = backup_service.backup(str(env / "rapport.sqlite3"), tmp_path / "b", keep=5).path
    port = serving.free_port()
    proc = serving.start(
        [sys.executable, "-c", "from crm.cli import main; main()", "run", "--port", str(port)],
        env={
            **os.environ,
            "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
            "CRM_SECURE_COOKIES": "false",
        },
        cwd=tmp_path,
    )
    try:
        serving.wait_for_health(f"http://127.0.0.1:{port}", proc)
        result = run("restore", "--yes", str(backup))
        assert result.exit_code != 0 and "Stop it first" in result.output
    finally:
        serving.stop(proc)
    assert run("restore", "--yes", str(backup)).exit_code == 0


# `crm export json` into a missing folder creates it (like `crm export csv`); errors are one line.


def test_export_json_creates_a_missing_folder(env, tmp_path):
    target = tmp_path / "nodir" / "deeper" / "x.json"
    result = run("export", "json", str(target))
    assert result.exit_code == 0, result.output
    assert "contacts" in json.loads(target.read_text())


def test_export_json_to_an_unwritable_place_is_a_one_line_error(env, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    result = run("export", "json", str(blocker / "x.json"))
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.output.strip().startswith("Error: Cannot write")
    assert len(result.output.strip().splitlines()) == 1
