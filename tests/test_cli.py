"""The `crm` command: help everywhere, init, passwords, config and demo data."""

from __future__ import annotations

import json

import click
import pytest

from crm.cli import cli
from crm.db import db
from crm.models import Contact, FollowUp, Signal


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(cli, list(args), input=input, catch_exceptions=False)


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


@pytest.mark.parametrize("path", [p for p, _ in all_commands(cli)], ids=" ".join)
def test_every_command_has_help_text(app, path):
    command = dict(all_commands(cli))[path]
    assert command.help and len(command.help.strip()) > 10, f"crm {' '.join(path)} has no help"
    result = run(app, *path, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_init_creates_the_database_and_is_idempotent(tmp_path, monkeypatch):
    from crm import create_app

    path = tmp_path / "new.sqlite3"
    app = create_app(
        {"DATA_DIR": str(tmp_path), "DATABASE": str(path), "SECRET_KEY": "s" * 40, "CHECK_SCHEMA": False}
    )
    first = run(app, "init")
    assert first.exit_code == 0 and "Applied" in first.output
    assert path.exists()
    second = run(app, "init")
    assert second.exit_code == 0 and "up to date" in second.output


def test_commands_needing_the_database_refuse_a_missing_one(tmp_path):
    from crm import create_app

    path = tmp_path / "absent.sqlite3"
    app = create_app(
        {"DATA_DIR": str(tmp_path), "DATABASE": str(path), "SECRET_KEY": "s" * 40, "CHECK_SCHEMA": False}
    )
    result = app.test_cli_runner().invoke(cli, ["demo"])
    assert result.exit_code != 0
    assert "crm init" in result.output
    assert not path.exists()


def test_set_password_from_stdin_signs_out_sessions(app, client):
    assert client.get("/contacts/").status_code == 200
    result = run(app, "set-password", "--password-stdin", input="a much longer password\n")
    assert result.exit_code == 0
    assert client.get("/contacts/").status_code == 302
    from tests.conftest import login

    assert login(client, "a much longer password").status_code == 303


def test_short_password_is_refused(app):
    result = app.test_cli_runner().invoke(cli, ["set-password", "--password-stdin"], input="short\n")
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output


def test_config_masks_the_secret(app):
    result = run(app, "config")
    assert "SECRET_KEY = ****cdef" in result.output
    assert "test-secret-key" not in result.output


def test_demo_fills_an_empty_database_and_refuses_a_second_time(app):
    result = run(app, "demo")
    counts = json.loads(result.output)
    assert counts["contacts"] > 20 and counts["activities"] > 50
    db.connect(reuse_if_open=True)
    assert Contact.select().count() == counts["contacts"]
    assert FollowUp.select().count() == counts["followups"] > 0
    assert Signal.select().count() == counts["signals"] > 0
    moved = Signal.select().where(Signal.kind == "job_change")
    assert moved and all(
        s.contact.company.name == s.details["company"] != s.details["old_company"] for s in moved
    )
    # each job change and promotion has its Stream entry, as the LinkedIn import writes them
    jobs = Signal.select().where(Signal.kind.in_(("job_change", "promotion")))
    assert all(s.activity.kind == "job_change" and s.activity.contact_links.count() == 1 for s in jobs)
    from crm.services import duplicates  # the Duplicates screen has something to show

    reasons = sorted(s.reason.split(" (")[0].split(";")[0] for s in duplicates.find_duplicates())
    assert reasons == [
        "Same email address", "Same name", "Same name at the same company", "Same name at the same company"
    ]  # fmt: skip
    assert len(duplicates.suggestion_page().identical) == 2  # one-click merges, and "Merge all 2"
    db.close()
    again = app.test_cli_runner().invoke(cli, ["demo"])
    assert again.exit_code != 0
    assert "empty" in again.output
