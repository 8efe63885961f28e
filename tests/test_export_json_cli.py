"""`crm export json` into a missing folder creates it (like `crm export csv`); errors are one line."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from crm import migrations
from crm.cli import cli
from crm.db import db


@pytest.fixture
def env(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    for key in [k for k in os.environ if k.startswith("CRM_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("CRM_DATA_DIR", str(data))
    monkeypatch.setenv("CRM_SECRET_KEY", "export-json-secret-0123456789abcdef")
    migrations.migrate(str(data / "rapport.sqlite3"))
    yield data
    if not db.is_closed():
        db.close()


def run(*args):
    return CliRunner().invoke(cli, list(args))


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
