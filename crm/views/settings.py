"""Settings: one page of sections; other areas add theirs to SECTIONS."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from crm.models import STAGE_LABELS, STAGES
from crm.services import demo as demo_service
from crm.services import settings as service
from crm.services import today as today_service
from crm.services import weights as weights_service
from crm.web import owner_tz, render, see_other

bp = Blueprint("settings", __name__, url_prefix="/settings")

# (template, title): each area appends its section template; all share the page's context.
SECTIONS = [
    ("settings/_general.html", "Time and dates"),
    ("settings/_cadences.html", "Keep-in-touch cadences"),
    ("settings/_today.html", "Today: daily goal and ranking weights"),
    ("settings/_calendar.html", "Calendar feed"),
]
DEMO_SECTION = ("settings/_demo.html", "Demo network")


def _context(**extra) -> dict:
    demo_people = demo_service.demo_people()
    context = {
        # the demo network's section only while there is one to remove
        "sections": [*SECTIONS, DEMO_SECTION] if demo_people else SECTIONS,
        "demo_people": demo_people,
        "timezone": owner_tz().key,
        "date_order": "dmy" if service.dayfirst() else "mdy",
        "date_orders": service.DATE_ORDERS,
        "tags": service.tag_cadences(),
        "stage_cadences": service.stage_cadences(),
        "stages": STAGE_LABELS,
        "calendar_url": url_for(
            "calendar.feed", token=service.calendar_token(create=False) or "x", _external=True
        )
        if service.calendar_token(create=False)
        else None,
        "errors": {},
        "values": {},
        "daily_goal": today_service.daily_goal(),
        "weight_groups": weights_service.WEIGHT_GROUPS,
    }
    context.update(extra)
    context["weights"] = weights_service.weight_rows(context["values"], context["errors"])
    return context


@bp.get("/")
def index():
    return render("settings/index.html", **_context())


@bp.post("/general")
def general():
    """Time zone and date order."""
    zone = service.known_zone(request.form.get("timezone", "").strip())
    order = request.form.get("date_order", "mdy")
    if not service.valid_zone(zone):
        errors = {"timezone": "Not a time zone we know; use a name like Europe/Berlin or America/New_York."}
        return render("settings/index.html", status=422, **_context(errors=errors, values=request.form))
    service.save_general(zone, order, previous=owner_tz())
    return see_other(url_for("settings.index", saved="general"))


def _days(value: str | None) -> int | None | str:
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit() and 1 <= int(value) <= 3650:
        return int(value)
    return "bad"


@bp.post("/cadences")
def cadences():
    """Tag and stage cadences (days; empty for none)."""
    form = request.form
    errors = {}
    tags, stages = {}, {}
    for tag in service.tag_cadences():
        days = _days(form.get(f"tag-{tag.id}"))
        if days == "bad":
            errors[f"tag-{tag.id}"] = "1 to 3650 days, or empty."
        tags[tag.id] = days
    for stage in STAGES:
        days = _days(form.get(f"stage-{stage}"))
        if days == "bad":
            errors[f"stage-{stage}"] = "1 to 3650 days, or empty."
        stages[stage] = days
    if errors:
        return render("settings/index.html", status=422, **_context(errors=errors, values=form))
    service.save_cadences(tags, stages)
    return see_other(url_for("settings.index", saved="cadences"))


@bp.post("/calendar")
def calendar():
    """Make a new secret feed URL; the old one stops working."""
    service.regenerate_calendar_token()
    return see_other(url_for("settings.index", saved="calendar"))


@bp.post("/demo/remove")
def remove_demo():
    """Delete the demo network (asked first in the browser); a second click finds none."""
    removed = demo_service.remove_demo()["contacts"]
    return see_other(url_for("settings.index", demo_removed=removed))


@bp.post("/today")
def today():
    """The daily goal and the ranking weights (empty = default); 422 keeps what was typed."""
    form = request.form
    if form.get("reset"):
        weights_service.reset_weights()
        return see_other(url_for("settings.index", saved="weights") + "#today")
    try:
        weights_service.save_today_settings(form.get("daily_goal", ""), form)
    except today_service.TodayError as exc:
        return render("settings/index.html", status=422, **_context(errors=exc.errors, values=form))
    return see_other(url_for("settings.index", saved="today") + "#today")
