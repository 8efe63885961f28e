"""Contacts: list with search-as-you-type, create, edit, trash, and the contact page."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, redirect, request, url_for

from crm import htmx
from crm.forms import parse_contact
from crm.models import STAGE_LABELS, STAGES, TOUCH_KINDS
from crm.services import activities, csv_export
from crm.services import contacts as service
from crm.web import render, see_other

bp = Blueprint("contacts", __name__, url_prefix="/contacts")


def _filters() -> service.ContactFilters:
    args = request.args
    company = args.get("company", "")
    quiet = args.get("quiet", "")
    return service.ContactFilters(
        q=args.get("q", "").strip()[:200],
        tag=args.get("tag", "").strip(),
        stage=args.get("stage", "") if args.get("stage") in STAGES else "",
        company_id=int(company) if company.isdigit() else None,
        sort=args.get("sort", "name") if args.get("sort") in service.SORTS else "name",
        page=int(args.get("page", "1")) if args.get("page", "1").isdigit() else 1,
        quiet_days=int(quiet) if quiet.isdigit() and int(quiet) > 0 else None,
        has_followup=args.get("followup") == "1",
    )


def _load(contact_id: int):
    contact = service.get_contact(contact_id)
    if contact is None:
        abort(404)
    return contact


@bp.get("/")
def index():
    """The contact list; a search or filter change swaps only the results."""
    filters = _filters()
    page = service.list_contacts(filters)
    return render(
        "contacts/index.html",
        "contacts/_results.html",
        filters=filters,
        page=page,
        all_tags=service.all_tags(),
        stages=STAGE_LABELS,
        sorts=service.SORT_LABELS,
        any_contacts=page.total > 0 or service.count_contacts() > 0,
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


def _page_context(contact) -> dict:
    return {
        "contact": contact,
        "emails": service.emails_of(contact),
        "phones": service.phones_of(contact),
        "tags": service.tags_for([contact.id]).get(contact.id, []),
        "timeline": service.timeline(contact),
        "stages": STAGE_LABELS,
        "touch_kinds": TOUCH_KINDS,
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
    if contact is None:
        abort(404)
    service.restore_contact(contact)
    return see_other(url_for("contacts.show", contact_id=contact.id))


@bp.post("/<int:contact_id>/touches")
def log_touch(contact_id: int):
    """The quick 'add a note / log a touch' form on the contact page."""
    contact = _load(contact_id)
    kind = request.form.get("kind", "note")
    text = request.form.get("text", "").strip()
    error = None
    if kind not in TOUCH_KINDS:
        error = "Pick what kind of touch this was."
    elif kind == "note" and not text:
        error = "Write the note first."
    if error:
        return render(
            "contacts/show.html",
            "contacts/_timeline_panel.html",
            status=422,
            touch_error=error,
            touch_values=request.form,
            **_page_context(contact),
        )
    activities.log_touch([contact.id], kind, text)
    if htmx:
        response = render(
            "contacts/show.html",
            "contacts/_timeline_panel.html",
            **_page_context(service.get_contact(contact.id)),
        )
        response.headers["HX-Trigger"] = "touch-logged"
        return response
    return see_other(url_for("contacts.show", contact_id=contact.id))
