"""Operator commands: backup, restore, check and the full JSON export."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from crm import config as config_module
from crm.cli import fail, needs_db
from crm.services import backup as backup_service


@click.command("backup")
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the backup files (default: <data dir>/backups).",
)
@click.option("--keep", default=14, show_default=True, help="How many backups to keep in that folder.")
@with_appcontext
def backup(dest, keep):
    """Copy the database consistently (safe while Rapport runs), verify it and prune old copies.

    The copy is named rapport-YYYYmmdd-HHMMSS.sqlite3 (UTC) and only appears once it passed
    PRAGMA integrity_check; older files of that name pattern beyond --keep are deleted.
    """
    settings = current_app.config["CRM"]
    folder = dest or Path(settings["DATA_DIR"]) / "backups"
    try:
        made = backup_service.backup(settings["DATABASE"], folder, keep)
    except (backup_service.BackupError, backup_service.migrations.SchemaError) as exc:
        fail(str(exc))
    click.echo(f"Backup written: {made.path} ({made.size // 1024} KiB, integrity ok)")
    for old in made.pruned:
        click.echo(f"Removed old backup {old.name}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore(file, yes):
    """Replace the database with a backup FILE (stop the server first).

    The file must pass an integrity check and come from this or an older Rapport. The current
    database is kept beside it as rapport.sqlite3.before-restore-<time>; pending migrations are
    applied to the restored copy.
    """
    database = current_app.config["CRM"]["DATABASE"]
    try:
        backup_service.check_restorable(file)
    except backup_service.BackupError as exc:
        fail(str(exc))
    if not yes:
        click.confirm(f"Replace {database} with {file}?", abort=True)
    try:
        aside = backup_service.restore(file, database)
    except backup_service.BackupError as exc:
        fail(str(exc))
    click.echo(f"Restored {file} into {database}.")
    if aside:
        click.echo(f"The previous database is kept as {aside}.")


@click.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def check(as_json):
    """Check the database (integrity, schema), free disk, the secret and file permissions.

    Exits non-zero when anything is wrong, so it suits a monitoring cron job.
    """
    try:
        settings = config_module.load({"SERVER_LOCK": False})
    except config_module.ConfigError as exc:
        findings = [backup_service.Finding("settings", False, str(exc))]
    else:
        findings = backup_service.check(settings)
        findings.append(backup_service.Finding("secret", True, "secret key present"))
    if as_json:
        click.echo(json.dumps([f.__dict__ for f in findings], indent=2))
    else:
        for f in findings:
            click.echo(f"{'ok  ' if f.ok else 'FAIL'}  {f.name}: {f.detail}")
    if not all(f.ok for f in findings):
        sys.exit(1)


@click.group("export")
def export():
    """Export everything in a portable form: json (all data) or csv (contacts)."""


@export.command("json")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@needs_db
def export_json(path):
    """Write the whole database as one JSON document to PATH ('-' for standard output).

    Contacts, companies, activities, follow-ups, signals and import runs, with times in ISO 8601
    UTC. A file is written under a temporary name and renamed when complete.
    """
    from crm.services.export_json import write_json

    if path == "-":
        write_json(sys.stdout)
        sys.stdout.flush()
        return
    target = Path(path).resolve()
    try:
        # Like `crm export csv`, a missing folder is created.
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        fail(f"Cannot write {target}: {exc.strerror or exc}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            counts = write_json(out)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    summary = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())
    click.echo(f"Exported {summary} to {target}", err=True)


COMMANDS = [backup, restore, check, export]
