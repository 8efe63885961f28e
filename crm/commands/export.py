"""`crm export csv DIR`: contacts in Rapport's CSV layout (the lead attaches `json` here too)."""

from __future__ import annotations

import click

from crm.cli import needs_db


@click.group("export")
def export_group():
    """Export your data."""


@export_group.command("csv")
@click.argument("directory", type=click.Path(file_okay=False))
@needs_db
def export_csv(directory):
    """Write DIR/contacts.csv: every contact, formula-safe, readable by `crm import csv --format rapport`."""
    from crm.services import csv_export

    path, count = csv_export.write_export(directory)
    click.echo(f"Wrote {count} contact{'' if count == 1 else 's'} to {path}")


COMMANDS = [export_group]
