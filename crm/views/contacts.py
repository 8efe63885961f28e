"""Contacts: list with search-as-you-type, create, edit, trash, and the contact page."""

from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, abort, make_response, redirect, request, url_for

from crm import dates, htmx
from crm.forms import MAX_TAG_LENGTH, parse_contact, parse_tag_name
from crm.models import STAGE_LABELS, STAGES, TOUCH_KINDS, utcnow
from crm.services import activities, csv_export, derived, followups, stream
from crm.services import contacts as service
from crm.views.relationships import cards as relationship_cards
from crm.views.stream import touch_fields
from crm.web import CONTACT_CHANGED, owner_tz, render, see_other

bp = Blueprint("contacts", __name__, url_prefix="/contacts")


def _filters() -> service.ContactFilters:
    args = request.args
    company = args.get("company", "")
    quiet = args.get("quiet", "")
    tag = args.get("tag", "").strip()
    found = service.find_tag(tag) if tag else None  # ?tag=vip shows "VIP" chosen in the filter
    return service.ContactFilters(
        q=args.get("q", "").strip()[:200],
        tag=found.name if found else tag,
        stage=args.get("stage", "") if args.get("stage") in STAGES else "",
        company_id=int(company) if company.isdigit() else None,
        sort=args.get("sort", "name") if args.get("sort") in service.SORTS else "name",
        page=int(args.get("page", "1")) if args.get("page", "1").isdigit() else 1,
        quiet_days=int(quiet) if quiet.isdigit() and int(quiet) > 0 else None,
        has_followup=args.get("followup") == "1",
        due_by=dates.local_today(utcnow().replace(tzinfo=dt.UTC), owner_tz())
        if args.get("due") == "1"
        else None,
    )


# The "not touched in" choices; a number typed into the URL is offered too, so it shows.
QUIET_CHOICES = (30, 90, 180)


def _filter_args(filters: service.ContactFilters) -> dict[str, str]:
    """The list's search, filters and sort as URL parameters (every link keeps them)."""
    args = {
        "q": filters.q,
        "tag": filters.tag,
        "stage": filters.stage,
        "quiet": str(filters.quiet_days or ""),
        "due": "1" if filters.due_by else "",
        "followup": "1" if filters.has_followup else "",
        "company": str(filters.company_id or ""),
        "sort": filters.sort,
    }
    return {name: value for name, value in args.items() if value}


def _chips(filters: service.ContactFilters, args: dict[str, str]) -> list[dict]:
    """Filters that have no control of their own on the page (a company, reached from its
    page), each with its name and a link to the same list without it."""
    if not filters.company_id:
        return []
    company = service.get_company(filters.company_id)
    others = {name: value for name, value in args.items() if name != "company"}
    return [
        {
            "label": f"Company: {company.name if company else 'no longer in Rapport'}",
            "url": url_for("contacts.index", **others),
        }
    ]


def _load(contact_id: int):
    contact = service.get_contact(contact_id)
    if contact is None:
        abort(404)
    return contact


def _list(filters: service.ContactFilters, status: int = 200, **bulk):
    """The list page (or its results for htmx) for these filters, with the bulk bar's state."""
    page = service.list_contacts(filters)
    args = _filter_args(filters)
    return render(
        "contacts/index.html",
        "contacts/_results.html",
        status=status,
        filters=filters,
        filter_args=args,
        chips=_chips(filters, args),
        quiet_choices=sorted({*QUIET_CHOICES, filters.quiet_days} - {None}),
        page=page,
        all_tags=service.all_tags(),
        removable=_removable(filters, page, bulk.get("values", {}).get("scope") == "all"),
        stages=STAGE_LABELS,
        sorts=service.SORT_LABELS,
        any_contacts=page.total > 0 or service.count_contacts() > 0,
        bulk_errors=bulk.get("errors", {}),
        bulk_values=bulk.get("values", {}),
        selected=bulk.get("selected", set()),
        bulk_notice=bulk.get("notice", ""),
        bulk_undo=bulk.get("undo"),
        bulk_confirm=bulk.get("confirm"),
        bulk_asked_before=bulk.get("asked_before", False),
        refresh_tag_filter=bulk.get("refresh_tag_filter", False),
    )


def _removable(filters: service.ContactFilters, page: service.ContactPage, everyone: bool) -> list[str]:
    """The tags "Remove a tag" offers: the page's rows' (app.js narrows them to the ticked rows),
    or with "All N matching" ticked those of everyone the filters match. A page loaded whole may
    have no JavaScript to ask for those when the box is ticked, so it offers them at once."""
    if (everyone or not htmx) and page.total > len(page.items):
        return service.tags_among(filters)
    return sorted({tag for tags in page.tags.values() for tag in tags})


@bp.get("/removable-tags")
def removable_tags():
    """The "Remove a tag" choices for every contact the search and filters match, asked for when
    "All N matching" is ticked (the list page knows only its own rows' tags, which is cheaper)."""
    return render(
        "contacts/_remove_select.html",
        removable=service.tags_among(_filters()),
        bulk_values={},
        bulk_errors={},
    )


@bp.get("/")
def index():
    """The contact list; a search or filter change swaps only the results."""
    return _list(_filters(), **_bulk_outcome_from_url())


# A bulk action's outcome in the URL it redirects to without JavaScript: bulk= says which kind.
OUTCOMES = {
    "added": (True, False),
    "removed": (False, False),
    "unadded": (True, True),
    "unremoved": (False, True),
}
GONE = "That can no longer be undone: it was undone already, or many tag actions came after it."


def _outcome_args(result: service.BulkTagResult | None) -> dict:
    if result is None:
        return {"bulk": "gone"}
    kind = next(k for k, v in OUTCOMES.items() if v == (result.added, result.undone))
    return {
        "bulk": kind,
        "bulk_tag": result.tag,
        "bulk_matched": result.matched,
        "bulk_changed": result.changed,
        "bulk_undo": result.action_id if not result.undone else None,
    }


def _bulk_outcome_from_url() -> dict:
    """The notice (and the action to undo) after a bulk action without JavaScript."""
    args = request.args
    if args.get("bulk") == "gone":
        return {"notice": GONE}
    counts = [args.get("bulk_matched", ""), args.get("bulk_changed", "")]
    if args.get("bulk") not in OUTCOMES or not all(c.isdigit() for c in counts):
        return {}
    added, undone = OUTCOMES[args["bulk"]]
    tag = args.get("bulk_tag", "")[:MAX_TAG_LENGTH]
    result = service.BulkTagResult(tag, added, int(counts[0]), int(counts[1]), undone=undone)
    undo = args.get("bulk_undo", "")
    return {"notice": result.summary(), "undo": int(undo) if undo.isdigit() and len(undo) < 19 else None}


# The event a bulk action answered by htmx sends (with the notice the results show).
TAGGED = "contacts-tagged"


def _done(filters: service.ContactFilters, result: service.BulkTagResult | None, **kept):
    """The answer to a bulk action or its undo: the list with the notice (and an Undo), or for a
    plain form a redirect to it."""
    if not htmx:
        page = filters.page if filters.page > 1 else None
        return see_other(
            url_for("contacts.index", **_filter_args(filters), page=page, **_outcome_args(result))
        )
    notice = result.summary() if result else GONE
    undo = result.action_id if result and not result.undone else None
    response = _list(filters, notice=notice, undo=undo, refresh_tag_filter=True, **kept)
    response.headers["HX-Trigger"] = json.dumps({TAGGED: notice})
    return response


def _ticked(form) -> list[int]:
    """The contact ids of the ticked rows a form sent, in order, once each."""
    return list(dict.fromkeys(int(v) for v in form.getlist("ids") if v.isdigit() and len(v) < 19))


@bp.post("/bulk-tag")
def bulk_tag():
    """Add or remove a tag on the ticked contacts, or on every contact the list's search and
    filters (kept in the form's URL) match, once the owner confirmed how many that changes; the
    list comes back with what changed and an Undo."""
    filters = _filters()
    form = request.form
    adding = form.get("action") != "remove"
    everyone = form.get("scope") == "all"
    ids = _ticked(form)
    errors = {}
    if not everyone and not ids:
        errors["selection"] = (
            "Select one or more contacts first: tick the box beside a name, or the box above the list "
            "for the whole page."
        )
    if adding:
        name, error = parse_tag_name(form.get("add_tag", ""))
        if error:
            errors["add_tag"] = error
    else:  # one of the tags the list offered, which may predate the length rule: taken as it is
        name = form.get("remove_tag", "").strip()
        if not name:
            errors["remove_tag"] = "Pick a tag to remove."
    if not errors:
        try:
            if everyone:
                # Asked first, with the number it changes; asked again if that number moved since.
                preview = service.preview_bulk_tag(name, add=adding, filters=filters)
                confirmed = form.get("confirm", "")
                if preview.changed and confirmed != str(preview.changed):
                    return _list(filters, values=form, confirm=preview, asked_before=bool(confirmed))
            result = service.bulk_tag(
                name, add=adding, ids=None if everyone else ids, filters=filters if everyone else None
            )
        except service.ValidationError as exc:
            errors = exc.errors
    if errors:
        return _list(filters, status=422, errors=errors, values=form, selected=set(ids))
    # The selection stays (focus too, on the same control, or after a question on the button
    # that asked it), ready for another tag or Clear.
    kept = {"scope": "all", "action": form.get("action", "add"), "confirm": form.get("confirm", "")}
    return _done(filters, result, selected=set(ids), values=kept if everyone else {})


@bp.post("/bulk-tag/<int:action_id>/undo")
def undo_bulk_tag(action_id: int):
    """Undo a bulk tag action: exactly the contacts it changed are changed back; the rows ticked
    (or "All N matching") when Undo was pressed stay so."""
    kept = {"scope": "all"} if request.form.get("scope") == "all" else {}
    return _done(
        _filters(), service.undo_bulk_tag(action_id), selected=set(_ticked(request.form)), values=kept
    )


@bp.get("/export.csv")
def export_csv():
    """Every contact as Rapport's CSV, downloaded (never rendered: attachment + sandbox CSP)."""
    response = make_response(csv_export.export_text().encode("utf-8"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{csv_export.file_name()}"'
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.get("/new")
def new():
    return render("contacts/new.html", values={"stage": "lead"}, errors={}, stages=STAGE_LABELS)


@bp.post("/")
def create():
    """Save a new contact; invalid input comes back with 422 and the errors beside the fields."""
    data, errors = parse_contact(request.form)
    if not errors:
        try:
            contact = service.create_contact(data)
        except service.ValidationError as exc:
            errors = exc.errors
    if errors:
        return render(
            "contacts/new.html",
            "contacts/_form.html",
            status=422,
            values=request.form,
            errors=errors,
            stages=STAGE_LABELS,
            contact=None,
        )
    return see_other(url_for("contacts.show", contact_id=contact.id))


def _panel_context(contact) -> dict:
    return {
        "contact": contact,
        "timeline": stream.contact_timeline(contact.id, owner_tz()),
        "timeline_filters": stream.StreamFilters(contact_id=contact.id),
        "touch_kinds": TOUCH_KINDS,
        "directions": activities.DIRECTIONS,
    }


def _page_context(contact) -> dict:
    return {
        **_panel_context(contact),
        "emails": service.emails_of(contact),
        "phones": service.phones_of(contact),
        "tags": service.tags_for([contact.id]).get(contact.id, []),
        "stages": STAGE_LABELS,
        "rhythm": derived.rhythm(contact.id, tz=owner_tz()),
        "fu": followups.sections(owner_tz(), contact_id=contact.id),
        "values": {},
        "errors": {},
        "repeat_units": followups.REPEAT_UNITS,
        "presets": followups.SNOOZE_PRESETS,
        "weekdays": dates.WEEKDAY_NAMES,
        **relationship_cards(contact),
    }


@bp.get("/<int:contact_id>")
def show(contact_id: int):
    """The contact page: details, tags, notes and timeline."""
    return render("contacts/show.html", **_page_context(_load(contact_id)))


@bp.get("/<int:contact_id>/edit")
def edit(contact_id: int):
    contact = _load(contact_id)
    return render(
        "contacts/edit.html",
        contact=contact,
        values=service.form_values(contact),
        errors={},
        stages=STAGE_LABELS,
    )


@bp.post("/<int:contact_id>")
def update(contact_id: int):
    """Save an edit; 422 with the input kept when something is wrong."""
    contact = _load(contact_id)
    data, errors = parse_contact(request.form)
    if not errors:
        try:
            service.update_contact(contact, data)
        except service.ValidationError as exc:
            errors = exc.errors
    if errors:
        return render(
            "contacts/edit.html",
            "contacts/_form.html",
            status=422,
            contact=contact,
            values=request.form,
            errors=errors,
            stages=STAGE_LABELS,
        )
    return see_other(url_for("contacts.show", contact_id=contact.id))


@bp.post("/<int:contact_id>/delete")
def delete(contact_id: int):
    """Move to the trash (restorable)."""
    contact = _load(contact_id)
    service.delete_contact(contact)
    return redirect(url_for("contacts.trash", deleted=contact.id), code=303)


@bp.get("/trash")
def trash():
    return render("contacts/trash.html", contacts=service.trash())


@bp.post("/<int:contact_id>/restore")
def restore(contact_id: int):
    contact = service.get_contact(contact_id, include_deleted=True)
    if contact is None or not service.restore_contact(contact):
        abort(404)  # not in the trash: a merged-away contact comes back by undoing the merge
    return see_other(url_for("contacts.show", contact_id=contact.id))


def _card(contact_id: int, fragment: str):
    """One card of the contact page for htmx, the whole page otherwise."""
    return render("contacts/show.html", fragment, **_page_context(_load(contact_id)))


@bp.get("/<int:contact_id>/timeline")
def timeline_panel(contact_id: int):
    """The log form and timeline, reloaded after a touch logged elsewhere."""
    return _card(contact_id, "contacts/_timeline_panel.html")


@bp.get("/<int:contact_id>/rhythm")
def rhythm_card(contact_id: int):
    """Last touch, cadence and next touch, reloaded after a touch or a follow-up."""
    return _card(contact_id, "contacts/_rhythm.html")


@bp.get("/<int:contact_id>/signals")
def signals_card(contact_id: int):
    """Priority, signals and live reasons, reloaded after a change that rescored the contact."""
    return _card(contact_id, "relationships/_signals.html")


@bp.post("/<int:contact_id>/touches")
def log_touch(contact_id: int):
    """The quick 'add a note / log a touch' form on the contact page."""
    contact = _load(contact_id)
    form = request.form
    touch, errors = touch_fields(form)
    if not errors:
        try:
            activity = activities.log_touch([contact.id], **touch)
        except activities.ActivityError as exc:
            errors = exc.errors
    if errors:
        return render(
            "contacts/show.html",
            "contacts/_timeline_panel.html",
            status=422,
            touch_errors=errors,
            touch_values=form,
            **_page_context(contact),
        )
    if htmx:
        response = render(
            "contacts/show.html",
            "contacts/_timeline_panel.html",
            **_page_context(service.get_contact(contact.id)),
        )
        response.headers["HX-Trigger"] = json.dumps(
            {"touch-logged": activity.id, CONTACT_CHANGED: contact.id}
        )
        return response
    return see_other(url_for("contacts.show", contact_id=contact.id))
