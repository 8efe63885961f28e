"""`crm tag add`, `remove` and `undo`: tag every contact a search or filter finds, from a shell."""

from __future__ import annotations

import click

from crm.cli import fail, needs_db
from crm.models import STAGES

_WHICH = (
    click.option("--search", default="", help="Contacts whose name, company, title or email contain this."),
    click.option("--company", default="", help="Contacts at this company (its name, case ignored)."),
    click.option("--tagged", default="", help="Contacts that have this tag."),
    click.option("--stage", type=click.Choice(STAGES), default=None, help="Contacts at this stage."),
    click.option("--id", "ids", type=int, multiple=True, help="A contact id (repeat for more)."),
    click.option("--all", "everyone", is_flag=True, help="Every contact (not in the trash)."),
)


def _which(func):
    """The options that say which contacts: the contact list's search and filters, or ids."""
    for option in reversed(_WHICH):
        func = option(func)
    return func


def _tag(name: str, add: bool, search, company, tagged, stage, ids, everyone) -> None:
    from crm.forms import parse_tag_name
    from crm.services import contacts

    narrowed = bool(search or company or tagged or stage)
    if ids and (narrowed or everyone):
        fail("Give --id, or a search and filters, not both.")
    if not (ids or narrowed or everyone):
        fail("Say which contacts: --search, --company, --tagged, --stage, --id, or --all for everyone.")
    if add:
        name, error = parse_tag_name(name)
        if error:
            fail(error)
    filters = None
    if not ids:
        company_id = None
        if company:
            found = contacts.company_named(company)
            if found is None:
                fail(f"There is no company “{company}”.")
            company_id = found.id
        filters = contacts.ContactFilters(
            q=search.strip()[:200], tag=tagged.strip(), stage=stage or "", company_id=company_id
        )
    try:
        result = contacts.bulk_tag(name.strip(), add=add, ids=list(ids) or None, filters=filters)
    except contacts.ValidationError as exc:
        fail(str(exc))
    click.echo(result.summary())
    if result.action_id:
        click.echo(f"To undo it: crm tag undo {result.action_id}")


@click.group("tag")
def tag():
    """Add a tag to, or remove it from, many contacts at once, and undo that."""


@tag.command("add")
@click.argument("name")
@_which
@needs_db
def tag_add(name, **which):
    """Add a tag to every contact the search and filters find (a new name creates the tag);
    their next touch due and priority follow the tag's cadence."""
    _tag(name, True, **which)


@tag.command("remove")
@click.argument("name")
@_which
@needs_db
def tag_remove(name, **which):
    """Remove a tag from every contact the search and filters find (the tag itself is kept)."""
    _tag(name, False, **which)


@tag.command("undo")
@click.argument("action_id", type=int)
@needs_db
def tag_undo(action_id):
    """Undo a bulk tag action by the number `crm tag add` or `remove` printed: only the contacts
    it changed are changed back (anyone changed by hand since stays as they are). The latest 20
    actions are kept."""
    from crm.services import contacts

    result = contacts.undo_bulk_tag(action_id)
    if result is None:
        fail(f"Bulk tag action {action_id} cannot be undone: it was undone already or is no longer kept.")
    click.echo(result.summary())


COMMANDS = [tag]
