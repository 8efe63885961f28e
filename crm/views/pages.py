"""Screens that later work fills in; until then each says what is coming."""

from __future__ import annotations

from flask import Blueprint, render_template

from crm.services.contacts import count_contacts

bp = Blueprint("pages", __name__)

SOON = {
    "today": ("Today", "A ranked, explained list of who to contact today."),
    "stream": ("Stream", "Every touch, message and signal, newest first."),
    "followups": ("Follow-ups", "Everything you promised to do, due and overdue."),
    "settings": ("Settings", "Your goals, cadences and scoring weights."),
}


def _soon(area: str):
    title, blurb = SOON[area]
    return render_template("pages/soon.html", title=title, blurb=blurb, area=area, contacts=count_contacts())


@bp.get("/")
def today():
    """The home page."""
    return _soon("today")


@bp.get("/stream")
def stream():
    return _soon("stream")


@bp.get("/followups")
def followups():
    return _soon("followups")


@bp.get("/settings")
def settings():
    return _soon("settings")
