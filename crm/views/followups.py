"""Follow-ups: the overdue / today / upcoming / done page, create, snooze, done, delete."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, request, url_for

from crm import dates, htmx, security
from crm.models import utcnow
from crm.services import contacts as contacts_service
from crm.services import followups as service
from crm.services import today as today_service
from crm.services.settings import dayfirst
from crm.web import owner_tz, render, see_other

bp = Blueprint("followups", __name__, url_prefix="/followups")


@bp.app_template_filter("rrule_words")
def rrule_words(rule: str) -> str:
    """'Every 2 weeks' for a stored RRULE."""
    try:
        return dates.describe_rrule(rule)
    except dates.DateParseError:
        return "Repeats"


@bp.app_template_filter("due_words")
def due_words(due_at: dt.datetime, all_day: bool = True) -> str:
    """'Tue 1 Dec, 09:00 · in 3 days' in the owner's zone."""
    tz = owner_tz()
    now = utcnow().replace(tzinfo=dt.UTC)
    at = due_at.replace(tzinfo=dt.UTC)
    words = dates.describe(dates.When(at, all_day, at.astimezone(tz)), tz, now)
    return f"{words} · {dates.relative_days(at.astimezone(tz).date(), dates.local_today(now, tz))}"


@bp.app_context_processor
def nav_counts():
    """Badges: overdue + today follow-ups, and the people Today still lists (indexed counts)."""
    if request.endpoint in (None, "static", "auth.login") or not security.is_logged_in():
        return {}
    try:
        tz = owner_tz()
        return {
            "nav_counts": {
                "followups.index": service.due_count(tz),
                "pages.today": today_service.left_today(tz),
            }
        }
    except Exception:  # a broken count must never break a page (error pages included)
        return {}


@bp.get("/badges")
def nav_badges():
    """The menu's two badges as out-of-band swaps, fetched after a change made in place."""
    return render("_nav_badges.html", "_nav_badges.html")


def _page(values=None, errors=None, status=200):
    return render(
        "followups/index.html",
        "followups/_sections.html",
        status=status,
        sections=service.sections(owner_tz()),
        values=values or {},
        errors=errors or {},
        repeat_units=service.REPEAT_UNITS,
        presets=service.SNOOZE_PRESETS,
        weekdays=dates.WEEKDAY_NAMES,
        contact=None,
    )


@bp.get("/")
def index():
    """Everything promised, by when it is due in the owner's days."""
    return _page()


@bp.get("/preview")
def preview():
    """'Tue 1 Dec' for a typed due date; 422 with the reason when it cannot be read."""
    text = request.args.get("due") or request.args.get("fu_due") or ""
    try:
        words, error = service.preview(text, owner_tz(), dayfirst=dayfirst()), None
    except dates.DateParseError as exc:
        words, error = "", str(exc)
    return render("stream/_when.html", words=words, error=error, status=200 if error is None else 422)


@bp.get("/contact/<int:contact_id>")
def for_contact(contact_id: int):
    """A contact's follow-up panel (reloaded after a change)."""
    contact = contacts_service.get_contact(contact_id)
    if contact is None:
        abort(404)
    return render(
        "followups/contact.html",
        "followups/_contact_panel.html",
        contact=contact,
        fu=service.sections(owner_tz(), contact_id=contact.id),
        values={},
        errors={},
        repeat_units=service.REPEAT_UNITS,
        presets=service.SNOOZE_PRESETS,
        weekdays=dates.WEEKDAY_NAMES,
    )


@bp.post("/")
def create():
    """Add a follow-up; an unreadable date or repeat is a 422 with everything typed kept."""
    form = request.form
    contact_id = int(form["contact_id"]) if form.get("contact_id", "").isdigit() else None
    errors = {}
    rrule = None
    try:
        rrule = service.build_rrule(
            form.get("repeat", ""), form.get("every", "1"), form.get("weekday", ""), form.get("monthday", "")
        )
    except dates.DateParseError as exc:
        errors["repeat"] = str(exc)
    if not errors:
        try:
            service.create_followup(
                contact_id,
                form.get("title", ""),
                form.get("due", ""),
                owner_tz(),
                rrule=rrule,
                dayfirst=dayfirst(),
            )
        except service.FollowUpError as exc:
            errors = exc.errors
    contact = (
        contacts_service.get_contact(contact_id) if form.get("from") == "contact" and contact_id else None
    )
    if errors:
        picked = contacts_service.get_contact(contact_id) if contact_id else None
        return _form(contact, form, errors, 422, matches=[picked] if picked else [])
    if htmx:
        response = _form(contact, {}, {}, 200)
        response.headers["HX-Trigger"] = "followups-changed"
        return response
    return see_other(security.safe_next(form.get("next") or url_for("followups.index")))


def _form(contact, values, errors, status, matches=()):
    """The follow-up form alone (htmx) or the follow-ups page around it; `matches`: the contact
    picked in the type-ahead, kept checked."""
    return render(
        "followups/index.html",
        "followups/_form.html",
        status=status,
        sections=service.sections(owner_tz()),
        contact=contact,
        values=values,
        errors=errors,
        repeat_units=service.REPEAT_UNITS,
        presets=service.SNOOZE_PRESETS,
        weekdays=dates.WEEKDAY_NAMES,
        matches=matches,
    )


def _changed(next_url: str | None):
    """After a change: htmx lists reload themselves on the event; plain forms go back."""
    if htmx:
        response = render("followups/_changed.html")
        response.headers["HX-Trigger"] = "followups-changed"
        return response
    return see_other(security.safe_next(next_url or url_for("followups.index")))


def _load(followup_id: int):
    followup = service.get_followup(followup_id)
    if followup is None:
        abort(404)
    return followup


@bp.post("/<int:followup_id>/done")
def done(followup_id: int):
    """Done: logged in the stream, and the next one scheduled if it repeats."""
    service.complete_followup(_load(followup_id), owner_tz())
    return _changed(request.form.get("next"))


@bp.post("/<int:followup_id>/snooze")
def snooze(followup_id: int):
    """Push to later today, tomorrow, next week, next month or a picked date."""
    followup = _load(followup_id)
    preset = request.form.get("preset", "")
    if preset not in service.SNOOZE_PRESETS and preset != "date":
        abort(400)
    try:
        service.snooze_followup(
            followup, preset, owner_tz(), date_text=request.form.get("date", ""), dayfirst=dayfirst()
        )
    except dates.DateParseError as exc:
        return render("stream/_when.html", words="", error=str(exc), status=422)
    return _changed(request.form.get("next"))


@bp.post("/<int:followup_id>/delete")
def delete(followup_id: int):
    service.delete_followup(_load(followup_id), owner_tz())
    return _changed(request.form.get("next"))
