"""A fresh `crm init` makes a private install (folder 0700, database 0600) that `crm check` passes."""

from __future__ import annotations

import os
import stat

import pytest
from click.testing import CliRunner

from crm.cli import cli
from crm.db import db


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    for key in [k for k in os.environ if k.startswith("CRM_")]:
        monkeypatch.delenv(key)
    data = tmp_path / "newdir"
    monkeypatch.setenv("CRM_DATA_DIR", str(data))
    old = os.umask(0o022)  # the usual umask, which makes 755 folders and 644 files
    yield data
    os.umask(old)
    if not db.is_closed():
        db.close()


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_fresh_init_is_private_and_passes_check(fresh):
    result = run("init")
    assert result.exit_code == 0, result.output
    database = fresh / "rapport.sqlite3"
    assert mode(fresh) == 0o700
    assert mode(database) == 0o600
    for extra in ("rapport.sqlite3-wal", "rapport.sqlite3-shm"):
        if (fresh / extra).exists():
            assert mode(fresh / extra) == 0o600
    checked = run("check")
    assert checked.exit_code == 0, checked.output
    assert "FAIL" not in checked.output


def test_init_leaves_a_folder_holding_other_files_alone(fresh):
    fresh.mkdir(mode=0o755)
    (fresh / "notes.txt").write_text("mine")
    assert run("init").exit_code == 0
    assert mode(fresh) == 0o755
    assert mode(fresh / "rapport.sqlite3") == 0o600
