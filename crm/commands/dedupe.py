"""`crm duplicates` and `crm merge KEEP OTHER` / `crm merge undo MERGE_ID`."""

from __future__ import annotations

import json

import click

from crm.cli import fail, needs_db


@click.command("duplicates")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {contact_ids, reason}.")
@click.option("--limit", type=int, default=None, help="Show at most this many pairs.")
@needs_db
def duplicates_command(as_json, limit):
    """List pairs of contacts that look like the same person, surest first."""
    from crm.services import duplicates

    found = duplicates.find_duplicates(limit)
    if as_json:
        click.echo(json.dumps([s.as_json() for s in found]))
        return
    if not found:
        click.echo("No duplicates found.")
        return
    for s in found:
        click.echo(f"{s.a}\t{s.b}\t{s.reason}")


class MergeGroup(click.Group):
    """`crm merge KEEP_ID OTHER_ID` and `crm merge undo MERGE_ID` side by side.

    A first argument that is a number means the pair form (routed to the hidden `pair`
    command); anything else is a subcommand name.
    """

    def parse_args(self, ctx, args):
        if args and args[0].isdigit():
            args = ["pair", *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx, formatter):
        formatter.write_usage(
            ctx.command_path,
            "KEEP_ID OTHER_ID [--take-other FIELD]... | undo MERGE_ID | identical | undo-batch BATCH_ID",
        )


@click.group("merge", cls=MergeGroup)
def merge_group():
    """Merge OTHER_ID into KEEP_ID (KEEP's values win conflicts unless --take-other), or undo a merge.

    Emails, phones and tags of both are kept; activities, follow-ups, signals and ledger
    entries move to KEEP_ID; OTHER_ID goes out of sight. Prints the merge id for `crm merge undo`.
    """


@merge_group.command("pair", hidden=True)
@click.argument("keep_id", type=int)
@click.argument("other_id", type=int)
@click.option(
    "--take-other",
    "take_other",
    multiple=True,
    metavar="FIELD",
    help="Use OTHER's value for this field (name, company, title, location, website, linkedin_url, "
    "birthday, stage, notes, cadence_days, connected_on); repeat as needed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print {merge_id, kept, merged} as JSON.")
@needs_db
def merge_pair(keep_id, other_id, take_other, as_json):
    """Merge OTHER_ID into KEEP_ID."""
    from crm.services import merge

    unknown = [f for f in take_other if f not in merge.FIELDS]
    if unknown:
        fail(f"Unknown field {unknown[0]!r}; fields: {', '.join(merge.FIELDS)}")
    try:
        done = merge.merge_contacts(keep_id, other_id, {f: "other" for f in take_other})
    except merge.MergeError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps({"merge_id": done.id, "kept": keep_id, "merged": other_id}))
    else:
        click.echo(done.id)


@merge_group.command("undo")
@click.argument("merge_id", type=int)
@needs_db
def merge_undo(merge_id):
    """Undo merge MERGE_ID: both contacts and everything moved go back as they were."""
    from crm.services import merge

    try:
        done = merge.undo_merge(merge_id)
    except merge.MergeError as exc:
        fail(str(exc))
    click.echo(f"Merge {done.id} undone: contacts {done.kept_id} and {done.merged_id} are separate again.")


@merge_group.command("identical")
@click.option("--dry-run", is_flag=True, help="Only count the pairs; merge nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print {batch_id, merged, skipped} as JSON.")
@needs_db
def merge_identical(dry_run, as_json):
    """Merge every sure suggested pair in which nothing differs, as one batch.

    The pairs `crm duplicates` lists that share an email, a phone or the full name at the same
    company, whose fields (name, company, title...) never disagree and whose contacts are in no
    other pair: each merge keeps every value of both. `crm merge undo-batch BATCH_ID` splits
    them all again.
    """
    from crm.services import duplicates

    if dry_run:
        pairs = duplicates.unseen_pairs()
        result = {"batch_id": None, "merged": 0, "skipped": 0, "would_merge": len(pairs)}
        message = f"{len(pairs)} sure suggested pairs have nothing to choose; nothing was merged (dry run)."
    else:
        batch = duplicates.merge_unseen_pairs()
        result = {"batch_id": batch.id, "merged": batch.merged, "skipped": batch.skipped}
        message = f"Merged {batch.merged} pairs in which nothing differed."
        if batch.skipped:
            message += f" {batch.skipped} changed while merging and were left for `crm duplicates`."
        if batch.id:
            message += f" Batch {batch.id}: `crm merge undo-batch {batch.id}` splits them again."
    click.echo(json.dumps(result) if as_json else message)


@merge_group.command("undo-batch")
@click.argument("batch_id", type=int)
@needs_db
def merge_undo_batch(batch_id):
    """Undo every merge of batch BATCH_ID (from `crm merge identical`), all or none."""
    from crm.services import merge

    try:
        count = merge.undo_batch(batch_id)
    except merge.MergeError as exc:
        fail(str(exc))
    click.echo(f"Undid {count} merges of batch {batch_id}: each pair is two contacts again.")


COMMANDS = [duplicates_command, merge_group]
