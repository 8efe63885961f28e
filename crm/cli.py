"""The `crm` command: everything an operator does, each a thin wrapper over a service."""

from __future__ import annotations

import functools
import json
import secrets
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, run_command, with_appcontext

from crm import config as config_module
from crm import migrations, serverlock
from crm.db import db


def _create_app():
    from crm import create_app

    # The CLI checks the schema per command, so `crm init` can create a missing database; only
    # `crm run` serves, so only it marks the database as held by a server (crm.serverlock).
    return create_app({"CHECK_SCHEMA": False, "SERVER_LOCK": False})


class CrmGroup(FlaskGroup):
    """Flask's CLI group with our commands (and `run`, which refuses a stale schema)."""

    def list_commands(self, ctx):
        return sorted(self.commands)


cli = CrmGroup(
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
    help="Rapport, your personal social-selling CRM. Data lives in CRM_DATA_DIR (default ./instance).",
)


def needs_db(func):
    """Run a command with the database open, after checking its schema is current."""

    @functools.wraps(func)
    @with_appcontext
    def wrapper(*args, **kwargs):
        try:
            migrations.check(current_app.config["CRM"]["DATABASE"])
        except migrations.SchemaError as exc:
            raise click.ClickException(str(exc)) from None
        db.connect(reuse_if_open=True)
        try:
            return func(*args, **kwargs)
        finally:
            db.close()

    return wrapper


def fail(message: str) -> None:
    """Exit non-zero with a one-line message on stderr."""
    raise click.ClickException(message)


@cli.command("run", with_appcontext=False)
@click.option("--host", "-h", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", default=5000, show_default=True, help="Port to listen on.")
@click.option("--debug/--no-debug", default=False, help="Reload on code changes (development).")
@click.pass_context
def run(ctx, host, port, debug):
    """Serve Rapport with the development server (use gunicorn in production)."""
    settings = config_module.load(with_secret=False)
    try:
        migrations.check(settings["DATABASE"])
    except migrations.SchemaError as exc:
        fail(str(exc))
    try:
        ctx.meta["crm_server_lock"] = serverlock.hold_shared(settings["DATABASE"])
    except serverlock.Busy as exc:
        fail(str(exc))
    ctx.invoke(run_command, host=host, port=port, reload=debug, debugger=False, with_threads=True)


@cli.command("init")
@with_appcontext
def init():
    """Create the database if missing and apply pending migrations (safe to run again)."""
    path = current_app.config["CRM"]["DATABASE"]
    if not Path(path).exists():
        _make_private(Path(current_app.config["CRM"]["DATA_DIR"]), Path(path))
    ran = _migrate(path)
    if ran:
        click.echo(f"Applied {len(ran)} migration(s) to {path}: {', '.join(ran)}")
    else:
        click.echo(f"{path} is up to date ({len(migrations.available())} migrations).")


def _make_private(data_dir: Path, database: Path) -> None:
    """A fresh install's data folder is its owner's only (0700), as `crm check` requires.

    The folder may already exist (the development secret key is made on start-up), so it is
    tightened when it holds nothing but Rapport's own files; any other folder is left alone.
    """
    ours = {"secret_key", "backups", f"{database.name}.lock", f"{database.name}-wal", f"{database.name}-shm"}
    if not data_dir.exists():
        data_dir.mkdir(mode=0o700, parents=True)
    elif data_dir.is_dir() and {p.name for p in data_dir.iterdir()} <= ours:
        data_dir.chmod(0o700)


def _migrate(path: str) -> list[str]:
    """Apply pending migrations; when one changed a rule scores follow, rescore everyone."""
    ran = migrations.migrate(path)
    if migrations.RESCORE_AFTER.intersection(ran):
        from crm.services import derived

        opened = db.connect(reuse_if_open=True)
        try:
            count = derived.refresh_all()
        finally:
            if opened:
                db.close()
        if count:
            click.echo(f"Worked out last touch and score again for {count:,} contacts (the rules changed).")
    return ran


@cli.command("set-password")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@needs_db
def set_password(password_stdin):
    """Set the owner's password (asked twice); signs out every session."""
    from crm.services import auth

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        auth.set_password(password)
    except auth.PasswordError as exc:
        fail(str(exc))
    click.echo("Password set. Every existing session has been signed out.")


@cli.command("config")
@with_appcontext
def show_config():
    """Print the effective settings, with secrets masked."""
    for key, value in config_module.masked(current_app.config["CRM"]).items():
        click.echo(f"{key} = {value}")


@cli.command("demo")
@click.option("--seed", default=7, show_default=True, help="Random seed for the demo network.")
@click.option(
    "--remove",
    is_flag=True,
    help="Delete the demo network for good (its people, their history, companies and tags);"
    " what you added yourself or imported stays.",
)
@needs_db
def demo(seed, remove):
    """Fill an empty database with a believable small network to explore (or --remove it)."""
    from crm.services import demo as demo_service

    if remove:
        counts = demo_service.remove_demo()
        if not counts["contacts"]:
            fail("There is no demo network to remove.")
        click.echo(json.dumps(counts))
        return
    try:
        counts = demo_service.load_demo(seed=seed)
    except demo_service.NotEmpty as exc:
        fail(str(exc))
    click.echo(json.dumps(counts))


@cli.command("quickstart")
@click.option("--port", default=5000, show_default=True, help="Port to serve on (127.0.0.1 only).")
@click.option("--no-demo", is_flag=True, help="Do not load the demo network into a new database.")
@click.pass_context
@with_appcontext
def quickstart(ctx, port, no_demo):
    """First run in one step: create the database, load demo data, set a password, and serve."""
    from crm.services import auth
    from crm.services import demo as demo_service

    path = current_app.config["CRM"]["DATABASE"]
    _migrate(path)
    db.connect(reuse_if_open=True)
    try:
        if not no_demo and not demo_service.has_contacts():
            demo_service.load_demo()
            click.echo("Loaded the demo network (remove it in Settings or with: crm demo --remove).")
        if auth.has_password():
            login_note = "with your password (change it with: crm set-password)"
        else:
            password = secrets.token_urlsafe(12)
            auth.set_password(password)
            login_note = f"with the password: {password}"
    finally:
        db.close()
    click.echo(f"\n  Rapport is running: open http://127.0.0.1:{port} and log in {login_note}\n")
    ctx.invoke(run, host="127.0.0.1", port=port, debug=False)


def _add_area_commands() -> None:
    """Each area keeps its commands in crm/commands/<area>.py as a COMMANDS list."""
    from crm.commands import AREAS

    for module in AREAS:
        for command in module.COMMANDS:
            cli.add_command(command)


_add_area_commands()


def main() -> None:
    """Entry point of the `crm` console script."""
    cli(prog_name="crm")
