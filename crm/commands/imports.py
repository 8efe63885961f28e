"""`crm import ...`: LinkedIn exports, address books (CSV, vCard), undo and history of import runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask import current_app

from crm.cli import fail, needs_db
from importers.base import ImportRejected


@click.group("import")
def import_group():
    """Import data from other tools (each import can be undone)."""


def _progress(enabled: bool):
    last = [0.0]

    def report(phase: str, done: int) -> None:
        now = time.monotonic()
        if enabled and now - last[0] >= 1:
            last[0] = now
            click.echo(f"  {phase}… {done:,}", err=True)

    return report


def _plural(n: int, one: str, many: str) -> str:
    """ "1 message", "2 messages": `one` or `many` after the count."""
    return f"{n:,} {one if n == 1 else many}"


def _summary(report, run_id, dry_run: bool) -> str:
    c, a, s = report.contacts, report.activities, report.signals
    head = "Dry run: nothing was written." if dry_run else f"Imported as run #{run_id}."
    outsiders = ""
    if c["outsiders"] == 1:
        outsiders = " (1 person you messaged who is not a connection)"
    elif c["outsiders"]:
        outsiders = f" ({c['outsiders']:,} people you messaged who are not connections)"
    kinds = (
        ("message", "message", "messages"), ("invitation", "invitation", "invitations"),
        ("endorsement", "endorsement", "endorsements"),
        ("recommendation", "recommendation", "recommendations"),
        ("job_change", "job change or promotion", "job changes and promotions"),
    )  # fmt: skip
    made = ", ".join(_plural(a[k], one, many) for k, one, many in kinds if a[k])
    made = f" ({made})" if made else ""
    lines = [
        head,
        f"Contacts: {c['created']:,} new{outsiders}, {c['updated']:,} updated, {c['unchanged']:,} unchanged,"
        f" {c['no_longer_connected']:,} no longer connected.",
        f"Activities: {a['created']:,} new{made}, {a['unchanged']:,} already imported.",
        f"Signals: {s['job_change']:,} job changes, {s['promotion']:,} promotions,"
        f" {s['new_connection']:,} new connections.",
    ]
    for item in report.job_changes[:20]:
        lines.append(f"  {item['name']}: moved from {item['from']} to {item['to']}")
    if len(report.job_changes) > 20:
        lines.append(f"  …and {len(report.job_changes) - 20:,} more job changes.")
    for item in report.promotions[:20]:
        lines.append(f"  {item['name']}: promoted from {item['from']} to {item['to']}")
    if len(report.promotions) > 20:
        lines.append(f"  …and {len(report.promotions) - 20:,} more promotions.")
    if report.skipped:
        by_reason = ", ".join(f"{n:,} {r}" for r, n in report.skipped_by_reason.most_common(8))
        lines.append(f"Skipped {len(report.skipped):,} rows: {by_reason}.")
    lines += [f"Note: {n}" for n in report.notices]
    return "\n".join(lines)


@import_group.command("linkedin")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (for scripts).")
@needs_db
def import_linkedin(path: Path, dry_run: bool, as_json: bool):
    """Import a LinkedIn data export: the ZIP, the extracted folder, or one CSV from it."""
    from crm.services import imports, linkedin_import

    progress = _progress(not as_json)
    try:
        digest = imports.file_sha256(path)
        planner = linkedin_import.planner(path, path.name, digest, current_app.config["CRM"]["DATA_DIR"])
        if dry_run:
            report, run_id = imports.preview(planner, progress), None
        else:
            run, report = imports.commit(planner, progress)
            run_id = run.id
    except ImportRejected as exc:
        fail(str(exc).replace("\n", " "))
    except OSError as exc:
        fail(f"{path}: {exc.strerror or exc}")
    if as_json:
        click.echo(json.dumps(report.summary_json(run_id, dry_run), ensure_ascii=False))
    else:
        click.echo(_summary(report, run_id, dry_run) + _duplicates_line(run_id))


def _duplicates_line(run_id: int | None) -> str:
    """After a commit: how many suggested duplicate pairs have someone the import touched."""
    from crm.services import duplicates, imports

    count = duplicates.pairs_touching(imports.touched_ids(run_id)) if run_id else 0
    if not count:
        return ""
    pairs = _plural(count, "suggested duplicate pair has", "suggested duplicate pairs have")
    return (
        f"\n{pairs} someone this import brought in or changed: see `crm duplicates`"
        " (`crm merge identical` merges the sure ones where nothing differs)."
    )


def _book_summary(report, run_id, dry_run: bool) -> str:
    c = report.contacts
    head = "Dry run: nothing was written." if dry_run else f"Imported as run #{run_id}."
    lines = [
        head,
        f"Contacts: {c['created']:,} new, {c['updated']:,} updated, {c['unchanged']:,} unchanged,"
        f" {len(report.conflicts):,} conflicts (existing values kept).",
    ]
    if report.rows["companies_created"]:
        lines.append(f"Companies: {report.rows['companies_created']:,} new.")
    for item in report.conflicts[:20]:
        lines.append(
            f"  row {item['row']}, {item['name']}: {item['field']} stays {item['existing']!r}"
            f" (file has {item['incoming']!r})"
        )
    for s in report.skipped[:50]:
        lines.append(f"Skipped {s.file}, row {s.row}: {s.reason}")
    if len(report.skipped) > 50:
        lines.append(f"…and {len(report.skipped) - 50:,} more skipped rows.")
    lines += [f"Note: {n}" for n in report.notices]
    if report.date_order:
        other = report.date_order["other"]
        again = "run it again" if dry_run else f"undo it (crm import undo {run_id}) and run it again"
        lines.append(f"To read those birthdays {other}, {again} with --date-order {other.replace(' ', '-')}.")
    return "\n".join(lines)


_DATE_ORDER = click.option(
    "--date-order",
    type=click.Choice(["day-first", "month-first"]),
    help="How to read birthdays like 3/4/1980 (default: the date order in Settings).",
)


def _import_book(
    path: Path, kind: str, dry_run: bool, as_json: bool, date_order: str | None, **options
) -> None:
    from crm.services import addressbook_import, imports, settings
    from importers.formats import FIELDS, NeedsMapping

    progress = _progress(not as_json)
    dayfirst = settings.dayfirst() if date_order is None else date_order == "day-first"
    try:
        digest = imports.file_sha256(path)
        planner = addressbook_import.planner(
            path,
            path.name,
            digest,
            kind=kind,
            dayfirst=dayfirst,
            dates_chosen=date_order is not None,
            **options,
        )
        if dry_run:
            report, run_id = imports.preview(planner, progress), None
        else:
            run, report = imports.commit(planner, progress)
            run_id = run.id
    except NeedsMapping as exc:
        fail(
            f"{path.name}: this CSV layout is not one we know; its columns are: "
            f"{', '.join(exc.header)}. Pass --mapping FILE, a JSON object {{column: field}}"
            f" with fields from: {', '.join(FIELDS)}."
        )
    except ImportRejected as exc:
        message = str(exc).replace("\n", " ")
        fail(message if message.startswith(path.name) else f"{path.name}: {message}")
    except OSError as exc:
        fail(f"{path}: {exc.strerror or exc}")
    if as_json:
        click.echo(json.dumps(report.summary_json(run_id, dry_run), ensure_ascii=False))
    else:
        click.echo(_book_summary(report, run_id, dry_run) + _duplicates_line(run_id))


def _read_mapping(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None
    try:
        mapping = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        fail(f"{path}: not a readable JSON mapping ({exc})")
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        fail(
            f'{path}: the mapping must be a JSON object of column names to fields, e.g. {{"E-mail": "email"}}'
        )
    return mapping


@import_group.command("csv")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(
        ["auto", "google", "outlook", "hubspot", "salesforce", "linkedin-connections", "rapport"]
    ),
    default="auto",
    show_default=True,
    help="The tool the CSV came from (auto: recognised by its header).",
)
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSON file {"column": "field"} for a CSV layout we do not know.',
)
@_DATE_ORDER
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (for scripts).")
@needs_db
def import_csv(
    path: Path, fmt: str, mapping: Path | None, date_order: str | None, dry_run: bool, as_json: bool
):
    """Import contacts from a CSV: Google, Outlook, HubSpot, Salesforce, LinkedIn, Rapport or any layout."""
    _import_book(path, "csv", dry_run, as_json, date_order, format=fmt, mapping=_read_mapping(mapping))


@import_group.command("vcard")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_DATE_ORDER
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (for scripts).")
@needs_db
def import_vcard(path: Path, date_order: str | None, dry_run: bool, as_json: bool):
    """Import contacts from a vCard (.vcf) file, e.g. from Apple Contacts; company cards become companies."""
    _import_book(path, "vcard", dry_run, as_json, date_order)


@import_group.command("undo")
@click.argument("run_id", type=int)
@needs_db
def import_undo(run_id: int):
    """Undo an import run: remove what it added and restore what it changed, keeping what you did since."""
    from crm.services import imports

    try:
        run = imports.undo(run_id)
    except ImportRejected as exc:
        fail(str(exc))
    click.echo(f"Undid import #{run.id} ({run.file_name}). {imports.undo_kept(run.counts)}".rstrip())


@import_group.command("list")
@needs_db
def import_list():
    """List import runs, newest first."""
    from crm.services import imports

    for run in imports.history():
        counts = run.counts.get("contacts", {})
        click.echo(
            f"#{run.id}  {run.started_at:%Y-%m-%d %H:%M}  {run.status:9}  {run.source:8}"
            f"  {run.file_name}  contacts +{counts.get('created', 0)} ~{counts.get('updated', 0)}"
        )


COMMANDS = [import_group]
