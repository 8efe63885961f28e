"""Duplicates: suggested pairs side by side, a field-by-field merge screen, undo and dismiss."""

from __future__ import annotations

import re

from flask import Blueprint, abort, request, url_for

from crm import htmx
from crm.services import duplicates as service
from crm.services import merge as merging
from crm.web import render, see_other

bp = Blueprint("duplicates", __name__, url_prefix="/duplicates")


def _id(value: str | None) -> int:
    if not value or not value.isdigit():
        abort(400, "Pick two contacts.")
    return int(value)


def _list_context(
    merged_id: int | None = None,
    batch_id: int | None = None,
    skipped: int = 0,
    undone: str = "",
    undone_batch: dict | None = None,
) -> dict:
    """What the list shows: the pairs, the recent merges, and a notice of what was just done."""
    page = service.suggestion_page()
    return {
        "undone": undone,
        "undone_batch": undone_batch,
        "pairs": page.pairs,
        "total": page.total,
        "identical": page.identical,
        "merges": merging.recent_merges(),
        "merged": merging.get_merge(merged_id) if merged_id else None,
        "batch": merging.batch_summary(batch_id) if batch_id else None,
        "skipped": skipped,
    }


def _number(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/")
def index():
    """Suggested pairs, surest first, with the recent merges that can be undone."""
    undone_batch = _number("undone_batch")
    return render(
        "duplicates/index.html",
        "duplicates/_list.html",
        **_list_context(
            _number("merged"),
            _number("batch"),
            _number("skipped") or 0,
            undone=request.args.get("undone", ""),
            undone_batch=merging.batch_summary(undone_batch) if undone_batch else None,
        ),
    )


@bp.post("/dismiss")
def dismiss():
    """ "Not a duplicate": the pair is never suggested again."""
    service.dismiss(_id(request.form.get("a")), _id(request.form.get("b")))
    response = render("duplicates/index.html", "duplicates/_list.html", **_list_context())
    response.headers["HX-Trigger"] = "pair-dismissed"
    return response


def _merge_page(keep_id: int, other_id: int, choices: dict | None, error: str = "", status: int = 200):
    try:
        keep, other, rows = merging.compare(keep_id, other_id)
    except merging.MergeError as exc:
        abort(404, str(exc))
    if choices is None:
        choices = merging.default_choices(keep, other)
    lists = service.lists_for([keep.id, other.id])
    return render(
        "duplicates/merge.html",
        "duplicates/_merge_form.html",
        status=status,
        keep=keep,
        other=other,
        rows=rows,
        choices=choices,
        error=error,
        lists=lists,
        lost_letter_copies=merging.lost_letter_copies(lists[keep.id]["emails"] + lists[other.id]["emails"]),
        moving=merging.moved_counts(other.id),
    )


@bp.get("/merge")
def merge_screen():
    """Both contacts field by field; conflicting fields get a choice."""
    return _merge_page(_id(request.args.get("keep")), _id(request.args.get("other")), None)


@bp.post("/merge")
def merge():
    """Merge the other contact into the kept one, then show the result."""
    keep_id, other_id = _id(request.form.get("keep")), _id(request.form.get("other"))
    choices = {
        name: request.form[f"choice-{name}"]
        for name in merging.FIELDS
        if request.form.get(f"choice-{name}") in merging.CHOICES
    }
    if request.form.get("from") == "list":
        return _merge_from_list(keep_id, other_id)
    try:
        merging.merge_contacts(keep_id, other_id, choices)
    except merging.MergeError as exc:
        return _merge_page(keep_id, other_id, choices, error=str(exc), status=422)
    return see_other(url_for("contacts.show", contact_id=keep_id, merged=1))


def _merge_from_list(keep_id: int, other_id: int):
    """The list's one-click merge of a pair where no field differs; the list comes back with
    an undo link. If a field differs by now, the merge screen asks instead."""
    try:
        done = merging.merge_contacts(keep_id, other_id, only_if_nothing_differs=True)
    except merging.MergeNeedsChoices:
        return see_other(url_for("duplicates.merge_screen", keep=keep_id, other=other_id))
    except merging.MergeError as exc:  # a stale list: one of the two was merged or deleted
        return render(
            "duplicates/index.html",
            "duplicates/_list.html",
            status=422,
            merge_error=f"Not merged: {exc} The list below is up to date.",
            **_list_context(),
        )
    if not htmx:
        return see_other(url_for("duplicates.index", merged=done.id))
    return render("duplicates/index.html", "duplicates/_list.html", **_list_context(done.id))


MAX_BATCH = 10_000  # pairs one merge-all takes (the list is far shorter in practice)
_PAIRS = re.compile(r"\d{1,18}-\d{1,18}(,\d{1,18}-\d{1,18})*")


@bp.post("/merge-all")
def merge_all():
    """Merge every pair the list showed as differing in nothing, in one batch with one undo.

    The form carries the pairs the owner saw; one that no longer merges in one click (a field
    differs by now, or a contact is gone or in another pair) is left on the list."""
    text = request.form.get("pairs", "")
    if not _PAIRS.fullmatch(text) or text.count(",") >= MAX_BATCH:
        abort(400, "No pairs to merge.")
    pairs = [tuple(int(i) for i in pair.split("-")) for pair in text.split(",")]
    batch = service.merge_unseen_pairs(pairs)
    if not htmx:
        return see_other(url_for("duplicates.index", batch=batch.id, skipped=batch.skipped or None))
    return render(
        "duplicates/index.html",
        "duplicates/_list.html",
        **_list_context(batch_id=batch.id, skipped=batch.skipped),
    )


def _load_batch(batch_id: int) -> dict:
    found = merging.get_batch(batch_id)
    if found is None:
        abort(404)
    return found


@bp.get("/batches/<int:batch_id>/undo")
def confirm_undo_batch(batch_id: int):
    """Ask before undoing a whole merge-all batch."""
    return render("duplicates/undo_batch.html", batch=_load_batch(batch_id), error="")


@bp.post("/batches/<int:batch_id>/undo")
def undo_batch(batch_id: int):
    """Split every pair of a merge-all batch apart again."""
    found = _load_batch(batch_id)
    try:
        merging.undo_batch(batch_id)
    except merging.MergeError as exc:
        return render("duplicates/undo_batch.html", status=409, batch=found, error=str(exc))
    return see_other(url_for("duplicates.index", undone_batch=batch_id))


def _load_merge(merge_id: int) -> dict:
    found = merging.get_merge(merge_id)
    if found is None:
        abort(404)
    return found


@bp.get("/merges/<int:merge_id>/undo")
def confirm_undo(merge_id: int):
    """Ask before undoing a merge."""
    return render("duplicates/undo.html", merge=_load_merge(merge_id), error="")


@bp.post("/merges/<int:merge_id>/undo")
def undo(merge_id: int):
    """Split the merged contacts apart again, exactly as they were."""
    found = _load_merge(merge_id)
    try:
        merging.undo_merge(merge_id)
    except merging.MergeError as exc:
        return render("duplicates/undo.html", status=409, merge=found, error=str(exc))
    return see_other(url_for("duplicates.index", undone=merge_id))
