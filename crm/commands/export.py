"""`crm export csv DIR`: contacts in Rapport's CSV layout, beside `crm export json`."""

from __future__ import annotations

import click

from crm.cli import needs_db
from crm.commands.ops import export


@export.command("csv")
@click.argument("directory", type=click.Path(file_okay=False))
@needs_db
def export_csv(directory):
    """Write DIR/contacts.csv: every contact, formula-safe, readable by `crm import csv --format rapport`."""
    from crm.services import csv_export

    path, count = csv_export.write_export(directory)
    click.echo(f"Wrote {count} contact{'' if count == 1 else 's'} to {path}")


COMMANDS: list = []
