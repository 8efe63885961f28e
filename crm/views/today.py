"""Today: the ranked list of who to contact, its one-click row actions and the goal progress.

The page itself is served at `/` (endpoint pages.today, in crm/views/pages.py). A row action that
makes the person done removes their row and adds them to "Done today", with an HX-Trigger
"today-changed" event that refreshes the progress fragment; any other (a signal dismissed, a
follow-up planned) and the one that reaches the daily goal answer the whole board, so the list is
ranked as a reload would show it. The board also fetches itself again after a touch logged
elsewhere on the page (the quick entry's "quick-entry-done").
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, abort, request, url_for

from crm import htmx
from crm.models import utcnow
from crm.services import activities, derived, followups, signals
from crm.services import contacts as contacts_service
from crm.services import today as service
from crm.services.settings import dayfirst
from crm.web import local, owner_tz, render, see_other, wants_fragment

bp = Blueprint("today", __name__, url_prefix="/today")

TOUCH_CHOICES = {"message": "Message", "call": "Call", "email": "Email", "meeting": "Meeting", "note": "Note"}
EVENT = "today-changed"


def _extra() -> int:
    """How many people past the goal the board shows ("Keep going": ?more= in the page's address,
    which a row action answering the whole board reads from the page it was sent from)."""
    more = request.args.get("more") or parse_qs(urlsplit(htmx.current_url or "").query).get("more", [""])[0]
    return min(int(more), 100) if more.isdigit() else 0


def page():
    """The Today page (also its board fragment for htmx). A GET writes nothing: on the first look
    after the owner's midnight the board asks for /today/refresh itself (a POST), which rescores
    everyone and answers the board again, so no cron job is needed for time decay."""
    board = service.board(owner_tz(), extra=_extra())
    fragment = wants_fragment()
    return render(
        "today/index.html",
        "today/_board.html",
        board=board,
        touch_choices=TOUCH_CHOICES,
        snoozes=service.SNOOZES,
        extra=_extra(),
        now_label=local(utcnow(), "%A %-d %B"),
        new_day=board.has_contacts and derived.needs_new_day(tz=owner_tz()),
        # a board swapped in place also updates the navigation's count of who is left
        oob=fragment,
        left=service.left_today(owner_tz()) if fragment else 0,
    )


@bp.post("/refresh")
def refresh():
    """Rescore everyone for the owner's new day (once a day), then show the board again."""
    derived.refresh_if_new_day(tz=owner_tz())
    if not htmx:
        return see_other(url_for("pages.today"))
    return page()


@bp.get("/progress")
def progress():
    """The goal progress line, refreshed after every row action."""
    done, goal = service.progress(owner_tz())
    left = service.left_today(owner_tz())
    return render("today/_progress.html", "today/_progress.html", done=done, goal=goal, left=left, oob=True)


def _contact(contact_id: int):
    contact = contacts_service.get_contact(contact_id)
    if contact is None:
        abort(404)
    return contact


def _after(contact_id: int, message: str):
    """The answer to a row action: the person moved to Done today, or else the whole board, as a
    reload would show it: a person still listed takes their place by their new score (the row
    under the cursor is then the next person; one who no longer makes the list gives their place
    to someone else), and the action that reached the daily goal shows it reached."""
    if not htmx:
        return see_other(url_for("pages.today"))
    tz = owner_tz()
    done = service.is_done_today(contact_id, tz)
    event = json.dumps({EVENT: {"message": message}})
    count, goal = service.progress(tz)
    if done is not None and count != goal:
        response = render("today/_moved.html", "today/_moved.html", done=done)
        response.headers["HX-Trigger"] = event
        return response
    response = page()
    response.headers["HX-Retarget"] = "#today-board"
    response.headers["HX-Reswap"] = "outerHTML"
    # after the swap: the board carries fresh progress, so the old one must not fetch it
    response.headers["HX-Trigger-After-Swap"] = event
    return response


def _invalid(contact_id: int, **context):
    row = service.row_for(contact_id, owner_tz())
    if row is None:
        abort(409)
    return render(
        "today/_row.html", "today/_row.html", status=422, row=row, touch_choices=TOUCH_CHOICES,
        snoozes=service.SNOOZES, **context,
    )  # fmt: skip


@bp.post("/<int:contact_id>/touch")
def touch(contact_id: int):
    """Log a touch (message, call, email, meeting or note) with an optional note."""
    _contact(contact_id)
    kind = request.form.get("kind", "message")
    text = request.form.get("text", "")
    direction = "out" if kind in ("message", "email") else None
    try:
        activities.log_touch([contact_id], kind, text, direction=direction)
    except activities.ActivityError as exc:
        return _invalid(contact_id, errors=exc.errors, values=request.form, open_form="log")
    return _after(contact_id, "Touch logged.")


@bp.post("/<int:contact_id>/snooze")
def snooze(contact_id: int):
    """Hide the person from Today for a day, a week, or until a date."""
    _contact(contact_id)
    try:
        service.snooze_contact(
            contact_id,
            request.form.get("preset", ""),
            owner_tz(),
            date_text=request.form.get("date", ""),
            dayfirst=dayfirst(),
        )
    except service.TodayError as exc:
        return _invalid(contact_id, errors=exc.errors, values=request.form, open_form="snooze")
    return _after(contact_id, "Snoozed.")


@bp.post("/<int:contact_id>/unsnooze")
def unsnooze(contact_id: int):
    """Undo a snooze: the person is back on Today."""
    _contact(contact_id)
    service.unsnooze_contact(contact_id, owner_tz())
    if not htmx:
        return see_other(url_for("pages.today"))
    response = page()
    response.headers["HX-Trigger"] = json.dumps({EVENT: {"message": "Back on your list."}})
    return response


@bp.post("/<int:contact_id>/followups/<int:followup_id>/done")
def followup_done(contact_id: int, followup_id: int):
    """Complete the follow-up shown in the row's reasons."""
    item = followups.get_followup(followup_id)
    if item is None or item.contact_id != contact_id:
        abort(404)
    if item.done_at is None:
        followups.complete_followup(item, owner_tz())
    return _after(contact_id, "Follow-up done.")


@bp.post("/<int:contact_id>/followups")
def followup_add(contact_id: int):
    """Plan the next step: a follow-up at a natural date ("in 2 weeks", "fri")."""
    _contact(contact_id)
    try:
        followups.create_followup(
            contact_id,
            request.form.get("title", ""),
            request.form.get("due", ""),
            owner_tz(),
            dayfirst=dayfirst(),
        )
    except followups.FollowUpError as exc:
        return _invalid(contact_id, errors=exc.errors, values=request.form, open_form="followup")
    return _after(contact_id, "Follow-up added.")


@bp.post("/<int:contact_id>/signals/<int:signal_id>/dismiss")
def dismiss(contact_id: int, signal_id: int):
    """Dismiss one signal: it stops counting, and the person takes their new place on the board."""
    signal = signals.get_signal(signal_id)
    if signal is None or signal.contact_id != contact_id:
        abort(404)
    signals.dismiss_signal(signal)
    return _after(contact_id, "Signal dismissed.")
