"""The contact page's relationship cards (signals, value, give/ask) and the pre-call brief."""

from __future__ import annotations

import json

from flask import Blueprint, abort, request, url_for

from crm import htmx
from crm.models import STAGE_LABELS
from crm.services import contacts as contacts_service
from crm.services import relationships as service
from crm.services import signals
from crm.web import CONTACT_CHANGED, owner_tz, render, see_other

bp = Blueprint("relationships", __name__, url_prefix="/contacts")

# Reasons that come from the facts themselves rather than a stored signal (shown beside signals).
LIVE_CODES = ("awaiting_reply", "going_quiet", "cadence_overdue", "birthday", "anniversary")


def _load(contact_id: int):
    contact = contacts_service.get_contact(contact_id)
    if contact is None:
        abort(404)
    return contact


def cards(contact, **extra) -> dict:
    """What the signals, value and give/ask cards on the contact page need."""
    context = {
        "active_signals": signals.active_signals([contact.id]).get(contact.id, []),
        "live_reasons": [r for r in (contact.score_reasons or []) if r.get("code") in LIVE_CODES],
        "signal_kinds": signals.OWNER_KINDS,
        "ledger": service.ledger(contact.id),
        "ledger_directions": service.DIRECTIONS,
        "ledger_kinds": service.LEDGER_KINDS,
        "value_values": {},
        "value_errors": {},
        "signal_values": {},
        "signal_errors": {},
        "ledger_values": {},
        "ledger_errors": {},
    }
    context.update(extra)
    return context


def _card(template: str, contact, status: int = 200, trigger: str | None = None, **extra):
    response = render(
        "contacts/show.html", template, status=status, contact=contact, **cards(contact, **extra)
    )
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response


def _back(contact):
    return see_other(url_for("contacts.show", contact_id=contact.id))


@bp.post("/<int:contact_id>/signals")
def record_signal(contact_id: int):
    """Record a signal in two clicks: a kind, and optionally a note."""
    contact = _load(contact_id)
    try:
        signals.record_signal(contact.id, request.form.get("kind", ""), request.form.get("note", ""))
    except signals.SignalError as exc:
        if not htmx:
            abort(422)
        return _card("relationships/_signals.html", contact, 422, signal_values=request.form,
                     signal_errors=exc.errors)  # fmt: skip
    if not htmx:
        return _back(contact)
    # The signal is also a timeline entry; the signals card itself is this answer.
    trigger = json.dumps({"touch-logged": contact.id, "timeline-changed": contact.id})
    return _card("relationships/_signals.html", _load(contact_id), trigger=trigger)


@bp.post("/<int:contact_id>/signals/<int:signal_id>/dismiss")
def dismiss_signal(contact_id: int, signal_id: int):
    """Stop a signal from counting."""
    contact = _load(contact_id)
    signal = signals.get_signal(signal_id)
    if signal is None or signal.contact_id != contact.id:
        abort(404)
    signals.dismiss_signal(signal)
    if not htmx:
        return _back(contact)
    return _card("relationships/_signals.html", _load(contact_id), dismissed=signal)


@bp.post("/<int:contact_id>/signals/<int:signal_id>/restore")
def restore_signal(contact_id: int, signal_id: int):
    """Undo a dismissal."""
    contact = _load(contact_id)
    signal = signals.get_signal(signal_id)
    if signal is None or signal.contact_id != contact.id:
        abort(404)
    signals.restore_signal(signal)
    if not htmx:
        return _back(contact)
    return _card("relationships/_signals.html", _load(contact_id))


@bp.post("/<int:contact_id>/value")
def save_value(contact_id: int):
    """Deal value, referrals given, advocate/reference, product feedback."""
    contact = _load(contact_id)
    values, errors = service.parse_value(request.form)
    if errors:
        return _card("relationships/_value.html", contact, 422, value_values=request.form,
                     value_errors=errors)  # fmt: skip
    contact = service.save_value(contact, values)
    if not htmx:
        return _back(contact)
    return _card("relationships/_value.html", contact, trigger=CONTACT_CHANGED, saved=True)


@bp.post("/<int:contact_id>/ledger")
def add_ledger(contact_id: int):
    """Add one give/ask entry."""
    contact = _load(contact_id)
    form = request.form
    try:
        service.add_ledger_entry(
            contact.id, form.get("direction", ""), form.get("kind", ""), form.get("note", "")
        )
    except service.RelationshipError as exc:
        return _card("relationships/_ledger.html", contact, 422, ledger_values=form, ledger_errors=exc.errors)
    if not htmx:
        return _back(contact)
    return _card("relationships/_ledger.html", _load(contact_id), trigger=CONTACT_CHANGED)


@bp.post("/<int:contact_id>/ledger/<int:entry_id>/delete")
def delete_ledger(contact_id: int, entry_id: int):
    """Remove a give/ask entry."""
    contact = _load(contact_id)
    if not service.delete_ledger_entry(contact.id, entry_id):
        abort(404)
    if not htmx:
        return _back(contact)
    return _card("relationships/_ledger.html", _load(contact_id), trigger=CONTACT_CHANGED)


@bp.get("/<int:contact_id>/brief")
def brief(contact_id: int):
    """The printable pre-call brief (its facts alone for htmx, after a quick entry here)."""
    contact = _load(contact_id)
    return render(
        "relationships/brief.html",
        "relationships/_brief_grid.html",
        brief=service.brief(contact, owner_tz()),
        contact=contact,
        tags=contacts_service.tags_for([contact.id]).get(contact.id, []),
        emails=contacts_service.emails_of(contact),
        stages=STAGE_LABELS,
        ledger_kinds=service.LEDGER_KINDS,
        errors={},
        values={},
    )


@bp.post("/<int:contact_id>/brief")
def save_brief(contact_id: int):
    """Save "what I want from the next conversation"."""
    contact = _load(contact_id)
    try:
        service.save_brief_goal(contact, request.form.get("brief_goal", ""))
    except service.RelationshipError as exc:
        return render(
            "relationships/brief.html", "relationships/_goal.html", status=422, contact=contact,
            errors=exc.errors, values=request.form,
        )  # fmt: skip
    if not htmx:
        return see_other(url_for("relationships.brief", contact_id=contact.id))
    return render(
        "relationships/brief.html",
        "relationships/_goal.html",
        contact=contact,
        errors={},
        values={},
        saved=True,
    )
