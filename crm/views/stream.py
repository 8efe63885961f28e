"""The stream: every activity with filters, search and infinite scroll; log, edit, trash touches."""

from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, abort, request, url_for

from crm import dates, htmx
from crm.models import ACTIVITY_KINDS, STAGE_LABELS, STAGES, TOUCH_KINDS, utcnow
from crm.services import activities, followups
from crm.services import contacts as contacts_service
from crm.services import stream as service
from crm.services.settings import dayfirst
from crm.web import CONTACT_CHANGED, local, owner_tz, render, see_other

bp = Blueprint("stream", __name__, url_prefix="/stream")

TOUCH_DEFAULT_TIME = activities.TOUCH_DEFAULT_TIME


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters() -> service.StreamFilters:
    args = request.args
    return service.StreamFilters(
        q=args.get("q", "").strip()[:200],
        kind=args.get("kind", "") if args.get("kind") in ACTIVITY_KINDS else "",
        tag=args.get("tag", "").strip()[:100],
        stage=args.get("stage", "") if args.get("stage") in STAGES else "",
        contact_id=_int(args.get("contact")),
        company_id=_int(args.get("company")),
        start=_date(args.get("start")),
        end=_date(args.get("end")),
    )


def _now() -> dt.datetime:
    return utcnow().replace(tzinfo=dt.UTC)


def parse_touch_time(text: str) -> dt.datetime:
    """When a touch happened, from what the owner typed (raises DateParseError)."""
    return activities.parse_touch_time(text, _now(), owner_tz(), dayfirst=dayfirst())


def touch_fields(form, kind: str = "note") -> tuple[dict, dict[str, str]]:
    """A touch form's kind, text, time and direction (as the activity services take them),
    and an error by field when the time cannot be read."""
    fields = {
        "kind": form.get("kind", kind),
        "text": form.get("text", ""),
        "occurred_at": None,
        "direction": form.get("direction") or None,
    }
    try:
        fields["occurred_at"] = parse_touch_time(form.get("when", ""))
    except dates.DateParseError as exc:
        return fields, {"when": str(exc)}
    return fields, {}


@bp.get("/")
def index():
    """Every activity, newest first; filter changes swap only the results."""
    filters = _filters()
    cursor = request.args.get("cursor")  # "Older entries" without JavaScript: the page after it
    page = service.list_stream(filters, owner_tz(), cursor)
    contact = contacts_service.get_contact(filters.contact_id) if filters.contact_id else None
    company = contacts_service.get_company(filters.company_id) if filters.company_id else None
    return render(
        "stream/index.html",
        "stream/_results.html",
        filters=filters,
        page=page,
        kinds=service.FILTER_KINDS,
        stages=STAGE_LABELS,
        all_tags=contacts_service.all_tags(),
        filter_contact=contact,
        filter_company=company,
        older=bool(cursor),
    )


@bp.get("/page")
def more():
    """The next page of entries, appended in place of the 'load more' row: of the Stream (with
    each entry's people, as its first page), or of a contact's timeline (?timeline=1, without)."""
    filters = _filters()
    page = service.list_stream(filters, owner_tz(), request.args.get("cursor"))
    timeline_of = filters.contact_id if request.args.get("timeline") == "1" else None
    return render(
        "stream/_page.html",
        filters=filters,
        page=page,
        show_contacts=not timeline_of,
        timeline_of=timeline_of,
    )


@bp.get("/contacts")
def contact_matches():
    """Type-ahead: contacts matching what was typed, as radio choices."""
    text = request.args.get("contact_q", "").strip()[:100]
    return render("stream/_contact_matches.html", matches=service.search_contacts(text), typed=text)


@bp.get("/when")
def when_preview():
    """Echo a typed time or date back in words before saving."""
    kind = request.args.get("for", "touch")
    text = request.args.get("when") or request.args.get("due") or request.args.get("fu_due") or ""
    try:
        if kind == "due":
            words = followups.preview(text, owner_tz(), dayfirst=dayfirst())
        else:
            words = dates.describe(parse_touch_time(text), owner_tz(), _now())
        error = None
    except dates.DateParseError as exc:
        words, error = "", str(exc)
    return render("stream/_when.html", words=words, error=error, status=200 if error is None else 422)


def _quick_form(values, errors, status=200, saved=None, page_contact=None):
    """The quick entry form; `page_contact`: the id of the contact whose page it is on."""
    chosen = _int(values.get("contact_id")) if values else None
    contact = contacts_service.get_contact(chosen) if chosen else None
    return render(
        "stream/quick.html",
        "stream/_quick_form.html",
        status=status,
        qe_values=values,
        qe_errors=errors,
        qe_saved=saved,
        qe_matches=[contact] if contact else [],
        page_contact=contacts_service.get_contact(page_contact) if page_contact else None,
        touch_kinds=TOUCH_KINDS,
        directions=activities.DIRECTIONS,
    )


@bp.get("/new")
def new():
    """The quick entry on a page of its own (the `n` dialog without JavaScript)."""
    return _quick_form({}, {})


@bp.post("/touches")
def log_touch():
    """The quick entry: log a touch, and optionally a follow-up, on a contact."""
    form = request.form
    contact_id = _int(form.get("contact_id"))
    page_contact = _int(form.get("page_contact"))
    touch, errors = touch_fields(form)
    due_text = form.get("fu_due", "").strip()
    fu_title = form.get("fu_title", "").strip()
    if fu_title and not due_text:
        errors["fu_due"] = "When is it due? e.g. “in 2 weeks”."
    elif due_text:
        try:
            followups.parse_due(due_text, owner_tz(), dayfirst=dayfirst())
        except dates.DateParseError as exc:
            errors["fu_due"] = str(exc)
    if not errors:
        try:
            activity = activities.log_touch([contact_id] if contact_id else [], **touch)
        except activities.ActivityError as exc:
            errors.update(exc.errors)
    if not errors and (fu_title or due_text):
        followups.create_followup(
            contact_id, fu_title or "Follow up", due_text, owner_tz(), dayfirst=dayfirst()
        )
    if errors:
        return _quick_form(form, errors, status=422, page_contact=page_contact)
    if htmx:
        contact = contacts_service.get_contact(contact_id)
        response = _quick_form({}, {}, saved=contact, page_contact=page_contact)
        response.headers["HX-Trigger"] = json.dumps(
            {"touch-logged": activity.id, "quick-entry-done": contact_id}
        )
        return response
    return see_other(url_for("contacts.show", contact_id=contact_id))


def _load(activity_id: int, include_deleted: bool = False):
    activity = activities.get_activity(activity_id, include_deleted=include_deleted)
    if activity is None:
        abort(404)
    return activity


def _timeline_of() -> int | None:
    """The contact whose timeline an entry is edited, deleted or restored on (?contact=, which
    the timeline's entries carry); None in the Stream."""
    return _int(request.args.get("contact"))


def _entry(activity, status=200):
    """An entry as its list shows it: in the Stream with its people, on a timeline without."""
    entry = service.entries([activity])[0]
    timeline_of = _timeline_of()
    return render(
        "stream/entry.html",
        "stream/_entry.html",
        status=status,
        e=entry,
        show_contacts=not timeline_of,
        timeline_of=timeline_of,
    )


def _edit_form(activity, values, errors, status=200):
    return render(
        "stream/edit.html",
        "stream/_edit.html",
        status=status,
        activity=activity,
        values=values,
        errors=errors,
        touch_kinds=TOUCH_KINDS,
        directions=activities.DIRECTIONS,
        timeline_of=_timeline_of(),
    )


def _changed(response, moved=None):
    """An entry edited, trashed or restored in place moves its contacts' last touch and score:
    the contact page's cards that show them reload on this event. `moved`: an entry whose time an
    edit changed; the list it is on (the Stream, a contact's timeline) reloads to put it in its
    place, where the page shows it (or, beyond what the list has loaded, says where it went)."""
    events: dict = {CONTACT_CHANGED: True}
    if moved is not None:
        events["timeline-changed"] = {"moved": moved.id, "when": local(moved.occurred_at)}
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


@bp.get("/<int:activity_id>")
def show(activity_id: int):
    """One entry (also what 'Cancel' on the edit form swaps back)."""
    return _entry(_load(activity_id))


@bp.get("/<int:activity_id>/edit")
def edit(activity_id: int):
    activity = _load(activity_id)
    values = {
        "kind": activity.kind,
        "direction": activity.direction or "",
        "when": activity.occurred_at.replace(tzinfo=dt.UTC).astimezone(owner_tz()).strftime("%Y-%m-%d %H:%M"),
        "text": activity.body or activity.summary,
    }
    return _edit_form(activity, values, {})


@bp.post("/<int:activity_id>")
def update(activity_id: int):
    """Save an edited entry; 422 with the text kept when something is wrong."""
    activity = _load(activity_id)
    was = activity.occurred_at
    form = request.form
    touch, errors = touch_fields(form, activity.kind)
    if not errors:
        try:
            activities.update_activity(activity, **touch)
        except activities.ActivityError as exc:
            errors = exc.errors
    if errors:
        return _edit_form(activity, form, errors, status=422)
    if htmx:
        return _changed(_entry(_load(activity_id)), moved=activity if activity.occurred_at != was else None)
    timeline_of = _timeline_of()
    back = url_for("contacts.show", contact_id=timeline_of) if timeline_of else url_for("stream.index")
    return see_other(back)


@bp.post("/<int:activity_id>/delete")
def delete(activity_id: int):
    """Move an entry to the trash (the button asks first)."""
    activity = _load(activity_id)
    activities.delete_activity(activity)
    if htmx:
        return _changed(render("stream/_deleted.html", activity=activity, timeline_of=_timeline_of()))
    return see_other(url_for("stream.trash"))


@bp.post("/<int:activity_id>/restore")
def restore(activity_id: int):
    """Undo a delete: the entry comes back in place."""
    activity = _load(activity_id, include_deleted=True)
    activities.restore_activity(activity)
    if htmx:
        return _changed(_entry(activity))
    return see_other(url_for("stream.trash"))


@bp.get("/trash")
def trash():
    """Deleted entries, restorable."""
    return render("stream/trash.html", entries=service.trash())


@bp.post("/trash/<int:activity_id>/restore")
def restore_from_trash(activity_id: int):
    """Restore an entry from the trash list: it leaves the list at once."""
    activity = _load(activity_id, include_deleted=True)
    activities.restore_activity(activity)
    if htmx:
        return _changed(render("stream/_restored.html", activity=activity))
    return see_other(url_for("stream.trash"))
