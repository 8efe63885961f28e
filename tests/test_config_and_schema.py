"""Configuration, migrations and the fail-closed start-up."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from crm import config, create_app, migrations
from crm.db import db
from crm.models import MODELS


def test_production_refuses_to_start_without_a_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("CRM_SECRET_KEY", raising=False)
    monkeypatch.delenv("CRM_SECRET_KEY_FILE", raising=False)
    with pytest.raises(config.ConfigError, match="secret key"):
        config.load({"ENV": "production", "DATA_DIR": str(tmp_path)})


def test_placeholder_secret_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_SECRET_KEY", "changeme")
    with pytest.raises(config.ConfigError, match="placeholder"):
        config.load({"DATA_DIR": str(tmp_path)})


def test_development_generates_a_private_key_once(tmp_path, monkeypatch):
    monkeypatch.delenv("CRM_SECRET_KEY", raising=False)
    monkeypatch.delenv("CRM_SECRET_KEY_FILE", raising=False)
    first = config.load({"DATA_DIR": str(tmp_path)})["SECRET_KEY"]
    second = config.load({"DATA_DIR": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) == 64
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_secret_key_file_is_read(tmp_path, monkeypatch):
    key_file = tmp_path / "key"
    key_file.write_text("k" * 40 + "\n")
    monkeypatch.delenv("CRM_SECRET_KEY", raising=False)
    monkeypatch.setenv("CRM_SECRET_KEY_FILE", str(key_file))
    assert config.load({"ENV": "production", "DATA_DIR": str(tmp_path)})["SECRET_KEY"] == "k" * 40


def test_insecure_cookies_are_refused_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_SECURE_COOKIES", "false")
    monkeypatch.setenv("CRM_SECRET_KEY", "s" * 40)
    with pytest.raises(config.ConfigError, match="local development"):
        config.load({"ENV": "production", "DATA_DIR": str(tmp_path)})


def test_unknown_timezone_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_TIMEZONE", "Mars/Olympus")
    with pytest.raises(config.ConfigError, match="CRM_TIMEZONE"):
        config.load({"DATA_DIR": str(tmp_path), "SECRET_KEY": "s" * 40})


def test_masked_config_hides_secrets():
    shown = config.masked({"SECRET_KEY": "abcdefghijklmnopqrstuvwxyz", "TIMEZONE": "UTC"})
    assert shown["SECRET_KEY"] == "****wxyz"
    assert shown["TIMEZONE"] == "UTC"


def test_migrate_is_idempotent_and_recorded(tmp_path):
    path = str(tmp_path / "db.sqlite3")
    assert migrations.migrate(path) == migrations.available()
    assert migrations.migrate(path) == []
    conn = sqlite3.connect(path)
    assert migrations.applied(conn) == migrations.available()


def test_migrated_schema_matches_the_models(tmp_path):
    path = str(tmp_path / "db.sqlite3")
    migrations.migrate(path)
    conn = sqlite3.connect(path)
    for model in MODELS:
        table = model._meta.table_name
        columns = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
        assert columns == {f.column_name for f in model._meta.sorted_fields}, table
        indexes = {row[1] for row in conn.execute(f'PRAGMA index_list("{table}")')}
        declared = {index.query()[0].split('"')[1] for index in model._schema._create_indexes(safe=False)}
        assert declared <= indexes, f"{table}: indexes {declared - indexes} missing"
        # and nothing the models do not know of (constraints' own sqlite_autoindex_* aside)
        assert {i for i in indexes if not i.startswith("sqlite_autoindex")} == declared, table


def test_no_index_is_the_prefix_of_another(tmp_path):
    """A composite index serves every query its leading columns do; a second index on just
    those columns only slows each insert (migrations 0005 and 0007)."""
    path = str(tmp_path / "db.sqlite3")
    migrations.migrate(path)
    conn = sqlite3.connect(path)
    by_table: dict[str, list[tuple[str, tuple]]] = {}
    for table, name in conn.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'"):
        columns = tuple(row[2] for row in conn.execute(f'PRAGMA index_info("{name}")'))
        by_table.setdefault(table, []).append((name, columns))
    redundant = [
        (name, longer)
        for indexes in by_table.values()
        for name, columns in indexes
        for longer, more in indexes
        if len(columns) < len(more) and more[: len(columns)] == columns
    ]
    assert redundant == []
    assert len(by_table["contact_email"]) == 2  # (email) and (contact_id, email): the check looked


def test_app_refuses_a_missing_database_and_does_not_create_it(tmp_path):
    path = tmp_path / "nothing.sqlite3"
    with pytest.raises(migrations.SchemaError, match="crm init"):
        create_app({"DATA_DIR": str(tmp_path), "DATABASE": str(path), "SECRET_KEY": "s" * 40})
    assert not path.exists()


def test_app_refuses_a_stale_schema_naming_the_command(tmp_path):
    path = tmp_path / "old.sqlite3"
    migrations.migrate(str(path))
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM schema_migrations")
    conn.commit()
    with pytest.raises(migrations.SchemaError, match="Run: crm init"):
        create_app({"DATA_DIR": str(tmp_path), "DATABASE": str(path), "SECRET_KEY": "s" * 40})


def test_app_refuses_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(migrations.SchemaError, match="unreadable"):
        create_app({"DATA_DIR": str(tmp_path), "DATABASE": str(path), "SECRET_KEY": "s" * 40})


def test_every_connection_uses_the_safe_pragmas(app, database):
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == 2
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_a_failing_migration_changes_nothing(tmp_path, monkeypatch):
    path = str(tmp_path / "db.sqlite3")
    migrations.migrate(path)
    broken = tmp_path / "migs"
    broken.mkdir()
    for name in migrations.available():
        (broken / f"{name}.sql").write_text((migrations.HERE / f"{name}.sql").read_text())
    (broken / "9999_broken.sql").write_text(
        "CREATE TABLE half_done (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n"
    )
    monkeypatch.setattr(migrations, "HERE", broken)
    with pytest.raises(sqlite3.OperationalError):
        migrations.migrate(path)
    conn = sqlite3.connect(path)
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name='half_done'").fetchone()
    assert "9999_broken" not in migrations.applied(conn)
